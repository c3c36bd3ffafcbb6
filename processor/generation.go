package processor

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
// their trackers. Nothing of it outlives the generation: a late done only updates a
// tracker that nobody commits from any more.
type generation struct {
	// abandon is done once the generation's drain is over (finished or timed out): work
	// handed out in this generation and not done by then must be dropped, not finished,
	// since the partition may already belong to another member. See Abandoned.
	abandon context.Context
	cancel  context.CancelFunc

	cfg     *GroupConfig
	h       Handler
	gen     *kafka.Generation
	log     *zap.Logger
	parts   []*ownedPartition
	changed chan struct{} // capacity 1: a message finished or a fetch loop stopped
}

type ownedPartition struct {
	topic     string
	id        int
	start     int64                   // the assigned offset; negative: no committed offset
	tracker   atomic.Pointer[Tracker] // set once the start offset is resolved
	failed    atomic.Int64            // offset the Handler failed on; math.MaxInt64: none
	hwm       atomic.Int64            // high-water mark of the last fetch
	wake      chan struct{}           // capacity 1: a message finished
	stopped   chan struct{}           // closed when the fetch loop hands out nothing more
	committed int64                   // owned by the committer
}

func startGeneration(ctx context.Context, cfg *GroupConfig, h Handler, log *zap.Logger, gen *kafka.Generation) {
	g := &generation{cfg: cfg, h: h, gen: gen, changed: make(chan struct{}, 1),
		log: log.With(zap.Int32("generation", gen.ID))}
	g.abandon, g.cancel = context.WithCancel(context.Background())
	for topic, assigned := range gen.Assignments {
		for _, a := range assigned {
			p := &ownedPartition{topic: topic, id: a.ID, start: a.Offset, committed: a.Offset,
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

// bound runs fn with a context done when either the generation or RunGroup's ctx is.
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
	for {
		for t.InFlight() >= g.cfg.MaxInFlight {
			select {
			case <-ctx.Done():
				return
			case <-p.wake:
			}
		}
		m, err := r.FetchMessage(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			log.Warn("fetching failed; retrying", zap.Error(err))
			sleepOrDone(ctx, time.Second)
			continue
		}
		p.hwm.Store(m.HighWaterMark)
		if !t.Add(m.Offset) {
			continue // below the start offset: already committed
		}
		offset := m.Offset
		done := func() {
			if t.Done(offset) {
				wakeUp(p.wake)
				wakeUp(g.changed)
			}
		}
		if err := g.h(context.WithValue(ctx, abandonKey{}, g.abandon), m, done); err != nil {
			p.failed.Store(offset)
			if ctx.Err() == nil {
				log.Error("handler failed: the partition stops for this generation and the message will be read again",
					zap.Int64("offset", offset), zap.Error(err))
				sleepOrDone(ctx, g.cfg.JoinGroupBackoff)
			}
			return
		}
	}
}

// resolve turns a symbolic start offset into an absolute one, so that it is committed
// even if no message comes (else a restart at kafka.LastOffset would skip the messages
// produced meanwhile). On failure the reader resolves it and the first message sets it.
func (g *generation) resolve(ctx context.Context, p *ownedPartition, log *zap.Logger) int64 {
	if p.start >= 0 {
		return p.start
	}
	for _, broker := range g.cfg.Brokers {
		conn, err := g.cfg.Dialer.DialLeader(ctx, "tcp", broker, p.topic, p.id)
		if err != nil {
			continue
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		first, last, err := conn.ReadOffsets()
		_ = conn.Close()
		if err == nil && p.start == kafka.LastOffset {
			return last
		} else if err == nil {
			return first
		}
	}
	log.Warn("could not resolve the start offset", zap.Int64("start", p.start))
	return p.start
}

// commitLoop commits every CommitInterval; when the generation ends it drains and makes
// the generation's last commit.
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
			g.commit(true)
			g.log.Info("generation ended")
			return
		}
	}
}

// drain waits, up to DrainTimeout, until no fetch loop can hand out a message and every
// message handed out is done (or, after a Handler error, every message before it).
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

// commit commits, in one request, the committable offset of every partition that advanced.
func (g *generation) commit(last bool) {
	offsets := map[string]map[int]int64{}
	var advanced []*ownedPartition
	for _, p := range g.parts {
		t := p.tracker.Load()
		if t == nil {
			continue
		}
		off := min(t.Committable(), p.failed.Load())
		if hwm := p.hwm.Load(); g.cfg.OnLag != nil && hwm > 0 && off >= 0 {
			g.cfg.OnLag(p.topic, p.id, max(hwm-off, 0))
		}
		if g.cfg.OnCommitLag != nil && off >= 0 && p.committed >= 0 {
			g.cfg.OnCommitLag(p.topic, p.id, max(off-p.committed, 0))
		}
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
		if g.cfg.OnCommit != nil {
			g.cfg.OnCommit(p.topic, p.id, p.committed)
		}
	}
	g.log.Debug("committed", zap.Any("offsets", offsets), zap.Bool("last", last))
}

type abandonKey struct{}

// Abandoned returns, from a Handler's ctx, a context that is done once the message's
// generation has drained: a stage that hands a message's work to something asynchronous
// (the sink) gives it this context, so that work left over after a drain that timed out
// is dropped rather than done while another member owns the partition. Handler's ctx
// itself is done earlier, when the generation stops fetching, so that waits end quickly.
// Outside a Handler it returns a context that is never done.
func Abandoned(ctx context.Context) context.Context {
	if a, ok := ctx.Value(abandonKey{}).(context.Context); ok {
		return a
	}
	return context.Background()
}
