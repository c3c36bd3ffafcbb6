package dlq

import (
	"context"
	"time"

	"github.com/segmentio/kafka-go"
)

// Stats counts the entries a filter selects.
type Stats struct {
	Topic   string `json:"topic"`
	Filter  string `json:"filter,omitempty"` // as flags; "" for every entry
	Read    int    `json:"read"`             // entries read (in the partitions and offsets the filter names)
	Entries int    `json:"entries"`          // entries selected

	ByReason    map[string]int `json:"by_reason"`
	ByAccount   map[string]int `json:"by_account"`
	ByStage     map[string]int `json:"by_stage"`
	ByEventType map[string]int `json:"by_event_type"`
	ByDay       map[string]int `json:"by_day"` // failure day, UTC, YYYY-MM-DD

	Oldest *Moment `json:"oldest,omitempty"` // by failure time
	Newest *Moment `json:"newest,omitempty"`

	WithoutHeaders int `json:"without_headers"` // entries without kafka-ometria's headers
	Truncated      int `json:"truncated"`       // values cut to fit the topic: never replayed
	Replayed       int `json:"replayed"`        // entries that had been replayed before they failed
	AtMaxReplays   int `json:"at_max_replays"`  // replayed MaxReplays times already: replay leaves them
	MaxReplays     int `json:"max_replays"`

	Replays []Run `json:"replays"` // the replays recorded on topics.replays
}

// Moment is where and when an entry failed.
type Moment struct {
	Time      time.Time `json:"time"`
	Partition int       `json:"partition"`
	Offset    int64     `json:"offset"`
}

// NewStats returns empty counts of topic's entries selected by f.
func NewStats(topic string, f *Filter, maxReplays int) *Stats {
	return &Stats{Topic: topic, Filter: f.String(), MaxReplays: maxReplays,
		ByReason: map[string]int{}, ByAccount: map[string]int{}, ByStage: map[string]int{},
		ByEventType: map[string]int{}, ByDay: map[string]int{}, Replays: []Run{}}
}

// Add counts e, which the filter selected.
func (s *Stats) Add(e *Entry) {
	s.Entries++
	s.ByReason[orNone(e.Reason)]++
	s.ByAccount[orNone(e.Account)]++
	s.ByStage[e.StageLabel()]++
	s.ByEventType[orNone(e.EventLabel())]++
	t := e.FailedAt()
	s.ByDay[t.UTC().Format(time.DateOnly)]++
	m := &Moment{Time: t, Partition: e.Partition, Offset: e.Offset}
	if s.Oldest == nil || t.Before(s.Oldest.Time) {
		s.Oldest = m
	}
	if s.Newest == nil || !t.Before(s.Newest.Time) {
		s.Newest = m
	}
	if !e.Managed {
		s.WithoutHeaders++
	}
	if e.Truncated {
		s.Truncated++
	}
	if e.ReplayCount > 0 {
		s.Replayed++
	}
	if e.ReplayCount >= int64(s.MaxReplays) {
		s.AtMaxReplays++
	}
}

func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

// Scan calls fn with each entry of t that f selects, partition by partition in offset
// order, and returns how many entries it read.
func Scan(ctx context.Context, t *Topic, f *Filter, fn func(*Entry) error) (read int, err error) {
	for _, p := range t.Partitions {
		from, to, ok := f.Range(p.ID, p.Start, p.End)
		if !ok {
			continue
		}
		err := t.Read(ctx, p.ID, from, to, func(m kafka.Message) error {
			read++
			e := NewEntry(m)
			if !f.Match(e) {
				return nil
			}
			return fn(e)
		})
		if err != nil {
			return read, err
		}
	}
	return read, nil
}

// CountTopic reads the entries of the dead-letter topic t that f selects and counts
// them; the replays recorded on replays (nil: none) are listed.
func CountTopic(ctx context.Context, t *Topic, replays *Topic, f *Filter, maxReplays int) (*Stats, error) {
	s := NewStats(t.Name, f, maxReplays)
	read, err := Scan(ctx, t, f, func(e *Entry) error { s.Add(e); return nil })
	s.Read = read
	if err != nil {
		return s, err
	}
	if replays != nil {
		st, err := LoadState(ctx, replays)
		if err != nil {
			return s, err
		}
		s.Replays = st.RunList()
	}
	return s, nil
}
