// Package group consumes Kafka topics in a consumer group and commits, per partition,
// only offsets whose messages are all finished. It hands each message to a Handler with
// an Ack: the message's outcome, explicit, once (finished, or given back to be read
// again). Acks may come in any order, from any goroutine; the committed offset never
// passes an unfinished message. Every message holds a slot of its partition's window
// and of the process's Room until its outcome, or until its generation abandons it
// after a drain that timed out, so nothing can leak room. A partition whose oldest
// unfinished message is older than Config.StallTimeout is reported as stalled.
//
// The package knows nothing of what the messages mean: the stages that use it do.
package group

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Config configures Run. Zero values mean the documented defaults.
type Config struct {
	Brokers []string      // Required.
	GroupID string        // Required.
	Topics  []string      // Required.
	Dialer  *kafka.Dialer // TLS/SASL. Default: kafka.DefaultDialer (plain TCP).

	// PartitionUnfinished bounds, per partition, the messages handed out and not finished
	// (no Ack yet): fetching pauses at it. Default: 1000.
	PartitionUnfinished int
	// PartitionWindow bounds, per partition, the window Committable has not passed: the
	// lowest unfinished message and all handed out after it, finished or not. Finished
	// messages behind an unfinished one (a record lingering in a partial batch) cost a
	// few bytes each and never stop the partition before this bound; it also bounds what
	// a crash reads again. Default: 20,000.
	PartitionWindow int
	// Room bounds the unfinished messages over the whole process (shared by its groups).
	// Optional: nil bounds nothing.
	Room           *Room
	CommitInterval time.Duration // How often done offsets are committed. Default: 1s.
	// DrainTimeout: how long a rebalance or shutdown waits for in-flight messages before the
	// generation's last commit. Below SessionTimeout and RebalanceTimeout, since kafka-go
	// stops heartbeating while a generation drains. Default: 10s.
	DrainTimeout time.Duration
	// StartOffset is where a partition without a committed offset starts: kafka.FirstOffset
	// (default) or kafka.LastOffset. StartOffsets overrides it per topic.
	StartOffset  int64
	StartOffsets map[string]int64
	// StallTimeout: a partition whose oldest unfinished message is older than this is
	// stalled: logged (naming the partition and offset) and reported to OnStall. Default 5m.
	StallTimeout time.Duration
	// NotBefore, optional, says when a message is expected to start being worked on, when
	// that is later than it is handed out (a retry due later): its age for StallTimeout
	// and OnOldest counts from then.
	NotBefore func(m *kafka.Message) time.Time

	// Group membership, passed to kafka-go's ConsumerGroupConfig (tests shorten them).
	HeartbeatInterval time.Duration // Default: 3s.
	SessionTimeout    time.Duration // Default: 30s.
	RebalanceTimeout  time.Duration // Default: 30s.
	JoinGroupBackoff  time.Duration // After a failed join, and after a message given back. Default: 1s, the Java client's retry.backoff.max.ms.

	Logger *zap.Logger // Default: no logs.

	// Optional metric hooks. They must not block. OnInFlight is called from any
	// goroutine (+1 as a message is handed out, -n as messages are acked or abandoned);
	// the others from the committing goroutine of each generation, every CommitInterval,
	// per partition:
	//   - OnCommit: each offset committed;
	//   - OnLag: the high-water mark of the last fetch minus the committable offset;
	//   - OnCommitLag: the messages finished but not covered by the committed offset (how
	//     far the commits trail the work; a crash would read them again);
	//   - OnOldest: the age of the oldest unfinished message (0: none), and 0 again when
	//     the generation ends;
	//   - OnStall: a partition became stalled (true), or is not any more (false; also
	//     when its generation ends).
	OnInFlight  func(delta int)
	OnCommit    func(topic string, partition int, offset int64)
	OnLag       func(topic string, partition int, lag int64)
	OnCommitLag func(topic string, partition int, lag int64)
	OnOldest    func(topic string, partition int, age time.Duration)
	OnStall     func(topic string, partition int, offset int64, age time.Duration, stalled bool)
}

// fetchMaxWait bounds a fetch's long poll, hence how long closing a partition's reader takes.
const fetchMaxWait = 500 * time.Millisecond

func (c Config) withDefaults() Config {
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
	def(&c.JoinGroupBackoff, time.Second)
	def(&c.StallTimeout, 5*time.Minute)
	if c.PartitionUnfinished == 0 {
		c.PartitionUnfinished = 1000
	}
	if c.PartitionWindow == 0 {
		c.PartitionWindow = 20000
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
func (c Config) Validate() error {
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
	add(c.PartitionUnfinished < 0, "PartitionUnfinished: %d is negative", c.PartitionUnfinished)
	add(c.PartitionWindow < 0, "PartitionWindow: %d is negative", c.PartitionWindow)
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"CommitInterval", c.CommitInterval}, {"DrainTimeout", c.DrainTimeout}, {"HeartbeatInterval", c.HeartbeatInterval},
		{"SessionTimeout", c.SessionTimeout}, {"RebalanceTimeout", c.RebalanceTimeout}, {"JoinGroupBackoff", c.JoinGroupBackoff},
		{"StallTimeout", c.StallTimeout}} {
		add(d.d < 0, "%s: %v is negative", d.name, d.d)
	}
	add(c.StartOffset != kafka.FirstOffset && c.StartOffset != kafka.LastOffset,
		"StartOffset: %d is neither kafka.FirstOffset nor kafka.LastOffset", c.StartOffset)
	for _, t := range slices.Sorted(maps.Keys(c.StartOffsets)) {
		o := c.StartOffsets[t]
		add(o != kafka.FirstOffset && o != kafka.LastOffset, "StartOffsets[%s]: %d is neither kafka.FirstOffset nor kafka.LastOffset", t, o)
		add(!slices.Contains(c.Topics, t), "StartOffsets[%s]: not one of Topics", t)
	}
	add(c.HeartbeatInterval >= c.SessionTimeout, "HeartbeatInterval: %v is not below SessionTimeout (%v)",
		c.HeartbeatInterval, c.SessionTimeout)
	add(c.DrainTimeout >= min(c.SessionTimeout, c.RebalanceTimeout),
		"DrainTimeout: %v is not below SessionTimeout (%v) and RebalanceTimeout (%v)", c.DrainTimeout, c.SessionTimeout, c.RebalanceTimeout)
	return errors.Join(errs...)
}

// startOffset is where a partition of topic without a committed offset starts.
func (c *Config) startOffset(topic string) int64 {
	if o, ok := c.StartOffsets[topic]; ok {
		return o
	}
	return c.StartOffset
}

// Run consumes cfg.Topics in group cfg.GroupID until ctx is cancelled, then drains
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
func Run(ctx context.Context, cfg Config, h Handler) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("group: invalid config: %w", err)
	}
	if h == nil {
		return errors.New("group: Run: nil Handler")
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
		return fmt.Errorf("consumer group %s: %w", cfg.GroupID, err)
	}
	for failures := 0; ; {
		gen, err := cg.Next(ctx)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			if fatalGroupError(err) {
				cg.Close()
				return fmt.Errorf("consumer group %s: %w", cfg.GroupID, err)
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
