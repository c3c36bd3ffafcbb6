package dlq

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// Bookmark is where a replay got to, saved on topics.replays (key "bookmark/ID") as it
// goes. Every message the replay sent for an entry that a later run may examine (at or
// past Forced) lies, on its target topic, at or past Ends: so a replay that starts
// again reads the targets from Ends to their end, collects what it already sent (by the
// ometria-replay-id and ometria-replay-of headers), skips those, and goes on from Next.
type Bookmark struct {
	ReplayID string `json:"replay_id"`
	Source   string `json:"source"` // the dead-letter topic, or "file:NAME"
	Filter   string `json:"filter"` // as flags
	// Next is, per partition of the source, the next offset to examine (a file: partition
	// 0, the next line, counted from 0).
	Next map[int]int64 `json:"next"`
	// Forced is, per partition, the position up to which the entries left for having
	// been replayed max_replays times were considered with --force (absent: the start);
	// a run with --force goes back over the entries from there to Next for them.
	Forced map[int]int64 `json:"forced,omitempty"`
	// Ends are the end offsets of the target topics' partitions when the bookmark was saved.
	Ends map[string]map[int]int64 `json:"ends"`
	Done bool                     `json:"done"` // the last run examined every entry
	// Final is set when the bookmark was saved by a run as it ended, with the ends of
	// that moment: nothing of this replay lies past them, and a new run need not look.
	Final   bool      `json:"final"`
	Updated time.Time `json:"updated"`
}

// Run records one run of a replay (key "run/ID/START"), saved when it starts, as it goes
// and when it ends.
type Run struct {
	ReplayID string    `json:"replay_id"`
	Source   string    `json:"source"`
	Filter   string    `json:"filter"`
	Targets  string    `json:"targets"` // where entries go: "map->T1 push,retry->T2" or "all->T"
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended,omitzero"`
	User     string    `json:"user"`
	Host     string    `json:"host"`
	// Status is running (or the process died: the record is not updated any more), done,
	// limit (--limit reached), interrupted or failed.
	Status  string `json:"status"`
	Error   string `json:"error,omitempty"`
	Resumed bool   `json:"resumed"` // it went on from an earlier run's bookmark
	Counts  Counts `json:"counts"`
}

// Run statuses.
const (
	RunRunning     = "running"
	RunDone        = "done"
	RunLimit       = "limit"
	RunInterrupted = "interrupted"
	RunFailed      = "failed"
)

// record is the value of a message of topics.replays: one of its fields is set.
type record struct {
	Bookmark *Bookmark `json:"bookmark,omitempty"`
	Run      *Run      `json:"run,omitempty"`
}

func bookmarkKey(id string) string { return "bookmark/" + id }

func runKey(r *Run) string {
	return "run/" + r.ReplayID + "/" + r.Started.UTC().Format("20060102T150405.000000000Z")
}

// State is what topics.replays holds: the latest bookmark of each replay and every run.
type State struct {
	Bookmarks map[string]*Bookmark // by replay id
	Runs      map[string]*Run      // by key
}

// LoadState reads the whole of topics.replays. A message that is not a record (or a
// tombstone) is skipped.
func LoadState(ctx context.Context, t *Topic) (*State, error) {
	st := &State{Bookmarks: map[string]*Bookmark{}, Runs: map[string]*Run{}}
	for _, p := range t.Partitions {
		err := t.Read(ctx, p.ID, p.Start, p.End, func(m kafka.Message) error {
			st.apply(string(m.Key), m.Value)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (st *State) apply(key string, value []byte) {
	var r record
	if len(value) > 0 && json.Unmarshal(value, &r) != nil {
		return
	}
	switch {
	case strings.HasPrefix(key, "bookmark/"):
		id := strings.TrimPrefix(key, "bookmark/")
		if r.Bookmark == nil {
			delete(st.Bookmarks, id)
		} else {
			st.Bookmarks[id] = r.Bookmark
		}
	case strings.HasPrefix(key, "run/"):
		if r.Run == nil {
			delete(st.Runs, key)
		} else {
			st.Runs[key] = r.Run
		}
	}
}

// RunList returns the runs, oldest first.
func (st *State) RunList() []Run {
	out := []Run{}
	for _, k := range slices.Sorted(maps.Keys(st.Runs)) {
		out = append(out, *st.Runs[k])
	}
	slices.SortStableFunc(out, func(a, b Run) int { return a.Started.Compare(b.Started) })
	return out
}
