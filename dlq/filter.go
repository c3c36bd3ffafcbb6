package dlq

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// StageNone selects, in Filter.Stages, the entries without kafka-ometria's headers.
const StageNone = "none"

// Filter selects entries. Each set field must match (and); within a list, any value
// matches (or). The zero Filter selects every entry.
type Filter struct {
	Reasons  []string // ometria-reason
	Accounts []string // ometria-account
	Stages   []string // map, push, retry, or StageNone
	// EventTypes match, ignoring case, the event's type or event name (map letters and
	// entries without headers) or the record type (push and retry letters).
	EventTypes   []string
	SourceTopics []string // ometria-source-topic
	// Since and Until bound the failure time (Entry.FailedAt): Since <= t < Until. Zero: open.
	Since, Until time.Time
	Partitions   []int        // of the dead-letter topic
	Offsets      *OffsetRange // of the dead-letter topic, in every partition selected
	Headers      []HeaderMatch
}

// OffsetRange is an inclusive range of offsets; To < 0 leaves it open.
type OffsetRange struct{ From, To int64 }

// HeaderMatch selects entries whose last header named Name has the value Value.
type HeaderMatch struct{ Name, Value string }

// Match reports whether the filter selects e.
func (f *Filter) Match(e *Entry) bool {
	switch {
	case len(f.Reasons) > 0 && !slices.Contains(f.Reasons, e.Reason),
		len(f.Accounts) > 0 && !slices.Contains(f.Accounts, e.Account),
		len(f.SourceTopics) > 0 && !slices.Contains(f.SourceTopics, e.SourceTopic),
		len(f.Partitions) > 0 && !slices.Contains(f.Partitions, e.Partition),
		f.Offsets != nil && !f.Offsets.contains(e.Offset):
		return false
	}
	if len(f.Stages) > 0 {
		stage := e.Stage
		if stage == "" {
			stage = StageNone
		}
		if !slices.Contains(f.Stages, stage) {
			return false
		}
	}
	if len(f.EventTypes) > 0 && !f.matchEventType(e) {
		return false
	}
	if !f.Since.IsZero() || !f.Until.IsZero() {
		t := e.FailedAt()
		if !f.Since.IsZero() && t.Before(f.Since) || !f.Until.IsZero() && !t.Before(f.Until) {
			return false
		}
	}
	for _, h := range f.Headers {
		if v, ok := e.Header(h.Name); !ok || v != h.Value {
			return false
		}
	}
	return true
}

func (f *Filter) matchEventType(e *Entry) bool {
	names := []string{e.EventType, e.EventName}
	if e.isRecord() {
		names = []string{e.RecordType}
	}
	for _, want := range f.EventTypes {
		for _, n := range names {
			if n != "" && strings.EqualFold(n, want) {
				return true
			}
		}
	}
	return false
}

func (r *OffsetRange) contains(o int64) bool { return o >= r.From && (r.To < 0 || o <= r.To) }

// Range narrows the offsets [start, end) of a partition to those the filter may select;
// ok is false when it selects none of them.
func (f *Filter) Range(partition int, start, end int64) (from, to int64, ok bool) {
	if len(f.Partitions) > 0 && !slices.Contains(f.Partitions, partition) {
		return 0, 0, false
	}
	from, to = start, end
	if r := f.Offsets; r != nil {
		from = max(from, r.From)
		if r.To >= 0 {
			to = min(to, r.To+1)
		}
	}
	return from, to, from < to
}

// IsZero reports whether the filter selects every entry.
func (f *Filter) IsZero() bool { return f.String() == "" }

// String is the filter as flags, e.g. "--reason missing_email --account acme"; "" for none.
func (f *Filter) String() string {
	var parts []string
	add := func(flag string, vs []string) {
		if len(vs) > 0 {
			parts = append(parts, "--"+flag+" "+quoteArg(strings.Join(vs, ",")))
		}
	}
	add("reason", f.Reasons)
	add("account", f.Accounts)
	add("stage", f.Stages)
	add("event-type", f.EventTypes)
	add("source-topic", f.SourceTopics)
	if !f.Since.IsZero() {
		parts = append(parts, "--since "+f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		parts = append(parts, "--until "+f.Until.UTC().Format(time.RFC3339Nano))
	}
	var ps []string
	for _, p := range f.Partitions {
		ps = append(ps, strconv.Itoa(p))
	}
	add("partition", ps)
	if r := f.Offsets; r != nil {
		s := strconv.FormatInt(r.From, 10) + "-"
		if r.To >= 0 {
			s += strconv.FormatInt(r.To, 10)
		}
		parts = append(parts, "--offset "+s)
	}
	for _, h := range f.Headers {
		parts = append(parts, "--header "+quoteArg(h.Name+"="+h.Value))
	}
	return strings.Join(parts, " ")
}

func quoteArg(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n'\"\\$`") {
		return strconv.Quote(s)
	}
	return s
}

// Canonical is the filter in one canonical form: two filters that select the same
// entries by the same criteria have the same canonical form (values sorted, times in UTC).
func (f *Filter) Canonical() string {
	c := struct {
		Reasons      []string      `json:"reasons,omitempty"`
		Accounts     []string      `json:"accounts,omitempty"`
		Stages       []string      `json:"stages,omitempty"`
		EventTypes   []string      `json:"event_types,omitempty"`
		SourceTopics []string      `json:"source_topics,omitempty"`
		Since        string        `json:"since,omitempty"`
		Until        string        `json:"until,omitempty"`
		Partitions   []int         `json:"partitions,omitempty"`
		Offsets      *OffsetRange  `json:"offsets,omitempty"`
		Headers      []HeaderMatch `json:"headers,omitempty"`
	}{
		Reasons: clean(f.Reasons), Accounts: clean(f.Accounts), Stages: clean(f.Stages), EventTypes: lower(f.EventTypes),
		SourceTopics: clean(f.SourceTopics), Partitions: slices.Sorted(slices.Values(f.Partitions)), Offsets: f.Offsets,
		Headers: slices.SortedFunc(slices.Values(f.Headers), func(a, b HeaderMatch) int {
			return strings.Compare(a.Name+"="+a.Value, b.Name+"="+b.Value)
		}),
	}
	if !f.Since.IsZero() {
		c.Since = f.Since.UTC().Format(time.RFC3339Nano)
	}
	if !f.Until.IsZero() {
		c.Until = f.Until.UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(c)
	return string(b)
}

func lower(vs []string) []string {
	var out []string
	for _, v := range vs {
		if l := strings.ToLower(v); !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}
