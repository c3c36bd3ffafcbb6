package dlq

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
	"time"
)

// Counts are what a replay did with the entries it examined.
type Counts struct {
	Before   int64 `json:"before"`   // entries examined by earlier runs (before the bookmark): not read again
	Examined int64 `json:"examined"` // entries read
	Matched  int64 `json:"matched"`  // selected by the filter
	Sent     int64 `json:"sent"`     // replayed (a dry run: would be)
	// AlreadySent were sent by an earlier, interrupted run of this replay.
	AlreadySent int64            `json:"already_sent"`
	Truncated   int64            `json:"truncated"`   // values cut to fit the topic: never replayed
	NoTarget    int64            `json:"no_target"`   // without kafka-ometria's headers (or stage), no --to
	MaxReplays  int64            `json:"max_replays"` // replayed max_replays times already, no --force
	SentTo      map[string]int64 `json:"sent_to"`     // by target topic
	ByReason    map[string]int64 `json:"by_reason"`   // sent, by reason
	LeftBy      map[string]int64 `json:"left_by"`     // left (truncated, no target, max replays), by reason
}

func newCounts() Counts {
	return Counts{SentTo: map[string]int64{}, ByReason: map[string]int64{}, LeftBy: map[string]int64{}}
}

// Summary is the outcome of a replay.
type Summary struct {
	ReplayID string    `json:"replay_id"`
	Source   string    `json:"source"`
	Filter   string    `json:"filter"`
	Targets  string    `json:"targets"`
	DryRun   bool      `json:"dry_run"`
	Resumed  bool      `json:"resumed"`
	Status   string    `json:"status"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
	Counts   Counts    `json:"counts"`
}

// WriteSummary writes the outcome of a replay for people.
func WriteSummary(w io.Writer, s *Summary) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	c := s.Counts
	verb := "sent"
	if s.DryRun {
		verb = "would send"
		fmt.Fprintln(tw, "dry run: nothing was written")
	}
	fmt.Fprintf(tw, "replay %s of %s (%s) to %s: %s\n", s.ReplayID, s.Source, orEvery(s.Filter), s.Targets, s.Status)
	if s.Resumed {
		fmt.Fprintf(tw, "  went on from the bookmark of an earlier run: %s entries examined before were not read again (--restart reads them)\n", num64(c.Before))
	}
	fmt.Fprintf(tw, "  examined\t%s\n", num64(c.Examined))
	fmt.Fprintf(tw, "  matching the filter\t%s\n", num64(c.Matched))
	fmt.Fprintf(tw, "  %s\t%s\n", verb, num64(c.Sent))
	for _, t := range slices.Sorted(maps.Keys(c.SentTo)) {
		fmt.Fprintf(tw, "    to %s\t%s\n", t, num64(c.SentTo[t]))
	}
	for _, r := range slices.Sorted(maps.Keys(c.ByReason)) {
		fmt.Fprintf(tw, "    reason %s\t%s\n", r, num64(c.ByReason[r]))
	}
	fmt.Fprintf(tw, "  already sent by an earlier run\t%s\n", num64(c.AlreadySent))
	fmt.Fprintf(tw, "  left: replayed max_replays times already\t%s\t(--force sends them)\n", num64(c.MaxReplays))
	fmt.Fprintf(tw, "  left: value cut to fit the topic\t%s\n", num64(c.Truncated))
	fmt.Fprintf(tw, "  left: no kafka-ometria headers, no --to\t%s\n", num64(c.NoTarget))
	for _, r := range slices.Sorted(maps.Keys(c.LeftBy)) {
		fmt.Fprintf(tw, "    left, reason %s\t%s\n", r, num64(c.LeftBy[r]))
	}
	if d := s.Ended.Sub(s.Started); d > 0 {
		fmt.Fprintf(tw, "  took\t%v\n", d.Round(time.Millisecond))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if s.Status == RunLimit {
		_, err := fmt.Fprintln(w, "  stopped at --limit: the same command goes on from there")
		return err
	}
	return nil
}

func orEvery(filter string) string {
	if filter == "" {
		return "every entry"
	}
	return filter
}
