package dlq

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kafka-ometria/kafka-ometria/processor"
)

// Page is one page of the entries a filter selects.
type Page struct {
	Entries []*Entry
	Read    int // entries read
	Matched int // entries selected, on every page
	Number  int // this page, from 1
	Size    int // entries a page; 0: one page of every entry
}

// Pages is how many pages the selected entries fill.
func (p *Page) Pages() int {
	if p.Size <= 0 {
		return min(1, p.Matched)
	}
	return (p.Matched + p.Size - 1) / p.Size
}

// ReadPage reads the entries of t that f selects and keeps page number (from 1) of
// size entries (size 0: all of them).
func ReadPage(ctx context.Context, t *Topic, f *Filter, number, size int) (*Page, error) {
	p := &Page{Number: max(number, 1), Size: size}
	first := (p.Number - 1) * size
	read, err := Scan(ctx, t, f, func(e *Entry) error {
		if p.Matched >= first && (size <= 0 || p.Matched < first+size) {
			p.Entries = append(p.Entries, e)
		}
		p.Matched++
		return nil
	})
	p.Read = read
	return p, err
}

// previewBytes bounds the preview of a value that is not JSON.
const previewBytes = 512

// WriteEntry writes e for people: its coordinates, what kafka-ometria's headers say,
// every header, and its value (pretty JSON, else an escaped or hex preview).
func WriteEntry(w io.Writer, e *Entry) error {
	var b strings.Builder
	fmt.Fprintf(&b, "── %s  partition %d  offset %d  %s\n", e.Topic, e.Partition, e.Offset, e.Time.UTC().Format(timeLayout))
	if !e.Managed {
		b.WriteString("  (no kafka-ometria headers: produced by hand or by an older version; replayed only with --to)\n")
	} else {
		fmt.Fprintf(&b, "  reason   %s   stage %s   account %s   attempt %d\n", orNone(e.Reason), e.StageLabel(), orNone(e.Account), e.Attempt)
		if e.Text != "" {
			fmt.Fprintf(&b, "  message  %s\n", e.Text)
		}
		fmt.Fprintf(&b, "  failed   %s", e.FailedAt().UTC().Format(timeLayout))
		if !e.FirstFailed.IsZero() && !e.FirstFailed.Equal(e.LastFailed) {
			fmt.Fprintf(&b, " (first %s)", e.FirstFailed.UTC().Format(timeLayout))
		}
		b.WriteString("\n")
	}
	if e.SourceTopic != "" {
		fmt.Fprintf(&b, "  source   %s partition %d offset %d", e.SourceTopic, e.SourcePartition, e.SourceOffset)
		if e.BatchIndex >= 0 {
			fmt.Fprintf(&b, ", element %d of its batch", e.BatchIndex)
		}
		b.WriteString("\n")
	}
	if l := e.EventLabel(); l != "" {
		fmt.Fprintf(&b, "  event    %s\n", l)
	}
	if e.ReplayCount > 0 {
		fmt.Fprintf(&b, "  replayed %d times before\n", e.ReplayCount)
	}
	fmt.Fprintf(&b, "  key      %s\n", preview(e.Key, 200))
	b.WriteString("  headers\n")
	for _, h := range e.Headers {
		fmt.Fprintf(&b, "    %s: %s\n", h.Key, preview(h.Value, 300))
	}
	writeBody(&b, e)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeBody(b *strings.Builder, e *Entry) {
	v := e.Value
	if e.Truncated {
		size, _ := e.Header(processor.HeaderOriginalSize)
		sum, _ := e.Header(processor.HeaderOriginalSHA256)
		fmt.Fprintf(b, "  note: this value was cut to fit the dead-letter topic: %d of %s bytes kept (sha256 of the whole value %s); it is never replayed\n",
			len(v), orUnknown(size), orUnknown(sum))
	}
	var pretty bytes.Buffer
	switch {
	case v == nil:
		b.WriteString("  value    null\n")
	case json.Valid(v) && json.Indent(&pretty, v, "    ", "  ") == nil:
		fmt.Fprintf(b, "  value    %d bytes, JSON\n    %s\n", len(v), pretty.String())
	case utf8.Valid(v):
		fmt.Fprintf(b, "  value    %d bytes, not JSON (text%s)\n    %s\n", len(v), cut(len(v)), preview(v, previewBytes))
	default:
		fmt.Fprintf(b, "  value    %d bytes, not JSON (binary%s)\n", len(v), cut(len(v)))
		for line := range strings.Lines(hex.Dump(v[:min(len(v), previewBytes)])) {
			b.WriteString("    " + line)
		}
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

func cut(n int) string {
	if n > previewBytes {
		return fmt.Sprintf(", the first %d bytes shown", previewBytes)
	}
	return ""
}

// preview writes b as it is when it is plain printable text, else quoted, cut to n
// bytes; "null" for nil.
func preview(b []byte, n int) string {
	if b == nil {
		return "null"
	}
	k := len(b)
	if k > n {
		k = n
		for k > 0 && !utf8.RuneStart(b[k]) {
			k--
		}
	}
	s := string(b[:k])
	if !plain(s) {
		s = strconv.Quote(s)
	}
	if k < len(b) {
		s += fmt.Sprintf("… (%d bytes)", len(b))
	}
	return s
}

// plain reports whether s reads the same unquoted: printable, not empty, no outer spaces.
func plain(s string) bool {
	if s == "" || strings.TrimSpace(s) != s || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}
