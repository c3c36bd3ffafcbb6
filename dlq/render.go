package dlq

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteStats writes s as tables for people.
func WriteStats(w io.Writer, s *Stats) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	sel := "every entry"
	if s.Filter != "" {
		sel = "entries matching " + s.Filter
	}
	fmt.Fprintf(tw, "%s: %s entries (%s; %s read)\n", s.Topic, num(s.Entries), sel, num(s.Read))
	if s.Entries > 0 {
		fmt.Fprintf(tw, "  oldest\t%s\tpartition %d offset %d\n", s.Oldest.Time.UTC().Format(timeLayout), s.Oldest.Partition, s.Oldest.Offset)
		fmt.Fprintf(tw, "  newest\t%s\tpartition %d offset %d\n", s.Newest.Time.UTC().Format(timeLayout), s.Newest.Partition, s.Newest.Offset)
		fmt.Fprintf(tw, "  without kafka-ometria's headers\t%s\t(replayed only with --to)\n", num(s.WithoutHeaders))
		fmt.Fprintf(tw, "  cut to fit the topic\t%s\t(never replayed)\n", num(s.Truncated))
		fmt.Fprintf(tw, "  replayed before\t%s\t(%s of them max_replays (%d) times or more: left by replay unless --force)\n",
			num(s.Replayed), num(s.AtMaxReplays), s.MaxReplays)
		for _, g := range []struct {
			title string
			m     map[string]int
			byKey bool
		}{{"reason", s.ByReason, false}, {"account", s.ByAccount, false}, {"stage", s.ByStage, false},
			{"event type", s.ByEventType, false}, {"day (UTC)", s.ByDay, true}} {
			fmt.Fprintf(tw, "\nby %s\n", g.title)
			for _, k := range sortedKeys(g.m, g.byKey) {
				fmt.Fprintf(tw, "  %s\t%s\t%.1f%%\n", k, num(g.m[k]), 100*float64(g.m[k])/float64(s.Entries))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeRuns(w, s.Replays)
}

// sortedKeys orders m's keys by count, largest first (then by name), or by name.
func sortedKeys(m map[string]int, byKey bool) []string {
	keys := slices.Sorted(maps.Keys(m))
	if !byKey {
		slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(m[b], m[a]) })
	}
	return keys
}

func writeRuns(w io.Writer, runs []Run) error {
	if len(runs) == 0 {
		_, err := fmt.Fprintf(w, "\nreplays: none recorded\n")
		return err
	}
	fmt.Fprintf(w, "\nreplays (%d)\n", len(runs))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  started\tended\tstatus\tby\tid\tsent\tleft\talready sent\tfilter")
	for _, r := range runs {
		ended := "-"
		if !r.Ended.IsZero() {
			ended = r.Ended.UTC().Format(time.RFC3339)
		}
		status := r.Status
		if r.Resumed {
			status += " (resumed)"
		}
		filter := r.Filter
		if filter == "" {
			filter = "(every entry)"
		}
		filter = r.Source + " " + filter
		c := r.Counts
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s@%s\t%s\t%s\t%s\t%s\t%s\n", r.Started.UTC().Format(time.RFC3339), ended, status,
			r.User, r.Host, r.ReplayID, num64(c.Sent), num64(c.Truncated+c.NoTarget+c.MaxReplays), num64(c.AlreadySent), filter)
	}
	return tw.Flush()
}

func num(n int) string { return num64(int64(n)) }

// num64 writes n with thousands separators: 12,345.
func num64(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
