package processor

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Handler processes one message. It must call done exactly once, now or later from any
// goroutine, when the message is finished (outputs acknowledged, or dead-lettered); extra
// calls, and calls after the partition was revoked, are ignored. Messages of one partition
// come in offset order, one at a time; done calls may come out of order. ctx is cancelled
// when the generation ends (rebalance, shutdown): the Handler must then return promptly,
// and work it started has DrainTimeout to call done.
//
// An error stops the partition without committing past the message, even if done was
// called. kafka-go ends a generation when any of its goroutines returns, so after
// JoinGroupBackoff (other partitions go on meanwhile) this member drains, commits and
// rejoins, which rebalances the group, and the message is read again by the partition's
// next owner. Return errors for transient failures only; dead-letter permanent ones.
type Handler func(ctx context.Context, m kafka.Message, done func()) error

// GroupConfig configures RunGroup. Zero values mean the documented defaults.
type GroupConfig struct {
	Brokers []string      // Required.
	GroupID string        // Required.
	Topics  []string      // Required.
	Dialer  *kafka.Dialer // TLS/SASL. Default: kafka.DefaultDialer (plain TCP).

	// MaxInFlight bounds, per partition, the window Committable has not passed (the lowest
	// unfinished message and all handed out after it): fetching pauses at it, and it bounds
	// what is read twice after a crash. Default: 1000.
	MaxInFlight    int
	CommitInterval time.Duration // How often done offsets are committed. Default: 1s.
	// DrainTimeout: how long a rebalance or shutdown waits for in-flight messages before the
	// generation's last commit. Below SessionTimeout and RebalanceTimeout, since kafka-go
	// stops heartbeating while a generation drains. Default: 10s.
	DrainTimeout time.Duration
	StartOffset  int64 // Without a committed offset: kafka.FirstOffset (default) or kafka.LastOffset.

	// Group membership, passed to kafka-go's ConsumerGroupConfig (tests shorten them).
	HeartbeatInterval time.Duration // Default: 3s.
	SessionTimeout    time.Duration // Default: 30s.
	RebalanceTimeout  time.Duration // Default: 30s.
	JoinGroupBackoff  time.Duration // After a failed join, and after a Handler error. Default: 5s.

	Logger *zap.Logger // Default: no logs.

	// Optional metric hooks, called from the committing goroutine, one call at a time per
	// RunGroup; they must not block. OnCommit: each offset committed. OnLag: every
	// CommitInterval, per partition that fetched something, the high-water mark of its
	// last fetch minus its committable offset.
	OnCommit func(topic string, partition int, offset int64)
	OnLag    func(topic string, partition int, lag int64)
}

// fetchMaxWait bounds a fetch's long poll, hence how long closing a partition's reader takes.
const fetchMaxWait = 500 * time.Millisecond

func (c GroupConfig) withDefaults() GroupConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.CommitInterval, time.Second)
	def(&c.DrainTimeout, 10*time.Second)
	def(&c.HeartbeatInterval, 3*time.Second)
	def(&c.SessionTimeout, 30*time.Second)
	def(&c.RebalanceTimeout, 30*time.Second)
	def(&c.JoinGroupBackoff, 5*time.Second)
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 1000
	}
	if c.StartOffset == 0 {
		c.StartOffset = kafka.FirstOffset
	}
	if c.Dialer == nil {
		c.Dialer = kafka.DefaultDialer
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return c
}

// Validate reports every problem of c (after defaults), each naming its field.
func (c GroupConfig) Validate() error {
	c = c.withDefaults()
	var errs []error
	add := func(bad bool, format string, args ...any) {
		if bad {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	add(len(c.Brokers) == 0, "Brokers: required")
	add(c.GroupID == "", "GroupID: required")
	add(len(c.Topics) == 0, "Topics: required")
	for i, t := range c.Topics {
		add(t == "", "Topics[%d]: empty", i)
	}
	add(c.MaxInFlight < 0, "MaxInFlight: %d is negative", c.MaxInFlight)
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"CommitInterval", c.CommitInterval}, {"DrainTimeout", c.DrainTimeout}, {"HeartbeatInterval", c.HeartbeatInterval},
		{"SessionTimeout", c.SessionTimeout}, {"RebalanceTimeout", c.RebalanceTimeout}, {"JoinGroupBackoff", c.JoinGroupBackoff}} {
		add(d.d < 0, "%s: %v is negative", d.name, d.d)
	}
	add(c.StartOffset != kafka.FirstOffset && c.StartOffset != kafka.LastOffset,
		"StartOffset: %d is neither kafka.FirstOffset nor kafka.LastOffset", c.StartOffset)
	add(c.HeartbeatInterval >= c.SessionTimeout, "HeartbeatInterval: %v is not below SessionTimeout (%v)",
		c.HeartbeatInterval, c.SessionTimeout)
	add(c.DrainTimeout >= min(c.SessionTimeout, c.RebalanceTimeout),
		"DrainTimeout: %v is not below SessionTimeout (%v) and RebalanceTimeout (%v)", c.DrainTimeout, c.SessionTimeout, c.RebalanceTimeout)
	return errors.Join(errs...)
}

// RunGroup consumes cfg.Topics in group cfg.GroupID until ctx is cancelled, then drains
// (DrainTimeout), commits what is done, leaves the group and returns nil. It returns an
// error for an invalid config or an authorization failure; other errors joining the group
// are logged and retried.
//
// Facts of kafka-go v0.4.51 (consumergroup.go) this relies on:
//   - Next returns no generation before the previous one is over: Generation.close waits
//     for every function launched with Start before JoinGroup is sent again. So our last
//     commit of a partition precedes any later generation, hence any next owner.
//   - The ctx given to Start functions is done when one of them returns, a heartbeat fails
//     (RebalanceInProgress), the partition watcher sees a partition count change, or the
//     group is closed. Start on a generation already over runs fn untracked; ours then
//     return at once without handing out anything.
//   - The heartbeat is a Start function too: none is sent while we drain.
//   - CommitOffsets sends OffsetCommit with the generation's ID and member ID on the
//     generation's connection and returns the first per-partition error. The coordinator
//     accepts it in Stable or PreparingRebalance of that generation (the last commit after
//     a rebalance began succeeds) and refuses it (IllegalGeneration, UnknownMemberId,
//     RebalanceInProgress) once the group moved on: the broker fences commits for
//     partitions the generation no longer owns. The connection is closed after the
//     generation; we never commit then.
//   - Close ends the current generation, waits for its Start functions, then leaves.
//   - After a failed join (except RebalanceInProgress) the group itself waits
//     JoinGroupBackoff before retrying.
//
// Each partition is read by a kafka.Reader without GroupID rather than a kafka.Conn:
// the Reader finds the leader, follows leader changes, retries and prefetches.
func RunGroup(ctx context.Context, cfg GroupConfig, h Handler) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("processor: invalid group config: %w", err)
	}
	if h == nil {
		return errors.New("processor: RunGroup: nil Handler")
	}
	cfg = cfg.withDefaults()
	log := cfg.Logger.With(zap.String("group", cfg.GroupID))
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID: cfg.GroupID, Brokers: cfg.Brokers, Dialer: cfg.Dialer, Topics: cfg.Topics, StartOffset: cfg.StartOffset,
		GroupBalancers:    []kafka.GroupBalancer{kafka.RangeGroupBalancer{}, kafka.RoundRobinGroupBalancer{}},
		HeartbeatInterval: cfg.HeartbeatInterval, SessionTimeout: cfg.SessionTimeout,
		RebalanceTimeout: cfg.RebalanceTimeout, JoinGroupBackoff: cfg.JoinGroupBackoff,
		WatchPartitionChanges: true,
		Logger:                zapKafkaLogger(log, zapcore.DebugLevel), ErrorLogger: zapKafkaLogger(log, zapcore.WarnLevel),
	})
	if err != nil {
		return fmt.Errorf("processor: consumer group %s: %w", cfg.GroupID, err)
	}
	for failures := 0; ; {
		gen, err := cg.Next(ctx)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			if fatalGroupError(err) {
				cg.Close()
				return fmt.Errorf("processor: consumer group %s: %w", cfg.GroupID, err)
			}
			failures++
			log.Warn("joining the consumer group failed; retrying", zap.Error(err), zap.Int("failures", failures))
			// Runs alongside the group's own JoinGroupBackoff; bounds a fast RebalanceInProgress loop.
			sleepOrDone(ctx, min(time.Duration(failures)*100*time.Millisecond, cfg.JoinGroupBackoff))
			continue
		}
		failures = 0
		startGeneration(ctx, &cfg, h, log, gen)
	}
	cg.Close() // drains and commits the current generation, then leaves the group
	log.Info("left the consumer group")
	return nil
}

// generation is one generation of the group as seen by this member: its partitions and
// their trackers. Nothing of it outlives the generation: a late done only updates a
// tracker that nobody commits from any more.
type generation struct {
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
		if err := g.h(ctx, m, done); err != nil {
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

// fatalGroupError reports errors that retrying cannot fix.
func fatalGroupError(err error) bool {
	for _, e := range []kafka.Error{kafka.GroupAuthorizationFailed, kafka.TopicAuthorizationFailed,
		kafka.SASLAuthenticationFailed, kafka.InvalidSessionTimeout} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func zapKafkaLogger(log *zap.Logger, level zapcore.Level) kafka.Logger {
	if !log.Core().Enabled(level) {
		return nil
	}
	s := log.Sugar()
	return kafka.LoggerFunc(func(msg string, args ...any) { s.Logf(level, msg, args...) })
}

func sleepOrDone(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// wakeUp wakes the receiver of ch (capacity 1) without blocking.
func wakeUp(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
