package dlq

import (
	"context"
	"errors"
	"time"

	"github.com/segmentio/kafka-go"
)

const (
	batchSize  = 500                    // messages per write
	batchWait  = 100 * time.Millisecond // a partial batch is written after this long
	saveEvery  = time.Second            // the bookmark is saved this often
	writeTries = 5
)

// replayer is one run of a replay.
type replayer struct {
	o       ReplayOptions
	src     source
	id      string
	sum     Summary
	counts  Counts
	limiter *limiter
	prog    Progress

	store   *store            // nil in a dry run
	w       messageWriter     // nil in a dry run
	targets map[string]string // target topic -> its setting, for errors
	record  *Run              // this run's record

	bm   *Bookmark     // the last bookmark saved (or loaded)
	next map[int]int64 // per partition, the next position to examine
	// forced is, per partition, where entries left for max_replays have been considered
	// with --force up to (Bookmark.Forced).
	forced map[int]int64
	// sent holds the coordinates this replay sent in earlier runs (or that arrived from a
	// write that reported an error); pending, those of them not passed yet: while there
	// are some, a bookmark keeps the target ends of the one it replaces.
	sent, pending map[string]bool

	batch      []queued
	batchStart time.Time
	queued     int64 // sent and in the batch
	lastSave   time.Time
	broken     bool // a write failed: the bookmark saved last is the one to resume from
	completed  bool // every entry was examined
	started    bool // set up: from now on the run has a summary
}

// messageWriter is what a replay writes its messages with, a *kafka.Writer: a write
// returns once every message of it is acknowledged.
type messageWriter interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
	Close() error
}

type queued struct {
	m      kafka.Message
	reason string
}

// run examines the entries and sends those to replay. With --force after an earlier run,
// it first goes back over the entries that run examined, for those it left because they
// had been replayed max_replays times (Bookmark.Forced).
func (r *replayer) run(ctx context.Context) error {
	if err := r.setup(ctx); err != nil {
		return err
	}
	r.started = true
	var catchUp, spans []span
	var total int64
	for _, s := range r.src.spans(&r.o.Filter) {
		next, ok := r.next[s.partition]
		if !ok || next <= s.from {
			spans = append(spans, s)
			total += s.to - s.from
			continue
		}
		next = min(next, s.to)
		if cu := (span{s.partition, max(s.from, r.forced[s.partition]), next}); r.o.Force && cu.from < cu.to {
			catchUp = append(catchUp, cu)
			total += cu.to - cu.from
		}
		r.counts.Before += next - s.from
		spans = append(spans, span{s.partition, next, s.to})
		total += s.to - next
	}
	if r.o.Progress != nil && total > 0 {
		r.prog = r.o.Progress(total)
		defer r.prog.Finish()
	}
	r.sum.Status = RunDone
	for _, s := range catchUp {
		err := r.src.read(ctx, s, func(e *Entry, pos int64) error { return r.catchUp(ctx, s.partition, e, pos) })
		if err != nil {
			return r.stopped(err)
		}
		r.forced[s.partition] = s.to
	}
	for _, s := range spans {
		err := r.src.read(ctx, s, func(e *Entry, pos int64) error { return r.handle(ctx, s.partition, e, pos) })
		if err != nil {
			return r.stopped(err)
		}
		r.next[s.partition] = max(r.next[s.partition], s.to)
		if r.o.Force {
			r.forced[s.partition] = r.next[s.partition]
		}
	}
	r.completed = true
	return nil
}

// stopped turns the end of a read into run's result: --limit is not an error.
func (r *replayer) stopped(err error) error {
	if errors.Is(err, errLimit) {
		r.sum.Status = RunLimit
		return nil
	}
	return err
}

// handle examines one entry at position pos of partition.
func (r *replayer) handle(ctx context.Context, partition int, e *Entry, pos int64) error {
	o, c := &r.o, &r.counts
	if err := r.maybeSave(ctx); err != nil {
		return err
	}
	if !o.Filter.Match(e) {
		r.examined(partition, pos)
		return nil
	}
	coord := e.Coordinates()
	delete(r.pending, coord)
	target := o.Targets.Target(e)
	var left *int64
	switch {
	case r.sent[coord]:
		r.examined(partition, pos)
		c.Matched++
		c.AlreadySent++
		return nil
	case e.Truncated:
		left = &c.Truncated
	case target == "":
		left = &c.NoTarget
	case e.ReplayCount >= int64(o.MaxReplays) && !o.Force:
		left = &c.MaxReplays
	case o.Limit > 0 && r.queued >= int64(o.Limit):
		return errLimit // not examined: the next run starts with it
	}
	if left != nil {
		r.examined(partition, pos)
		c.Matched++
		*left++
		c.LeftBy[orNone(e.Reason)]++
		return nil
	}
	// Its turn first: interrupted while waiting, the entry is not examined.
	at, err := r.turn(ctx)
	if err != nil {
		return err
	}
	r.examined(partition, pos)
	c.Matched++
	return r.send(ctx, e, target, at)
}

// catchUp examines again, with --force, an entry an earlier run examined: only one it
// left for having been replayed max_replays times is sent now.
func (r *replayer) catchUp(ctx context.Context, partition int, e *Entry, pos int64) error {
	o := &r.o
	if err := r.maybeSave(ctx); err != nil {
		return err
	}
	if r.prog != nil {
		r.prog.Add(1)
	}
	coord := e.Coordinates()
	delete(r.pending, coord)
	target := o.Targets.Target(e)
	if !o.Filter.Match(e) || r.sent[coord] || e.Truncated || target == "" || e.ReplayCount < int64(o.MaxReplays) {
		r.forced[partition] = pos + 1
		return nil
	}
	if o.Limit > 0 && r.queued >= int64(o.Limit) {
		return errLimit
	}
	at, err := r.turn(ctx)
	if err != nil {
		return err
	}
	r.forced[partition] = pos + 1
	r.counts.Matched++
	return r.send(ctx, e, target, at)
}

// maybeSave writes the batch and saves the bookmark when it is time to.
func (r *replayer) maybeSave(ctx context.Context) error {
	if r.o.DryRun || time.Since(r.lastSave) < saveEvery {
		return nil
	}
	if err := r.flush(ctx); err != nil {
		return err
	}
	return r.saveBookmark(ctx, false)
}

// turn waits until the rate lets the next message go and returns its time (a dry run
// does not wait). When that depends on a message still in the batch, the batch is
// written first, for its acknowledgement.
func (r *replayer) turn(ctx context.Context) (time.Time, error) {
	now := r.o.Now()
	if r.o.DryRun {
		return now, nil
	}
	at, ok := r.limiter.next(now)
	if !ok {
		if err := r.flush(ctx); err != nil {
			return now, err
		}
		now = r.o.Now()
		at, _ = r.limiter.next(now) // every message is acknowledged now
	}
	if wait := at.Sub(now); wait > 0 {
		if wait >= 10*time.Millisecond { // not holding the batch back while waiting
			if err := r.flush(ctx); err != nil {
				return at, err
			}
		}
		if err := sleep(ctx, at.Sub(r.o.Now())); err != nil {
			return at, err
		}
	}
	r.limiter.take()
	return at, nil
}

// send queues the replay of e to target, at the time turn gave.
func (r *replayer) send(ctx context.Context, e *Entry, target string, at time.Time) error {
	o, c := &r.o, &r.counts
	r.queued++
	if o.DryRun {
		c.Sent++
		c.SentTo[target]++
		c.ByReason[orNone(e.Reason)]++
		return nil
	}
	if len(r.batch) == 0 {
		r.batchStart = time.Now()
	}
	r.batch = append(r.batch, queued{ReplayMessage(e, target, o.Targets.RoutingHeader, r.id, at), orNone(e.Reason)})
	if len(r.batch) >= batchSize || time.Since(r.batchStart) >= batchWait {
		return r.flush(ctx)
	}
	return nil
}

func (r *replayer) examined(partition int, pos int64) {
	r.counts.Examined++
	r.next[partition] = pos + 1
	if r.o.Force {
		r.forced[partition] = pos + 1
	}
	if r.prog != nil {
		r.prog.Add(1)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
