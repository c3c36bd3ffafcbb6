package dlq

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/segmentio/kafka-go"
)

// source is where a replay reads entries: the dead-letter topic, or a file of exported
// entries. Positions are offsets of the topic's partitions, or line indexes of the file
// (partition 0, from 0).
type source interface {
	// identity names the source in the replay id: the topic, or the file's content hash.
	identity() string
	// String names it for people: the topic, or "file:PATH".
	String() string
	// spans are the positions to examine, by partition, for the filter.
	spans(f *Filter) []span
	// read calls fn with each entry of s and its position, in order.
	read(ctx context.Context, s span, fn func(e *Entry, pos int64) error) error
	// position returns the position of the entry at coordinates (as Entry.Coordinates
	// writes them), when the source can tell.
	position(coordinates string) (partition int, pos int64, ok bool)
}

type span struct {
	partition int
	from, to  int64
}

type topicSource struct{ t *Topic }

func (s topicSource) identity() string { return "topic:" + s.t.Name }
func (s topicSource) String() string   { return s.t.Name }

func (s topicSource) spans(f *Filter) []span {
	var out []span
	for _, p := range s.t.Partitions {
		if from, to, ok := f.Range(p.ID, p.Start, p.End); ok {
			out = append(out, span{p.ID, from, to})
		}
	}
	return out
}

func (s topicSource) read(ctx context.Context, sp span, fn func(*Entry, int64) error) error {
	return s.t.Read(ctx, sp.partition, sp.from, sp.to, func(m kafka.Message) error { return fn(NewEntry(m), m.Offset) })
}

func (s topicSource) position(c string) (int, int64, bool) {
	rest, ok := strings.CutPrefix(c, s.t.Name+"/")
	if !ok {
		return 0, 0, false
	}
	ps, offs, ok := strings.Cut(rest, "/")
	p, err1 := strconv.Atoi(ps)
	o, err2 := strconv.ParseInt(offs, 10, 64)
	return p, o, ok && err1 == nil && err2 == nil
}

// fileSource is a JSONL file of entries (export's format). Every line is checked when it
// is opened; blank lines are skipped.
type fileSource struct {
	path  string
	hash  string
	lines int64
}

// maxLine bounds a line of an entries file.
const maxLine = 64 << 20

// openFile checks every line of the file at path and returns it as a source. The error
// lists the first bad lines.
func openFile(path string) (*fileSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	sc := bufio.NewScanner(io.TeeReader(f, h))
	sc.Buffer(make([]byte, 64<<10), maxLine)
	s := &fileSource{path: path}
	var errs []error
	for sc.Scan() {
		s.lines++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		if _, err := DecodeLine(sc.Bytes()); err != nil && len(errs) < 10 {
			errs = append(errs, fmt.Errorf("%s line %d: %v", path, s.lines, err))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--from %s: after line %d: %w", path, s.lines, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s.hash = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

func (s *fileSource) identity() string { return "file:" + s.hash }
func (s *fileSource) String() string   { return "file:" + s.path }

func (s *fileSource) spans(*Filter) []span {
	if s.lines == 0 {
		return nil
	}
	return []span{{0, 0, s.lines}}
}

func (s *fileSource) read(ctx context.Context, sp span, fn func(*Entry, int64) error) error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for i := int64(0); sc.Scan() && i < sp.to; i++ {
		if i < sp.from || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := DecodeLine(sc.Bytes())
		if err != nil {
			return fmt.Errorf("%s line %d: %v (the file changed while it was read)", s.path, i+1, err)
		}
		if m.Topic == "" { // written by hand: the line names it
			m.Topic, m.Partition, m.Offset = filepath.Base(s.path)+":line", 0, i+1
		}
		if err := fn(NewEntry(m), i); err != nil {
			return err
		}
	}
	return sc.Err()
}

func (s *fileSource) position(string) (int, int64, bool) { return 0, 0, false }
