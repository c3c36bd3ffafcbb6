package dlq

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/processor"
)

// replayEnv is a dead-letter topic with its replay targets and bookmark topic.
type replayEnv struct {
	k                        *testKafka
	dlq, replay, records, to string
	replays                  string
}

func newReplayEnv(t *testing.T) *replayEnv {
	k := newTestKafka(t)
	return &replayEnv{k: k, dlq: k.topic(t, "dlq", 3), replay: k.topic(t, "replay", 3), records: k.topic(t, "records", 3),
		to: k.topic(t, "other", 2), replays: k.prefix + ".replays"}
}

func (e *replayEnv) opts(flags Flags) ReplayOptions {
	f, err := flags.Filter()
	if err != nil {
		panic(err)
	}
	return ReplayOptions{Conn: e.k.conn, DeadLetter: e.dlq, Replays: e.replays,
		Targets: Targets{Replay: e.replay, Records: e.records, RoutingHeader: "ometria-account"},
		Filter:  f, MaxReplays: 3, User: "ann", Host: "box"}
}

func (e *replayEnv) run(t *testing.T, o ReplayOptions) *Summary {
	t.Helper()
	s, err := Replay(context.Background(), o)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	return s
}

// replayedOf returns the ometria-replay-of of every message of topic, in order.
func (e *replayEnv) replayedOf(t *testing.T, topic string) []string {
	var out []string
	for _, m := range e.k.readAll(t, topic) {
		out = append(out, hdr(m, processor.HeaderReplayOf))
	}
	return out
}

// mapLetters produces n map-stage dead letters (missing_email, account acme).
func (e *replayEnv) mapLetters(t *testing.T, n int) {
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = spec{partition: i % 3, stage: "map", reason: "missing_email", account: "acme", typ: "identify",
			source: "ev", tenant: "a", failed: mixDay}.message(i)
	}
	e.k.produce(t, e.dlq, msgs...)
}

// TestReplaySendsExactlyTheMatching replays the map-stage missing_email letters of the
// mix and the push-stage ones, and checks each message sent: where it went, its key,
// value and headers.
func TestReplaySendsExactlyTheMatching(t *testing.T) {
	e := newReplayEnv(t)
	specs := mix()
	msgs := make([]kafka.Message, len(specs))
	for i, s := range specs {
		msgs[i] = s.message(i)
	}
	e.k.produce(t, e.dlq, msgs...)
	letters := e.k.readAll(t, e.dlq)
	byCoord := map[string]kafka.Message{}
	for _, m := range letters {
		byCoord[fmt.Sprintf("%s/%d/%d", m.Topic, m.Partition, m.Offset)] = m
	}

	sum := e.run(t, e.opts(Flags{Reasons: []string{"missing_email"}}))
	var want, atMax []string
	for _, s := range specs {
		if s.reason == "missing_email" {
			c := fmt.Sprintf("%s/%d/%d", e.dlq, s.partition, s.offset)
			if s.replays >= 3 {
				atMax = append(atMax, c)
			} else {
				want = append(want, c)
			}
		}
	}
	got := e.replayedOf(t, e.replay)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("replayed %v,\nwant %v", got, want)
	}
	if c := sum.Counts; c.Sent != int64(len(want)) || c.MaxReplays != int64(len(atMax)) || c.Matched != int64(len(want)+len(atMax)) ||
		c.Examined != int64(len(specs)) || c.SentTo[e.replay] != int64(len(want)) || c.ByReason["missing_email"] != int64(len(want)) {
		t.Errorf("counts %+v; want %d sent, %d left at max_replays", c, len(want), len(atMax))
	}
	if n := len(e.k.readAll(t, e.records)); n != 0 {
		t.Errorf("%d messages on the records topic", n)
	}
	for _, m := range e.k.readAll(t, e.replay) {
		orig := NewEntry(byCoord[hdr(m, processor.HeaderReplayOf)])
		checkReplayed(t, m, orig, sum.ReplayID)
		if hdr(m, "ometria-account") != orig.Account || hdr(m, "x-tenant") == "" {
			t.Errorf("replayed map letter without its routing or user header: %v", m.Headers)
		}
	}

	// Push-stage letters go to the records topic, keyed by account, with the headers the
	// push stage needs.
	sum = e.run(t, e.opts(Flags{Stages: []string{"push"}}))
	recs := e.k.readAll(t, e.records)
	if len(recs) != 12 || sum.Counts.SentTo[e.records] != 12 {
		t.Fatalf("%d records replayed (%+v), want the 12 push letters", len(recs), sum.Counts)
	}
	for _, m := range recs {
		orig := NewEntry(byCoord[hdr(m, processor.HeaderReplayOf)])
		checkReplayed(t, m, orig, sum.ReplayID)
		if orig.Stage != "push" || string(m.Key) != orig.Account || hdr(m, processor.HeaderRecordType) != orig.RecordType ||
			hdr(m, processor.HeaderRecordID) != orig.RecordID || hdr(m, processor.HeaderAccount) != orig.Account {
			t.Errorf("replayed record %s key %q headers %v, of %v", m.Value, m.Key, m.Headers, orig.Headers)
		}
	}

	// Both replays are recorded with their filters, where stats lists them.
	ctx := context.Background()
	dt, err := OpenTopic(ctx, e.k.conn, e.dlq, "topics.dead_letter")
	if err != nil {
		t.Fatal(err)
	}
	rt, err := OpenTopic(ctx, e.k.conn, e.replays, "topics.replays")
	if err != nil {
		t.Fatal(err)
	}
	st, err := CountTopic(ctx, dt, rt, &Filter{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	filters := map[string]int64{}
	for _, r := range st.Replays {
		if r.Source != e.dlq || r.Status != RunDone || r.User != "ann" {
			t.Errorf("a replay's record: %+v", r)
		}
		filters[r.Filter] = r.Counts.Sent
	}
	if want := map[string]int64{"--reason missing_email": int64(len(want)), "--stage push": 12}; !maps.Equal(filters, want) {
		t.Errorf("replays recorded (filter: sent) %v, want %v", filters, want)
	}
	var table strings.Builder
	if err := WriteStats(&table, st); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{e.dlq + " --reason missing_email\n", e.dlq + " --stage push\n"} {
		if !strings.Contains(table.String(), f) {
			t.Errorf("stats lists no replay of %q:\n%s", f, table.String())
		}
	}
}

// checkReplayed checks a replayed message against the entry it replays.
func checkReplayed(t *testing.T, m kafka.Message, orig *Entry, id string) {
	t.Helper()
	if string(m.Value) != string(orig.Value) || string(m.Key) != string(orig.Key) && !orig.isRecord() {
		t.Errorf("replayed %q key %q, of %q key %q", m.Value, m.Key, orig.Value, orig.Key)
	}
	for _, k := range []string{processor.HeaderReason, processor.HeaderMessage, processor.HeaderStage, processor.HeaderAttempt,
		processor.HeaderFirstFailed, processor.HeaderLastFailed} {
		if _, ok := NewEntry(m).Header(k); ok {
			t.Errorf("replayed message keeps %s: %v", k, m.Headers)
		}
	}
	count := 0
	for _, hd := range m.Headers {
		if hd.Key == processor.HeaderReplayCount {
			count++
		}
	}
	if count != 1 || hdr(m, processor.HeaderReplayCount) != strconv.FormatInt(orig.ReplayCount+1, 10) ||
		hdr(m, processor.HeaderReplayID) != id || hdr(m, processor.HeaderReplayedAt) == "" ||
		hdr(m, processor.HeaderSourceTopic) != orig.SourceTopic || hdr(m, processor.HeaderSourceTimestamp) != hdr(orig.Message, processor.HeaderSourceTimestamp) {
		t.Errorf("replay headers %s of %s", headerList(m.Headers), headerList(orig.Headers))
	}
}

// TestReplayDryRunWritesNothing: no message on any topic, no bookmark topic; the counts
// are those the real replay then has.
func TestReplayDryRunWritesNothing(t *testing.T) {
	e := newReplayEnv(t)
	e.mapLetters(t, 30)
	o := e.opts(Flags{})
	o.DryRun = true
	dry := e.run(t, o)
	for _, topic := range []string{e.replay, e.records, e.dlq} {
		if n := len(e.k.readAll(t, topic)); n != map[string]int{e.dlq: 30}[topic] {
			t.Errorf("after the dry run, %s holds %d messages", topic, n)
		}
	}
	if _, err := OpenTopic(context.Background(), e.k.conn, e.replays, "topics.replays"); !errors.Is(err, ErrNoTopic) {
		t.Errorf("after the dry run, the bookmark topic: %v", err)
	}
	real := e.run(t, e.opts(Flags{}))
	if dry.Counts.Sent != 30 || !dry.DryRun || fmt.Sprint(dry.Counts) != fmt.Sprint(real.Counts) {
		t.Errorf("dry run %+v, replay %+v", dry.Counts, real.Counts)
	}
}

// TestReplayCrashResumesWithoutDuplicates kills a replay (as a SIGKILL would: right
// after a write, before its bookmark) twice, and checks that the runs together send every
// entry exactly once.
func TestReplayCrashResumesWithoutDuplicates(t *testing.T) {
	e := newReplayEnv(t)
	const n = 3000
	e.mapLetters(t, n)
	o := e.opts(Flags{})
	o.Rate = 1000 // slow enough for bookmarks to be saved between the writes
	o.crash = func(sent int64) bool { return sent >= 1200 }
	if _, err := Replay(context.Background(), o); !errors.Is(err, errCrashed) {
		t.Fatalf("first run: %v", err)
	}
	first := len(e.k.readAll(t, e.replay))
	o.crash = func(sent int64) bool { return sent >= 1100 }
	if _, err := Replay(context.Background(), o); !errors.Is(err, errCrashed) {
		t.Fatalf("second run: %v", err)
	}
	second := len(e.k.readAll(t, e.replay))
	o.crash = nil
	sum := e.run(t, o)
	got := e.replayedOf(t, e.replay)
	seen := map[string]int{}
	for _, c := range got {
		seen[c]++
	}
	var dups []string
	for c, k := range seen {
		if k > 1 {
			dups = append(dups, fmt.Sprintf("%s x%d", c, k))
		}
	}
	t.Logf("after the first crash %d sent, after the second %d; the last run sent %d and skipped %d already sent",
		first, second, sum.Counts.Sent, sum.Counts.AlreadySent)
	if len(dups) > 0 || len(seen) != n || first == 0 || first >= n || second <= first || sum.Counts.AlreadySent == 0 {
		t.Fatalf("%d distinct entries replayed of %d, %d duplicates %v", len(seen), n, len(dups), dups[:min(len(dups), 5)])
	}
	if !sum.Resumed || sum.Status != RunDone {
		t.Errorf("last run: %+v", sum)
	}
	// Started again once done, it has nothing to send.
	again := e.run(t, o)
	if again.Counts.Sent != 0 || again.Counts.Examined != 0 || again.Counts.Before != n {
		t.Errorf("a run after the last: %+v", again.Counts)
	}
}

// timedWriter records, for each message written, when it was handed to the writer and
// when its write returned, acknowledged; it holds each acknowledgement back by delay, as a
// distant broker would. The broker appended each message between the two.
type timedWriter struct {
	messageWriter
	delay         time.Duration
	handed, acked []time.Time
}

func (w *timedWriter) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	start := time.Now()
	err := w.messageWriter.WriteMessages(ctx, msgs...)
	time.Sleep(w.delay)
	end := time.Now()
	if err == nil {
		for range msgs {
			w.handed, w.acked = append(w.handed, start), append(w.acked, end)
		}
	}
	return err
}

// TestReplayRate: no second holds more than --rate messages as the broker receives them.
// The broker appends message i after it is handed over, and message i-100 before its write
// is acknowledged: when every message i is handed over a second or more after message
// i-100 was acknowledged, the broker's times of any 101 messages span a second or more.
func TestReplayRate(t *testing.T) {
	e := newReplayEnv(t)
	e.mapLetters(t, 250)
	o := e.opts(Flags{})
	o.Rate = 100
	tw := &timedWriter{delay: 30 * time.Millisecond}
	o.writer = func(w messageWriter) messageWriter { tw.messageWriter = w; return tw }
	start := time.Now()
	e.run(t, o)
	took := time.Since(start)
	if len(tw.handed) != 250 || len(e.k.readAll(t, e.replay)) != 250 {
		t.Fatalf("%d written, %d on the topic", len(tw.handed), len(e.k.readAll(t, e.replay)))
	}
	for i := 100; i < len(tw.handed); i++ {
		if d := tw.handed[i].Sub(tw.acked[i-100]); d < time.Second {
			t.Fatalf("message %d was handed over %v after message %d was acknowledged: the broker may have had 101 in a second", i, d, i-100)
		}
	}
	// The messages' own timestamps (when each was let go) keep the rate too.
	var ts []time.Time
	for _, m := range e.k.readAll(t, e.replay) {
		ts = append(ts, m.Time)
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	for i := 100; i < len(ts); i++ {
		if d := ts[i].Sub(ts[i-100]); d < time.Second {
			t.Fatalf("timestamps %d to %d within %v: more than 100 in a second", i-100, i, d)
		}
	}
	if took < 2*time.Second || took > 6*time.Second {
		t.Errorf("250 messages at 100/s took %v", took)
	}
}

// TestReplayMaxReplaysAndForce: an entry replayed max_replays times is left, and sent by
// the same replay with --force; an entry whose value was cut is never sent.
func TestReplayMaxReplaysAndForce(t *testing.T) {
	e := newReplayEnv(t)
	s := spec{stage: "map", reason: "missing_email", account: "acme", typ: "identify", source: "ev", failed: mixDay}
	tired, cut := s, s
	tired.replays = 3
	cut.truncated, cut.reason = true, "message_too_large"
	e.k.produce(t, e.dlq, s.message(0), tired.message(1), cut.message(2), s.message(3))
	sum := e.run(t, e.opts(Flags{}))
	if c := sum.Counts; c.Sent != 2 || c.MaxReplays != 1 || c.Truncated != 1 {
		t.Fatalf("without --force: %+v", c)
	}
	o := e.opts(Flags{})
	o.Force = true
	sum = e.run(t, o)
	if c := sum.Counts; c.Sent != 1 || c.Truncated != 0 || c.Before != 4 {
		t.Fatalf("with --force: %+v", c)
	}
	got := e.replayedOf(t, e.replay)
	if want := []string{e.dlq + "/0/0", e.dlq + "/0/1", e.dlq + "/0/3"}; !sameSet(got, want) {
		t.Fatalf("replayed %v, want %v", got, want)
	}
	for _, m := range e.k.readAll(t, e.replay) {
		if hdr(m, processor.HeaderReplayOf) == e.dlq+"/0/1" && hdr(m, processor.HeaderReplayCount) != "4" {
			t.Errorf("forced replay count %q", hdr(m, processor.HeaderReplayCount))
		}
	}
	if sum = e.run(t, o); sum.Counts.Sent != 0 {
		t.Errorf("--force again sent %+v", sum.Counts)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestReplayWithoutHeadersOnlyWithTo: an entry without kafka-ometria's headers has no
// target of its own; --to gives it one.
func TestReplayWithoutHeadersOnlyWithTo(t *testing.T) {
	e := newReplayEnv(t)
	e.k.produce(t, e.dlq, kafka.Message{Value: []byte(`{"type":"identify"}`), Key: []byte("k"), Headers: []kafka.Header{h("x-user", "1")}})
	sum := e.run(t, e.opts(Flags{}))
	if sum.Counts.NoTarget != 1 || sum.Counts.Sent != 0 {
		t.Fatalf("without --to: %+v", sum.Counts)
	}
	o := e.opts(Flags{Stages: []string{"none"}})
	o.Targets.To = e.to
	sum = e.run(t, o)
	got := e.k.readAll(t, e.to)
	if sum.Counts.Sent != 1 || len(got) != 1 || string(got[0].Key) != "k" || hdr(got[0], "x-user") != "1" {
		t.Fatalf("with --to: %+v, %v", sum.Counts, got)
	}
}

// TestReplayLimitGoesOn: --limit stops; the same command goes on from there.
func TestReplayLimitGoesOn(t *testing.T) {
	e := newReplayEnv(t)
	e.mapLetters(t, 25)
	o := e.opts(Flags{})
	o.Limit = 10
	for i, want := range []int64{10, 10, 5, 0} {
		sum := e.run(t, o)
		if sum.Counts.Sent != want || (want == 10) != (sum.Status == RunLimit) {
			t.Fatalf("run %d: %s, %+v", i+1, sum.Status, sum.Counts)
		}
	}
	if got := e.replayedOf(t, e.replay); len(got) != 25 || !sameSet(got, slices.Compact(slices.Sorted(slices.Values(got)))) {
		t.Fatalf("replayed %v", got)
	}
}

// TestReplayFromFile exports entries, fixes one by hand, and replays the file; the
// replays are recorded where stats lists them.
func TestReplayFromFile(t *testing.T) {
	e := newReplayEnv(t)
	e.mapLetters(t, 6)
	ctx := context.Background()
	tp, err := OpenTopic(ctx, e.k.conn, e.dlq, "topics.dead_letter")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := Flags{Partitions: []int{1}}.Filter()
	var b strings.Builder
	if n, _, err := Export(ctx, tp, &f, &b); err != nil || n != 2 {
		t.Fatalf("export: %d, %v", n, err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	// Fixed by hand: the value given as JSON.
	i := strings.Index(lines[0], `"value":`)
	j := strings.Index(lines[0], `,"headers"`)
	lines[0] = lines[0][:i] + `"value_json":{"type":"identify","userId":"u1","traits":{"email":"u1@example.com"}}` + lines[0][j:]
	path := filepath.Join(t.TempDir(), "fixed.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := e.opts(Flags{})
	o.File = path
	sum := e.run(t, o)
	got := e.k.readAll(t, e.replay)
	if sum.Counts.Sent != 2 || len(got) != 2 || string(got[0].Value) != `{"type":"identify","userId":"u1","traits":{"email":"u1@example.com"}}` ||
		hdr(got[0], processor.HeaderReplayOf) != e.dlq+"/1/0" || hdr(got[1], processor.HeaderReplayOf) != e.dlq+"/1/1" {
		t.Fatalf("%+v: %v", sum.Counts, got)
	}
	if sum = e.run(t, o); sum.Counts.Sent != 0 || sum.Counts.Before != 2 {
		t.Errorf("the file again: %+v", sum.Counts)
	}
	rt, err := OpenTopic(ctx, e.k.conn, e.replays, "topics.replays")
	if err != nil {
		t.Fatal(err)
	}
	if warning, err := EnsureReplaysTopic(ctx, e.k.conn, e.replays); warning != "" || err != nil || len(rt.Partitions) != 1 {
		t.Errorf("the bookmark topic is not compacted with one partition: %q, %v, %d partitions", warning, err, len(rt.Partitions))
	}
	st, err := CountTopic(ctx, tp, rt, &Filter{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Replays) != 2 {
		t.Fatalf("replays recorded: %+v", st.Replays)
	}
	r := st.Replays[0]
	if r.User != "ann" || r.Host != "box" || r.Status != RunDone || r.Counts.Sent != 2 || r.Ended.Before(r.Started) ||
		r.Source != "file:"+path || !st.Replays[1].Resumed {
		t.Errorf("the replay's record: %+v", r)
	}
	// A file that is not entries is refused with its line.
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte(lines[1]+"\nnot json\n"), 0o600)
	o.File = bad
	if _, err := Replay(ctx, o); err == nil || !strings.Contains(err.Error(), "bad.jsonl line 2") {
		t.Errorf("a bad file: %v", err)
	}
}

// TestReplayErrorsNameTheSetting: a missing topic is an error that names its setting.
func TestReplayErrorsNameTheSetting(t *testing.T) {
	e := newReplayEnv(t)
	o := e.opts(Flags{})
	o.DeadLetter = "no.such.dlq"
	if _, err := Replay(context.Background(), o); err == nil || !strings.Contains(err.Error(), "topics.dead_letter") || !errors.Is(err, ErrNoTopic) {
		t.Errorf("no dead-letter topic: %v", err)
	}
	if w, err := EnsureReplaysTopic(context.Background(), e.k.conn, e.replay); err != nil || !strings.Contains(w, "not compact") {
		t.Errorf("a bookmark topic that is not compacted: %q, %v", w, err)
	}
	o = e.opts(Flags{})
	o.Targets.Replay = "no.such.replay"
	if _, err := Replay(context.Background(), o); err == nil || !strings.Contains(err.Error(), "topics.replay:") {
		t.Errorf("no replay topic: %v", err)
	}
}

// TestReplayInterruptedGoesOn: a replay interrupted (Ctrl-C) saves where it got to; the
// same command sends the rest, each entry once.
func TestReplayInterruptedGoesOn(t *testing.T) {
	e := newReplayEnv(t)
	e.mapLetters(t, 300)
	o := e.opts(Flags{})
	o.Rate = 200
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	sum, err := Replay(ctx, o)
	if err == nil || sum == nil || sum.Status != RunInterrupted || sum.Counts.Sent == 0 || sum.Counts.Sent >= 300 {
		t.Fatalf("interrupted: %v, %+v", err, sum)
	}
	first := sum.Counts.Sent
	sum = e.run(t, o)
	got := e.replayedOf(t, e.replay)
	if !sum.Resumed || sum.Counts.Sent+first != 300 || len(got) != 300 || len(slices.Compact(slices.Sorted(slices.Values(got)))) != 300 {
		t.Fatalf("%d then %d sent; %d on the topic", first, sum.Counts.Sent, len(got))
	}
}
