package dlq

import (
	"bufio"
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/config"
)

// TestFiltersSelectExactly runs each filter over a topic holding a known mix and checks
// that it selects exactly the entries it names, worked out from the mix's description
// rather than from the headers.
func TestFiltersSelectExactly(t *testing.T) {
	k := newTestKafka(t)
	topic, specs := mixTopic(t, k)
	tp, err := OpenTopic(context.Background(), k.conn, topic, "topics.dead_letter")
	if err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return mixDay.Add(time.Duration(d) * 24 * time.Hour) }
	cases := []struct {
		name  string
		flags Flags
		want  func(s spec) bool
	}{
		{"every entry", Flags{}, func(spec) bool { return true }},
		{"reason", Flags{Reasons: []string{"missing_email"}}, func(s spec) bool { return s.reason == "missing_email" }},
		{"reasons", Flags{Reasons: []string{"invalid_json,retries_exhausted"}}, func(s spec) bool {
			return s.reason == "invalid_json" || s.reason == "retries_exhausted"
		}},
		{"account", Flags{Accounts: []string{"beta"}}, func(s spec) bool { return s.account == "beta" }},
		{"stage push", Flags{Stages: []string{"push"}}, func(s spec) bool { return s.stage == "push" }},
		{"stage map,retry", Flags{Stages: []string{"map", "retry"}}, func(s spec) bool { return s.stage == "map" || s.stage == "retry" }},
		{"stage none", Flags{Stages: []string{"none"}}, func(s spec) bool { return s.stage == "" }},
		{"event type", Flags{EventTypes: []string{"identify"}}, func(s spec) bool { return s.recordType == "" && s.typ == "identify" }},
		{"event name, any case", Flags{EventTypes: []string{"order completed"}}, func(s spec) bool { return s.name == "Order Completed" }},
		{"track", Flags{EventTypes: []string{"track"}}, func(s spec) bool { return s.typ == "track" && s.recordType == "" && !s.binary }},
		{"record type", Flags{EventTypes: []string{"custom_event,order"}}, func(s spec) bool {
			return s.recordType == "custom_event" || s.recordType == "order"
		}},
		{"since", Flags{Since: "2026-01-02"}, func(s spec) bool { return !s.failed.Before(day(1)) }},
		{"until", Flags{Until: "2026-01-02T00:00:00Z"}, func(s spec) bool { return s.failed.Before(day(1)) }},
		{"since and until", Flags{Since: "2026-01-02T00:00:00Z", Until: "2026-01-03"}, func(s spec) bool {
			return !s.failed.Before(day(1)) && s.failed.Before(day(2))
		}},
		{"partition", Flags{Partitions: []int{1}}, func(s spec) bool { return s.partition == 1 }},
		{"partitions", Flags{Partitions: []int{2, 0}}, func(s spec) bool { return s.partition != 1 }},
		{"offsets", Flags{Offset: "3-7"}, func(s spec) bool { return s.offset >= 3 && s.offset <= 7 }},
		{"offsets from", Flags{Offset: "20-"}, func(s spec) bool { return s.offset >= 20 }},
		{"one offset", Flags{Offset: "5", Partitions: []int{2}}, func(s spec) bool { return s.offset == 5 && s.partition == 2 }},
		{"source topic", Flags{SourceTopics: []string{"ev2"}}, func(s spec) bool { return s.stage != "" && s.source == "ev2" }},
		{"header", Flags{Headers: []string{"x-tenant=b"}}, func(s spec) bool { return s.tenant == "b" }},
		{"headers", Flags{Headers: []string{"x-tenant=b", "ometria-account=acme"}}, func(s spec) bool {
			return s.tenant == "b" && s.stage != "" && s.account == "acme"
		}},
		{"all of them", Flags{Reasons: []string{"missing_email"}, Accounts: []string{"acme"}, Partitions: []int{0, 1},
			Since: "2026-01-01T00:30:00Z", Headers: []string{"x-tenant=a"}}, func(s spec) bool {
			return s.reason == "missing_email" && s.account == "acme" && s.partition != 2 &&
				!s.failed.Before(mixDay.Add(30*time.Minute)) && s.tenant == "a"
		}},
		{"nothing", Flags{Reasons: []string{"no_such_reason"}}, func(spec) bool { return false }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := c.flags.Filter()
			if err != nil {
				t.Fatal(err)
			}
			want := map[coord]bool{}
			for _, s := range specs {
				if c.want(s) {
					want[coord{s.partition, s.offset}] = true
				}
			}
			if len(want) == len(specs) && c.name != "every entry" {
				t.Fatalf("the case selects every entry of the mix: it proves nothing")
			}
			got := map[coord]bool{}
			_, err = Scan(context.Background(), tp, &f, func(e *Entry) error {
				got[coord{e.Partition, e.Offset}] = true
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				t.Errorf("%s selects %d entries, want %d:\nextra %v\nmissing %v", f.String(), len(got), len(want), diff(got, want), diff(want, got))
			}
		})
	}
}

func diff(a, b map[coord]bool) []coord {
	var out []coord
	for c := range a {
		if !b[c] {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y coord) int { return int(x.offset-y.offset) + 1000*(x.partition-y.partition) })
	return out
}

// TestStatsAndExportMatchTheTopic checks stats against counts made from the topic's
// messages directly, and that export writes every message exactly (import reads back the
// same messages).
func TestStatsAndExportMatchTheTopic(t *testing.T) {
	k := newTestKafka(t)
	topic, specs := mixTopic(t, k)
	ctx := context.Background()
	tp, err := OpenTopic(ctx, k.conn, topic, "topics.dead_letter")
	if err != nil {
		t.Fatal(err)
	}
	st, err := CountTopic(ctx, tp, nil, &Filter{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{"reason": {}, "account": {}, "stage": {}, "event type": {}, "day": {}}
	var unmanaged, truncated, replayed int
	oldest, newest := specs[0].failed, specs[0].failed
	for _, s := range specs {
		want["reason"][orNone(s.reason)]++
		if s.stage == "" {
			unmanaged++
			want["stage"][none]++
			want["account"][none]++
		} else {
			want["stage"][s.stage]++
			want["account"][orNone(s.account)]++
		}
		want["day"][s.failed.Format(time.DateOnly)]++
		switch {
		case s.recordType != "":
			want["event type"][s.recordType]++
		case s.binary: // not JSON: no type
			want["event type"][none]++
		case s.typ == "track" && s.name != "":
			want["event type"][`track "`+s.name+`"`]++
		default:
			want["event type"][orNone(s.typ)]++
		}
		if s.truncated {
			truncated++
		}
		if s.replays > 0 {
			replayed++
		}
		oldest, newest = minTime(oldest, s.failed), maxTime(newest, s.failed)
	}
	for name, got := range map[string]map[string]int{"reason": st.ByReason, "account": st.ByAccount, "stage": st.ByStage,
		"event type": st.ByEventType, "day": st.ByDay} {
		if !maps.Equal(got, want[name]) {
			t.Errorf("by %s: %v, want %v", name, got, want[name])
		}
	}
	if st.Entries != len(specs) || st.Read != len(specs) || st.WithoutHeaders != unmanaged || st.Truncated != truncated ||
		st.Replayed != replayed || st.AtMaxReplays != replayed || !st.Oldest.Time.Equal(oldest) || !st.Newest.Time.Equal(newest) {
		t.Errorf("stats %+v; want %d entries, %d without headers, %d cut, %d replayed, oldest %v, newest %v",
			st, len(specs), unmanaged, truncated, replayed, oldest, newest)
	}
	if len(want["event type"]) < 6 { // the mix has them all: contact, order, custom_event, identify, two tracks, none
		t.Errorf("the mix has only the event types %v", want["event type"])
	}
	var table bytes.Buffer
	if err := WriteStats(&table, st); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"72 entries", "missing_email", `track "Order Completed"`, "2026-01-03", "replays: none recorded"} {
		if !strings.Contains(table.String(), w) {
			t.Errorf("the stats table has no %q:\n%s", w, table.String())
		}
	}

	var out bytes.Buffer
	n, read, err := Export(ctx, tp, &Filter{}, &out)
	if err != nil || n != len(specs) || read != len(specs) {
		t.Fatalf("export: %d of %d, %v", n, read, err)
	}
	all := k.readAll(t, topic)
	sc := bufio.NewScanner(&out)
	i := 0
	for sc.Scan() {
		m, err := DecodeLine(sc.Bytes())
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if !sameMessage(m, all[i]) {
			t.Errorf("line %d: %+v\nthe topic holds %+v", i+1, m, all[i])
		}
		i++
	}
	if i != len(all) {
		t.Errorf("%d lines, the topic holds %d messages", i, len(all))
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func sameMessage(a, b kafka.Message) bool {
	if a.Topic != b.Topic || a.Partition != b.Partition || a.Offset != b.Offset || !a.Time.Equal(b.Time) ||
		!bytes.Equal(a.Key, b.Key) || !bytes.Equal(a.Value, b.Value) || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i].Key != b.Headers[i].Key || !bytes.Equal(a.Headers[i].Value, b.Headers[i].Value) {
			return false
		}
	}
	return true
}

// TestReadOnlyLeavesGroupsAlone reads the topic in every read-only way and checks that
// no consumer group appeared and that a group's committed offsets did not move.
func TestReadOnlyLeavesGroupsAlone(t *testing.T) {
	k := newTestKafka(t)
	topic, _ := mixTopic(t, k)
	ctx := context.Background()
	// A group of the service's that has read part of the topic.
	group := config.StagePush.GroupID(k.prefix)
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: k.conn.Brokers, GroupID: group, Topic: topic, MaxWait: 100 * time.Millisecond})
	for range 10 {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.CommitMessages(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	c, done := client(k.conn)
	defer done()
	groupsAndOffsets := func() (groups []string, offsets map[int]int64) {
		lg, err := c.ListGroups(ctx, &kafka.ListGroupsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range lg.Groups {
			groups = append(groups, g.GroupID)
		}
		slices.Sort(groups)
		of, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0, 1, 2}}})
		if err != nil {
			t.Fatal(err)
		}
		offsets = map[int]int64{}
		for _, p := range of.Topics[topic] {
			offsets[p.Partition] = p.CommittedOffset
		}
		return groups, offsets
	}
	groups, offsets := groupsAndOffsets()
	tp, err := OpenTopic(ctx, k.conn, topic, "topics.dead_letter")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CountTopic(ctx, tp, nil, &Filter{}, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPage(ctx, tp, &Filter{}, 2, 10); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Export(ctx, tp, &Filter{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	groups2, offsets2 := groupsAndOffsets()
	if !slices.Equal(groups, groups2) || !maps.Equal(offsets, offsets2) {
		t.Errorf("groups %v with offsets %v before; %v with %v after", groups, offsets, groups2, offsets2)
	}
}
