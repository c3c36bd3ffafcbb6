package group

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// generation is one generation of the group as seen by this member: its partitions and
// their trackers. Nothing of it outlives the generation: a late ack only updates a
// tracker that nobody commits from any more.
type generation struct {
	// abandon is done once the generation's drain is over (finished or timed out): work
	// handed out in this generation and not done by then must be dropped, not finished,
	// since the partition may already belong to another member. See Abandoned.
	abandon context.Context
	cancel  context.CancelFunc

	cfg     *Config
	h       Handler
	gen     *kafka.Generation
	log     *zap.Logger
	parts   []*ownedPartition
	changed chan struct{} // capacity 1: a message finished or a fetch loop stopped
}

type ownedPartition struct {
	topic   string
	id      int
	start   int64                   // the assigned offset; negative: no committed offset
	tracker atomic.Pointer[Tracker] // set once the start offset is resolved
	failed  atomic.Int64            // lowest offset given back; math.MaxInt64: none
	hwm     atomic.Int64            // high-water mark of the last fetch
	wake    chan struct{}           // capacity 1: a message finished or was given back
	stopped chan struct{}           // closed when the fetch loop hands out nothing more

	// Owned by the committer.
	committed      int64 // the last offset committed (or assigned)
	poppedAtCommit int64 // Tracker.Finished's popped count at that commit (0 at the assigned offset)
	stalledAt      int64 // offset reported stalled; -1: not stalled
	reportedOldest bool  // OnOldest was called for this partition
}

func startGeneration(ctx context.Context, cfg *Config, h Handler, log *zap.Logger, gen *kafka.Generation) {
	g := &generation{cfg: cfg, h: h, gen: gen, changed: make(chan struct{}, 1),
		log: log.With(zap.Int32("generation", gen.ID))}
	g.abandon, g.cancel = context.WithCancel(context.Background())
	for topic, assigned := range gen.Assignments {
		for _, a := range assigned {
			p := &ownedPartition{topic: topic, id: a.ID, start: a.Offset, committed: a.Offset, stalledAt: -1,
				wake: make(chan struct{}, 1), stopped: make(chan struct{})}
			p.failed.Store(math.MaxInt64)
			g.parts = append(g.parts, p)
		}
	}
	g.log.Info("generation started", zap.String("member", gen.MemberID), zap.Int("partitions", len(g.parts)))
	for _, p := range g.parts {
		gen.Start(func(gctx context.Context) { g.bound(ctx, gctx, func(ctx context.Context) { g.consume(ctx, p) }) })
	}
	gen.Start(func(gctx context.Context) { g.bound(ctx, gctx, g.commitLoop) })
}

// bound runs fn with a context done when either the generation or Run's ctx is.
func (g *generation) bound(ctx, gctx context.Context, fn func(context.Context)) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(gctx, cancel)()
	fn(ctx)
}

// consume reads one partition and hands its messages to the Handler.
func (g *generation) consume(ctx context.Context, p *ownedPartition) {
	stop := func() { close(p.stopped); wakeUp(g.changed) }
	if ctx.Err() != nil {
		stop()
		return
	}
	log := g.log.With(zap.String("topic", p.topic), zap.Int("partition", p.id))
	t := NewTracker(g.resolve(ctx, p, log))
	p.tracker.Store(t)
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: g.cfg.Brokers, Topic: p.topic, Partition: p.id, Dialer: g.cfg.Dialer,
		MaxWait: fetchMaxWait, ReadLagInterval: -1,
		Logger: zapKafkaLogger(log, zapcore.DebugLevel), ErrorLogger: zapKafkaLogger(log, zapcore.WarnLevel),
	})
	defer r.Close()                  // drops what the reader prefetched
	defer stop()                     // first: the drain need not wait for the reader to close
	_ = r.SetOffset(t.Committable()) // fails only on a closed reader
	// A message given back ends the partition's part in this generation: pctx is
	// cancelled then.
	pctx, pcancel := context.WithCancel(ctx)
	defer pcancel()
	hctx := WithAbandoned(pctx, g.abandon)
	givenBack := func() bool {
		off := p.failed.Load()
		if off == math.MaxInt64 {
			return false
		}
		if ctx.Err() == nil {
			log.Error("a message was given back: the partition stops for this generation and the message will be read again",
				zap.Int64("offset", off))
			sleepOrDone(ctx, g.cfg.JoinGroupBackoff)
		}
		return true
	}
	for {
		for t.Pending() >= g.cfg.PartitionUnfinished || t.InFlight() >= g.cfg.PartitionWindow {
			select {
			case <-pctx.Done():
				givenBack()
				return
			case <-p.wake:
			}
		}
		m, err := r.FetchMessage(pctx)
		if pctx.Err() != nil {
			givenBack()
			return
		}
		if err != nil {
			log.Warn("fetching failed; retrying", zap.Error(err))
			sleepOrDone(pctx, time.Second)
			continue
		}
		p.hwm.Store(m.HighWaterMark)
		if !g.cfg.Room.take(pctx) {
			givenBack()
			return // not added: read again by whoever owns the partition next
		}
		since := time.Now()
		if g.cfg.NotBefore != nil {
			if nb := g.cfg.NotBefore(&m); nb.After(since) {
				since = nb
			}
		}
		if !t.Add(m.Offset, since) {
			g.cfg.Room.give(1)
			continue // below the start offset: already committed
		}
		g.inFlight(1)
		g.h(hctx, m, g.ack(t, p, m.Offset, pcancel))
		if givenBack() {
			return
		}
	}
}

// ack returns the Ack of the message at offset of p.
func (g *generation) ack(t *Tracker, p *ownedPartition, offset int64, stopFetching context.CancelFunc) Ack {
	return func(err error) {
		if err == nil {
			if !t.Done(offset) {
				return
			}
		} else {
			if !t.GiveBack(offset) {
				return
			}
			for cur := p.failed.Load(); offset < cur && !p.failed.CompareAndSwap(cur, offset); cur = p.failed.Load() {
			}
			stopFetching()
		}
		g.release(1)
		wakeUp(p.wake)
		wakeUp(g.changed)
	}
}

// release frees the slots of n messages that got their outcome or were abandoned.
func (g *generation) release(n int) {
	if n == 0 {
		return
	}
	g.cfg.Room.give(n)
	g.inFlight(-n)
}

func (g *generation) inFlight(delta int) {
	if g.cfg.OnInFlight != nil {
		g.cfg.OnInFlight(delta)
	}
}

// resolve turns a symbolic start offset into an absolute one, so that it is committed
// even if no message comes (else a restart at kafka.LastOffset would skip the messages
// produced meanwhile). On failure the reader resolves it and the first message sets it.
func (g *generation) resolve(ctx context.Context, p *ownedPartition, log *zap.Logger) int64 {
	if p.start >= 0 {
		return p.start
	}
	want := g.cfg.startOffset(p.topic)
	for _, broker := range g.cfg.Brokers {
		conn, err := g.cfg.Dialer.DialLeader(ctx, "tcp", broker, p.topic, p.id)
		if err != nil {
			continue
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		first, last, err := conn.ReadOffsets()
		_ = conn.Close()
		if err == nil && want == kafka.LastOffset {
			return last
		} else if err == nil {
			return first
		}
	}
	log.Warn("could not resolve the start offset", zap.Int64("start", want))
	return want
}

// commitLoop commits every CommitInterval; when the generation ends it drains, abandons
// what is left and makes the generation's last commit.
func (g *generation) commitLoop(ctx context.Context) {
	tick := time.NewTicker(g.cfg.CommitInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			g.commit(false)
		case <-ctx.Done():
			g.drain(tick.C)
			g.cancel() // what is still in flight is abandoned: it will be read again
			for _, p := range g.parts {
				if t := p.tracker.Load(); t != nil {
					g.release(t.Abandon())
				}
			}
			g.commit(true)
			g.end()
			g.log.Info("generation ended")
			return
		}
	}
}

// drain waits, up to DrainTimeout, until no fetch loop can hand out a message and every
// message handed out is done (or, after a message was given back, every message before it).
func (g *generation) drain(tick <-chan time.Time) {
	deadline := time.NewTimer(g.cfg.DrainTimeout)
	defer deadline.Stop()
	for !g.drained() {
		select {
		case <-g.changed:
		case <-tick:
			g.commit(false)
		case <-deadline.C:
			g.log.Warn("drain timed out: unfinished messages will be read again")
			return
		}
	}
}

func (g *generation) drained() bool {
	for _, p := range g.parts {
		select {
		case <-p.stopped:
		default:
			return false
		}
		if t := p.tracker.Load(); t != nil && t.InFlight() > 0 && t.Committable() < p.failed.Load() {
			return false
		}
	}
	return true
}

// commit commits, in one request, the committable offset of every partition that
// advanced, and reports each partition's lags and stall state.
func (g *generation) commit(last bool) {
	offsets := map[string]map[int]int64{}
	var advanced []*ownedPartition
	popped := make(map[*ownedPartition]int64, len(g.parts))
	now := time.Now()
	for _, p := range g.parts {
		t := p.tracker.Load()
		if t == nil {
			continue
		}
		n, waiting := t.Finished()
		off := min(t.Committable(), p.failed.Load())
		popped[p] = n
		if hwm := p.hwm.Load(); g.cfg.OnLag != nil && hwm > 0 && off >= 0 {
			g.cfg.OnLag(p.topic, p.id, max(hwm-off, 0))
		}
		if g.cfg.OnCommitLag != nil {
			g.cfg.OnCommitLag(p.topic, p.id, n-p.poppedAtCommit+int64(waiting))
		}
		g.watch(p, t, now)
		if off < 0 || off <= p.committed {
			continue
		}
		if offsets[p.topic] == nil {
			offsets[p.topic] = map[int]int64{}
		}
		offsets[p.topic][p.id] = off
		advanced = append(advanced, p)
	}
	if len(advanced) == 0 {
		return
	}
	if err := g.gen.CommitOffsets(offsets); err != nil {
		// Not retried by a later generation: its own trackers decide what it commits.
		g.log.Warn("committing offsets failed", zap.Bool("last", last), zap.Error(err))
		return
	}
	for _, p := range advanced {
		p.committed = offsets[p.topic][p.id]
		p.poppedAtCommit = popped[p]
		if g.cfg.OnCommit != nil {
			g.cfg.OnCommit(p.topic, p.id, p.committed)
		}
	}
	g.log.Debug("committed", zap.Any("offsets", offsets), zap.Bool("last", last))
}

// watch reports the age of p's oldest unfinished message, and a stall once it is older
// than StallTimeout.
func (g *generation) watch(p *ownedPartition, t *Tracker, now time.Time) {
	off, since, ok := t.Oldest()
	age := time.Duration(0)
	if ok {
		age = max(now.Sub(since), 0)
	}
	if g.cfg.OnOldest != nil {
		g.cfg.OnOldest(p.topic, p.id, age)
		p.reportedOldest = true
	}
	switch stalled := ok && age > g.cfg.StallTimeout; {
	case stalled && p.stalledAt != off:
		g.log.Error("partition stalled: its oldest unfinished message is older than the stall timeout",
			zap.String("topic", p.topic), zap.Int("partition", p.id), zap.Int64("offset", off),
			zap.Duration("age", age), zap.Duration("stall_timeout", g.cfg.StallTimeout))
		p.stalledAt = off
		if g.cfg.OnStall != nil {
			g.cfg.OnStall(p.topic, p.id, off, age, true)
		}
	case !stalled && p.stalledAt >= 0:
		g.log.Info("partition no longer stalled", zap.String("topic", p.topic), zap.Int("partition", p.id),
			zap.Int64("offset", p.stalledAt))
		g.unstall(p)
	}
}

func (g *generation) unstall(p *ownedPartition) {
	if g.cfg.OnStall != nil {
		g.cfg.OnStall(p.topic, p.id, p.stalledAt, 0, false)
	}
	p.stalledAt = -1
}

// end clears what the generation reported of its partitions: it holds none of their
// messages any more.
func (g *generation) end() {
	for _, p := range g.parts {
		if p.stalledAt >= 0 {
			g.unstall(p)
		}
		if p.reportedOldest {
			g.cfg.OnOldest(p.topic, p.id, 0)
		}
	}
}
