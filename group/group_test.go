package group

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// groupHarness is one in-process Kafka with one topic, for Run tests.
type groupHarness struct {
	t       *testing.T
	brokers []string
	topic   string
	parts   int
	end     int64 // messages produced per partition so far
}

func newGroupHarness(t *testing.T, parts int) *groupHarness {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(parts), "events"),
		kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatalf("kfake.NewCluster: %v", err)
	}
	t.Cleanup(c.Close)
	return &groupHarness{t: t, brokers: c.ListenAddrs(), topic: "events", parts: parts}
}

// produce appends n messages to every partition; each value is "partition/offset".
func (gh *groupHarness) produce(n int) {
	gh.t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(gh.brokers...), Topic: gh.topic, RequiredAcks: kafka.RequireAll,
		Balancer:  kafka.BalancerFunc(func(m kafka.Message, _ ...int) int { return m.Partition }),
		BatchSize: 1000, BatchTimeout: time.Millisecond}
	defer w.Close()
	var msgs []kafka.Message
	for p := 0; p < gh.parts; p++ {
		for o := gh.end; o < gh.end+int64(n); o++ {
			msgs = append(msgs, kafka.Message{Partition: p, Value: fmt.Appendf(nil, "%d/%d", p, o)})
		}
	}
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		gh.t.Fatalf("producing: %v", err)
	}
	gh.end += int64(n)
}

func (gh *groupHarness) config(group string) Config {
	log := zap.NewNop()
	if os.Getenv("GROUP_TEST_LOGS") != "" {
		log, _ = zap.NewDevelopment()
	}
	return Config{Brokers: gh.brokers, GroupID: group, Topics: []string{gh.topic}, Logger: log,
		CommitInterval: 50 * time.Millisecond, DrainTimeout: time.Second, HeartbeatInterval: 100 * time.Millisecond,
		SessionTimeout: 3 * time.Second, RebalanceTimeout: 3 * time.Second, JoinGroupBackoff: 100 * time.Millisecond}
}

// committed reads the group's committed offsets back from the broker (-1: none).
func (gh *groupHarness) committed(group string) map[int]int64 {
	gh.t.Helper()
	ids := make([]int, gh.parts)
	for i := range ids {
		ids[i] = i
	}
	c := &kafka.Client{Addr: kafka.TCP(gh.brokers...), Timeout: 5 * time.Second}
	resp, err := c.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{gh.topic: ids}})
	if err == nil {
		err = resp.Error
	}
	if err != nil {
		gh.t.Fatalf("OffsetFetch: %v", err)
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[gh.topic] {
		if p.Error != nil {
			gh.t.Fatalf("OffsetFetch partition %d: %v", p.Partition, p.Error)
		}
		out[p.Partition] = p.CommittedOffset
	}
	return out
}

// run starts Run; the returned func cancels it and returns its error.
func (gh *groupHarness) run(cfg Config, h Handler) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- Run(ctx, cfg, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-errc:
			case <-time.After(15 * time.Second):
				gh.t.Fatal("Run did not return 15s after cancel")
			}
		})
		return err
	}
	gh.t.Cleanup(func() { _ = stop() })
	return stop
}

func (gh *groupHarness) waitUntil(what string, cond func() bool) {
	gh.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			gh.t.Fatalf("timed out waiting until %s", what)
		}
	}
}

type groupMsg struct {
	p int
	o int64
}

// groupLedger records what one Run handed out, finished and committed.
type groupLedger struct {
	mu        sync.Mutex
	handled   []groupMsg
	finished  map[groupMsg]bool
	committed map[int]int64
	inFlight  atomic.Int64
}

func newGroupLedger() *groupLedger {
	return &groupLedger{finished: map[groupMsg]bool{}, committed: map[int]int64{}}
}

// handler finishes each message after a random delay, in its own goroutine.
func (l *groupLedger) handler(maxDelay time.Duration, hold func(groupMsg) bool) Handler {
	return func(ctx context.Context, m kafka.Message, done Ack) {
		id := groupMsg{m.Partition, m.Offset}
		if want := fmt.Sprintf("%d/%d", m.Partition, m.Offset); string(m.Value) != want {
			done(fmt.Errorf("message %v has value %q", id, m.Value))
			return
		}
		l.mu.Lock()
		l.handled = append(l.handled, id)
		l.mu.Unlock()
		if hold != nil && hold(id) {
			return
		}
		l.inFlight.Add(1)
		go func() {
			time.Sleep(rand.N(maxDelay + 1))
			l.mu.Lock()
			l.finished[id] = true
			l.mu.Unlock()
			l.inFlight.Add(-1)
			done(nil)
		}()
	}
}

func (l *groupLedger) onCommit(_ string, p int, o int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.committed[p] = o
}

func (l *groupLedger) finishedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.finished)
}

// committedAll reports whether the last commit of every partition is want.
func (l *groupLedger) committedAll(want map[int]int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for p, o := range want {
		if l.committed[p] != o {
			return false
		}
	}
	return true
}

func (l *groupLedger) handledOf(p int) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int64
	for _, id := range l.handled {
		if id.p == p {
			out = append(out, id.o)
		}
	}
	return out
}

func groupOffsetsEach(parts int, o int64) map[int]int64 {
	m := map[int]int64{}
	for p := 0; p < parts; p++ {
		m[p] = o
	}
	return m
}

func groupOffsetsEqual(a, b map[int]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestGroupOutOfOrderDoneCommitsEndOffsets(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 3)
	gh.produce(1000)
	l := newGroupLedger()
	cfg := gh.config("g2")
	cfg.OnCommit = l.onCommit
	stop := gh.run(cfg, l.handler(2*time.Millisecond, nil))
	gh.waitUntil("every message is finished and committed", func() bool {
		return l.finishedCount() == 3000 && l.committedAll(groupOffsetsEach(3, 1000))
	})
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := gh.committed("g2"); !groupOffsetsEqual(got, groupOffsetsEach(3, 1000)) {
		t.Fatalf("committed offsets %v, want 1000 on each partition", got)
	}
	for p := 0; p < 3; p++ {
		got := l.handledOf(p)
		for i, o := range got {
			if o != int64(i) {
				t.Fatalf("partition %d: message %d handed out was offset %d, want offsets 0..999 in order", p, i, o)
			}
		}
	}
}

func TestGroupNeverCommitsPastAnUnfinishedMessage(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 3)
	gh.produce(1000)
	stuck := groupMsg{0, 500}
	l := newGroupLedger()
	cfg := gh.config("g3")
	cfg.DrainTimeout = 200 * time.Millisecond
	cfg.OnCommit = l.onCommit
	stop := gh.run(cfg, l.handler(time.Millisecond, func(id groupMsg) bool { return id == stuck }))
	want := map[int]int64{0: 500, 1: 1000, 2: 1000}
	gh.waitUntil("partitions 1 and 2 are committed to their ends and partition 0 to 500", func() bool {
		return l.finishedCount() == 2999 && l.committedAll(want)
	})
	time.Sleep(4 * cfg.CommitInterval)
	if got := gh.committed("g3"); !groupOffsetsEqual(got, want) {
		t.Fatalf("committed offsets %v, want %v", got, want)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := gh.committed("g3"); !groupOffsetsEqual(got, want) {
		t.Fatalf("after shutdown: committed offsets %v, want %v", got, want)
	}

	l2 := newGroupLedger()
	cfg.OnCommit = l2.onCommit
	stop = gh.run(cfg, l2.handler(time.Millisecond, nil))
	gh.waitUntil("partition 0 is committed to its end after the restart", func() bool { return l2.committedAll(map[int]int64{0: 1000}) })
	if err := stop(); err != nil {
		t.Fatalf("Run after restart: %v", err)
	}
	got := l2.handledOf(0)
	if len(got) != 500 || got[0] != 500 || got[499] != 999 {
		t.Fatalf("after restart partition 0 handed out %d messages (%v...), want offsets 500..999", len(got), got[:min(len(got), 5)])
	}
	if n := len(l2.handledOf(1)) + len(l2.handledOf(2)); n != 0 {
		t.Fatalf("after restart partitions 1 and 2 handed out %d messages, want none", n)
	}
}

func TestGroupCrashAndRestartSkipsNothing(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 3)
	gh.produce(1000)
	cfg := gh.config("g4")
	cfg.PartitionUnfinished, cfg.PartitionWindow = 20, 20
	cfg.DrainTimeout = time.Millisecond // next to a crash: almost nothing drains

	l1 := newGroupLedger()
	stop := gh.run(cfg, l1.handler(10*time.Millisecond, nil))
	gh.waitUntil("a third of the messages are finished", func() bool { return l1.finishedCount() >= 1000 })
	inFlight := l1.inFlight.Load()
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	l1.mu.Lock()
	before := make(map[groupMsg]bool, len(l1.finished)) // what finished before the crash; later done calls are lost work
	for id := range l1.finished {
		before[id] = true
	}
	l1.mu.Unlock()
	if inFlight == 0 || len(before) == 3000 {
		t.Fatalf("the crash came too late (%d in flight, %d finished): the test proves nothing", inFlight, len(before))
	}

	l2 := newGroupLedger()
	cfg.OnCommit = l2.onCommit
	stop = gh.run(cfg, l2.handler(time.Millisecond, nil))
	gh.waitUntil("every partition is committed to its end", func() bool { return l2.committedAll(groupOffsetsEach(3, 1000)) })
	if err := stop(); err != nil {
		t.Fatalf("Run after restart: %v", err)
	}
	l2.mu.Lock()
	defer l2.mu.Unlock()
	var skipped []groupMsg
	for p := 0; p < 3; p++ {
		for o := int64(0); o < 1000; o++ {
			if id := (groupMsg{p, o}); !before[id] && !l2.finished[id] {
				skipped = append(skipped, id)
			}
		}
	}
	if len(skipped) > 0 {
		t.Fatalf("%d messages were never finished across the crash, e.g. %v", len(skipped), skipped[:min(len(skipped), 5)])
	}
}

// rebalanceLedger checks, at every commit of every instance, that the instance
// finished every message between the previous commit of the partition (by anyone)
// and its own commit.
type rebalanceLedger struct {
	mu         sync.Mutex
	finishedBy map[string]map[groupMsg]bool
	last       map[int]int64
	commits    map[string]int
	violations []string
}

func (r *rebalanceLedger) instance(name string) (Handler, func(string, int, int64)) {
	r.finishedBy[name] = map[groupMsg]bool{}
	h := func(ctx context.Context, m kafka.Message, done Ack) {
		id := groupMsg{m.Partition, m.Offset}
		go func() {
			time.Sleep(rand.N(4 * time.Millisecond))
			r.mu.Lock()
			r.finishedBy[name][id] = true
			r.mu.Unlock()
			done(nil)
		}()
	}
	onCommit := func(_ string, p int, o int64) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.commits[name]++
		prev := r.last[p]
		if o < prev {
			r.violations = append(r.violations, fmt.Sprintf("%s moved partition %d back from %d to %d", name, p, prev, o))
		}
		for off := prev; off < o; off++ {
			if !r.finishedBy[name][groupMsg{p, off}] {
				r.violations = append(r.violations, fmt.Sprintf("%s committed %d on partition %d before finishing offset %d", name, o, p, off))
				break
			}
		}
		r.last[p] = max(prev, o)
	}
	return h, onCommit
}

func TestGroupRebalanceCommitsOnlyWhatEachInstanceFinished(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 6)
	r := &rebalanceLedger{finishedBy: map[string]map[groupMsg]bool{}, last: map[int]int64{}, commits: map[string]int{}}
	var holdA atomic.Bool
	holdA.Store(true)
	release := make(chan struct{}) // A's held done calls wait for it
	hA, commitA := r.instance("A")
	wrappedA := func(ctx context.Context, m kafka.Message, done Ack) {
		if holdA.Load() && m.Offset%50 == 49 {
			go func() {
				<-release
				r.mu.Lock()
				r.finishedBy["A"][groupMsg{m.Partition, m.Offset}] = true
				r.mu.Unlock()
				done(nil) // a late ack from a generation (and a Run) that is over
			}()
			return
		}
		hA(ctx, m, done)
	}
	hB, commitB := r.instance("B")
	lastIs := func(o int64) func() bool {
		return func() bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			return groupOffsetsEqual(r.last, groupOffsetsEach(6, o))
		}
	}
	finishedAll := func(upTo int64) func() bool {
		return func() bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			for p := 0; p < 6; p++ {
				for o := int64(0); o < upTo; o++ {
					if !r.finishedBy["A"][groupMsg{p, o}] && !r.finishedBy["B"][groupMsg{p, o}] {
						return false
					}
				}
			}
			return true
		}
	}

	cfg := gh.config("g5")
	cfg.PartitionUnfinished, cfg.PartitionWindow = 10, 10
	cfg.DrainTimeout = 300 * time.Millisecond
	gh.produce(300)
	cfgA := cfg
	cfgA.OnCommit = commitA
	stopA := gh.run(cfgA, wrappedA)
	gh.waitUntil("A committed up to its first held message everywhere", lastIs(49))

	holdA.Store(false)
	cfgB := cfg
	cfgB.OnCommit = commitB
	stopB := gh.run(cfgB, hB)
	gh.waitUntil("the first 300 messages of every partition are finished and committed", lastIs(300))
	gh.produce(300)
	gh.waitUntil("part of the second batch is finished", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.finishedBy["A"])+len(r.finishedBy["B"]) >= 1800+900
	})
	if err := stopA(); err != nil {
		t.Fatalf("Run A: %v", err)
	}
	close(release)
	gh.produce(300)
	gh.waitUntil("every message is finished and committed", func() bool { return finishedAll(900)() && lastIs(900)() })
	if err := stopB(); err != nil {
		t.Fatalf("Run B: %v", err)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.violations) > 0 {
		t.Fatalf("%d commits covered messages their instance had not finished:\n%s", len(r.violations), strings.Join(r.violations[:min(len(r.violations), 10)], "\n"))
	}
	if r.commits["A"] == 0 || r.commits["B"] == 0 {
		t.Fatalf("commits per instance %v: both instances should have committed", r.commits)
	}
	if got := gh.committed("g5"); !groupOffsetsEqual(got, groupOffsetsEach(6, 900)) {
		t.Fatalf("committed offsets %v, want 900 on each partition", got)
	}
}

func TestGroupShutdownDrainsInFlightMessages(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 3)
	gh.produce(100)
	var mu sync.Mutex
	var held []Ack
	h := func(ctx context.Context, m kafka.Message, done Ack) {
		mu.Lock()
		defer mu.Unlock()
		held = append(held, done)
	}
	cfg := gh.config("g6")
	cfg.DrainTimeout = 2 * time.Second
	stop := gh.run(cfg, h)
	gh.waitUntil("every message is handed out", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(held) == 300
	})
	time.Sleep(3 * cfg.CommitInterval)
	if got := gh.committed("g6"); !groupOffsetsEqual(got, groupOffsetsEach(3, 0)) {
		t.Fatalf("committed offsets %v before any message finished, want 0 (the resolved start)", got)
	}
	go func() { // finish everything shortly after the shutdown began, in reverse order
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		for i := len(held) - 1; i >= 0; i-- {
			held[i](nil)
		}
	}()
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Fatalf("Run returned after %v, before the in-flight messages finished", took)
	}
	if got := gh.committed("g6"); !groupOffsetsEqual(got, groupOffsetsEach(3, 100)) {
		t.Fatalf("committed offsets after shutdown %v, want 100 on each partition", got)
	}
}

func TestGroupGivenBackMessageIsReadAgain(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 2)
	gh.produce(50)
	l := newGroupLedger()
	var failed atomic.Bool
	var seen atomic.Int32 // times partition 1 offset 20 was handed out
	inner := l.handler(time.Millisecond, nil)
	h := func(ctx context.Context, m kafka.Message, done Ack) {
		if m.Partition == 1 && m.Offset == 20 {
			seen.Add(1)
		}
		if m.Partition == 1 && m.Offset == 20 && failed.CompareAndSwap(false, true) {
			done(errors.New("transient"))
			done(nil) // a second ack must not finish a message given back
			return
		}
		inner(ctx, m, done)
	}
	cfg := gh.config("g7")
	cfg.OnCommit = l.onCommit
	stop := gh.run(cfg, h)
	gh.waitUntil("both partitions are committed to their ends", func() bool { return l.committedAll(groupOffsetsEach(2, 50)) })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := seen.Load(); !failed.Load() || n != 2 {
		t.Fatalf("partition 1 offset 20 was handed out %d times, want twice (failed once, then read again)", n)
	}
}

func TestGroupLastOffsetStartIsCommittedBeforeAnyMessage(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 2)
	gh.produce(10)
	l := newGroupLedger()
	cfg := gh.config("g8")
	cfg.StartOffset = kafka.LastOffset
	cfg.OnCommit = l.onCommit
	stop := gh.run(cfg, l.handler(time.Millisecond, nil))
	gh.waitUntil("the resolved end offsets are committed", func() bool { return l.committedAll(groupOffsetsEach(2, 10)) })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	gh.produce(5) // while no member runs: a restart must not skip these
	l2 := newGroupLedger()
	cfg.OnCommit = l2.onCommit
	stop = gh.run(cfg, l2.handler(time.Millisecond, nil))
	gh.waitUntil("the new messages are committed", func() bool { return l2.committedAll(groupOffsetsEach(2, 15)) })
	if err := stop(); err != nil {
		t.Fatalf("Run after restart: %v", err)
	}
	if n := len(l.handledOf(0)) + len(l.handledOf(1)); n != 0 {
		t.Fatalf("the first run handed out %d old messages, want none", n)
	}
	for p := 0; p < 2; p++ {
		if got := l2.handledOf(p); len(got) != 5 || got[0] != 10 {
			t.Fatalf("after restart partition %d handed out %v, want offsets 10..14", p, got)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	ok := Config{Brokers: []string{"b:9092"}, GroupID: "g", Topics: []string{"t"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate() of a minimal config: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no brokers", func(c *Config) { c.Brokers = nil }, "Brokers"},
		{"no group", func(c *Config) { c.GroupID = "" }, "GroupID"},
		{"no topics", func(c *Config) { c.Topics = nil }, "Topics"},
		{"empty topic", func(c *Config) { c.Topics = []string{"t", ""} }, "Topics[1]"},
		{"negative unfinished", func(c *Config) { c.PartitionUnfinished = -1 }, "PartitionUnfinished"},
		{"negative window", func(c *Config) { c.PartitionWindow = -1 }, "PartitionWindow"},
		{"negative interval", func(c *Config) { c.CommitInterval = -time.Second }, "CommitInterval"},
		{"start offset", func(c *Config) { c.StartOffset = 42 }, "StartOffset"},
		{"drain beyond session", func(c *Config) { c.DrainTimeout = time.Minute }, "DrainTimeout"},
		{"heartbeat beyond session", func(c *Config) { c.HeartbeatInterval = time.Minute }, "HeartbeatInterval"},
	}
	for _, tt := range tests {
		c := ok
		tt.change(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want an error naming %s", tt.name, err, tt.want)
		}
		if err := Run(context.Background(), c, func(context.Context, kafka.Message, Ack) {}); err == nil {
			t.Errorf("%s: Run accepted an invalid config", tt.name)
		}
	}
}

// TestGroupRebalancesFreeEverySlot: at least 20 real rebalances of the group (member B
// joining and leaving while A runs), each ending a generation of A whose drain timed out
// with messages still unfinished (never acked, or given back after the drain). After
// them, and the members' shutdowns, the room holds no slot and in-flight is 0.
func TestGroupRebalancesFreeEverySlot(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 4)
	room := NewRoom(10000)
	var inFlight atomic.Int64
	type member struct {
		handed, held atomic.Int64
		mu           sync.Mutex
		heldIn       []context.Context // the Handler's ctx of each message never acked
		logs         *observer.ObservedLogs
		cfg          Config
	}
	newMember := func() *member {
		m := &member{cfg: gh.config("free")}
		var core zapcore.Core
		core, m.logs = observer.New(zapcore.InfoLevel)
		m.cfg.Logger = zap.New(core)
		m.cfg.Room = room
		m.cfg.DrainTimeout = 50 * time.Millisecond
		m.cfg.OnInFlight = func(d int) { inFlight.Add(int64(d)) }
		return m
	}
	// Some messages are never acked (a stage that loses track of one), some are given
	// back late, the rest finish after a while. Offset 3 of each partition is never
	// acked, so nothing is committed past it: every generation reads it again, holds it,
	// and its drain times out.
	handler := func(mb *member) Handler {
		return func(ctx context.Context, m kafka.Message, ack Ack) {
			mb.handed.Add(1)
			switch m.Offset % 7 {
			case 3:
				mb.held.Add(1)
				mb.mu.Lock()
				mb.heldIn = append(mb.heldIn, ctx)
				mb.mu.Unlock()
			case 5:
				go func() { <-Abandoned(ctx).Done(); ack(errors.New("given back after the drain")) }()
			default:
				go func() { time.Sleep(rand.N(20 * time.Millisecond)); ack(nil) }()
			}
		}
	}
	// holding: the member's current generation holds a message never acked (its ctx is
	// not done: the generation has not stopped fetching), so that its end must time out.
	holding := func(mb *member) bool {
		mb.mu.Lock()
		defer mb.mu.Unlock()
		for _, ctx := range mb.heldIn {
			if ctx.Err() == nil {
				return true
			}
		}
		return false
	}
	started := func(mb *member) int { return mb.logs.FilterMessage("generation started").Len() }
	// timedOut: the distinct generations (each a rebalance of the group) whose drain
	// timed out at this member.
	timedOut := func(mb *member) int {
		ids := map[any]bool{}
		for _, e := range mb.logs.FilterMessage("drain timed out: unfinished messages will be read again").All() {
			ids[e.ContextMap()["generation"]] = true
		}
		return len(ids)
	}
	a, b := newMember(), newMember()
	gh.produce(50)
	stopA := gh.run(a.cfg, handler(a))
	for i := 0; timedOut(a) < 20; i++ {
		if i > 40 {
			t.Fatalf("only %d generations of A timed out draining after %d joins and leaves of B", timedOut(a), i)
		}
		gh.waitUntil("A holds a message it never acks", func() bool { return holding(a) })
		gh.produce(20)
		sa, sb := started(a), started(b)
		stopB := gh.run(b.cfg, handler(b)) // B joining rebalances A
		gh.waitUntil("A and B share a generation", func() bool { return started(a) > sa && started(b) > sb })
		gh.waitUntil("A holds a message it never acks", func() bool { return holding(a) })
		sa = started(a)
		if err := stopB(); err != nil { // and leaving rebalances A again
			t.Fatalf("Run B: %v", err)
		}
		gh.waitUntil("A is alone in a new generation", func() bool { return started(a) > sa })
	}
	if err := stopA(); err != nil {
		t.Fatalf("Run A: %v", err)
	}
	if n := timedOut(b); n == 0 || a.held.Load()+b.held.Load() < 20 || a.handed.Load()+b.handed.Load() < 100 {
		t.Fatalf("%d messages handed out, %d never acked, %d drains of B timed out: the test proves nothing",
			a.handed.Load()+b.handed.Load(), a.held.Load()+b.held.Load(), n)
	}
	gens := timedOut(a)
	if n := room.Held(); n != 0 {
		t.Fatalf("after %d rebalances with drains that timed out the room holds %d slots, want 0", gens, n)
	}
	if n := inFlight.Load(); n != 0 {
		t.Fatalf("after %d rebalances with drains that timed out in-flight is %d, want 0", gens, n)
	}
	t.Logf("%d generations of A and %d of B timed out draining; %d messages never acked", gens, timedOut(b), a.held.Load()+b.held.Load())
}

func TestGroupCommitLagCountsFinishedBehindAStuckMessage(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 1)
	gh.produce(16)
	cfg := gh.config("lag")
	var lag atomic.Int64
	cfg.OnCommitLag = func(_ string, _ int, l int64) { lag.Store(l) }
	var stuck Ack
	var mu sync.Mutex
	gh.run(cfg, func(ctx context.Context, m kafka.Message, ack Ack) {
		if m.Offset == 0 {
			mu.Lock()
			stuck = ack
			mu.Unlock()
			return
		}
		ack(nil)
	})
	gh.waitUntil("commit_lag reads the 15 finished messages behind offset 0", func() bool { return lag.Load() == 15 })
	mu.Lock()
	stuck(nil)
	mu.Unlock()
	gh.waitUntil("commit_lag falls to 0 once everything is committed", func() bool { return lag.Load() == 0 })
	if got := gh.committed("lag"); got[0] != 16 {
		t.Fatalf("committed %v, want 16", got)
	}
}

func TestGroupReportsAStalledPartition(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 2)
	gh.produce(5)
	cfg := gh.config("stall")
	cfg.StallTimeout = 300 * time.Millisecond
	// Partition 1's messages are due in an hour (a retry): not a stall while they wait.
	cfg.NotBefore = func(m *kafka.Message) time.Time {
		if m.Partition == 1 {
			return time.Now().Add(time.Hour)
		}
		return time.Time{}
	}
	type stall struct {
		p       int
		offset  int64
		stalled bool
	}
	stalls := make(chan stall, 100)
	var oldest [2]atomic.Int64
	cfg.OnStall = func(_ string, p int, off int64, _ time.Duration, s bool) { stalls <- stall{p, off, s} }
	cfg.OnOldest = func(_ string, p int, age time.Duration) { oldest[p].Store(int64(age)) }
	var mu sync.Mutex
	var stuck Ack
	gh.run(cfg, func(ctx context.Context, m kafka.Message, ack Ack) {
		if m.Partition == 0 && m.Offset == 2 {
			mu.Lock()
			stuck = ack
			mu.Unlock()
			return
		}
		if m.Partition == 1 {
			return // waits "an hour"
		}
		ack(nil)
	})
	select {
	case s := <-stalls:
		if s != (stall{0, 2, true}) {
			t.Fatalf("first stall report %+v, want partition 0 offset 2 stalled", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no stall reported for a message unfinished past the stall timeout")
	}
	if a := time.Duration(oldest[0].Load()); a < cfg.StallTimeout {
		t.Fatalf("oldest unfinished on partition 0 is %v, want over the stall timeout", a)
	}
	if a := oldest[1].Load(); a != 0 {
		t.Fatalf("oldest unfinished on partition 1 is %v, want 0: its messages are not due yet", time.Duration(a))
	}
	mu.Lock()
	stuck(nil)
	mu.Unlock()
	select {
	case s := <-stalls:
		if s != (stall{0, 2, false}) {
			t.Fatalf("stall report %+v, want partition 0 no longer stalled", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stall was not cleared once the message finished")
	}
}

func TestGroupStartOffsetsPerTopic(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 1)
	gh.produce(10)
	l := newGroupLedger()
	cfg := gh.config("start")
	cfg.StartOffsets = map[string]int64{gh.topic: kafka.LastOffset} // StartOffset stays FirstOffset
	cfg.OnCommit = l.onCommit
	stop := gh.run(cfg, l.handler(time.Millisecond, nil))
	gh.waitUntil("the end offset is committed", func() bool { return l.committedAll(map[int]int64{0: 10}) })
	gh.produce(3)
	gh.waitUntil("the new messages are committed", func() bool { return l.committedAll(map[int]int64{0: 13}) })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := l.handledOf(0); len(got) != 3 || got[0] != 10 {
		t.Fatalf("handed out %v, want only offsets 10..12 (the topic starts at its end)", got)
	}
}

// A message left unfinished (a record lingering in a partial batch) must not stop the
// messages behind it: only unfinished messages count against PartitionUnfinished, while
// the finished ones behind it count against the larger PartitionWindow.
func TestGroupFinishedMessagesBehindAnUnfinishedOneDoNotStopFetching(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 1)
	gh.produce(3000)
	cfg := gh.config("behind")
	var handed atomic.Int64
	var first Ack
	var mu sync.Mutex
	gh.run(cfg, func(ctx context.Context, m kafka.Message, ack Ack) {
		handed.Add(1)
		if m.Offset == 0 {
			mu.Lock()
			first = ack
			mu.Unlock()
			return
		}
		ack(nil)
	})
	gh.waitUntil("every message is handed out while offset 0 is unfinished", func() bool { return handed.Load() == 3000 })
	mu.Lock()
	first(nil)
	mu.Unlock()
	gh.waitUntil("the end is committed", func() bool { return gh.committed("behind")[0] == 3000 })
}

func TestGroupPartitionWindowBoundsTheSpan(t *testing.T) {
	t.Parallel()
	gh := newGroupHarness(t, 1)
	gh.produce(300)
	cfg := gh.config("span")
	cfg.PartitionWindow = 100
	var handed atomic.Int64
	gh.run(cfg, func(ctx context.Context, m kafka.Message, ack Ack) {
		handed.Add(1)
		if m.Offset != 0 {
			ack(nil)
		}
	})
	gh.waitUntil("the window is full", func() bool { return handed.Load() == 100 })
	time.Sleep(300 * time.Millisecond)
	if n := handed.Load(); n != 100 {
		t.Fatalf("%d messages handed out behind an unfinished one, want PartitionWindow (100)", n)
	}
}
