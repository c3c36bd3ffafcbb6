package dlq

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/processor"
)

// flush writes the batch. A write that reports an error may still have written some of
// it: before each new attempt, the targets are read from the last bookmark's ends to find
// what arrived, and only the rest is written again.
func (r *replayer) flush(ctx context.Context) error {
	if len(r.batch) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, len(r.batch))
	for i := range r.batch {
		msgs[i] = r.batch[i].m
	}
	for attempt := 1; ; attempt++ {
		err := r.w.WriteMessages(ctx, msgs...)
		if err == nil {
			break
		}
		if ctx.Err() != nil || attempt == writeTries {
			r.broken = true
			return fmt.Errorf("replaying to %s: %w", r.sum.Targets, err)
		}
		r.o.Warn(fmt.Sprintf("replaying: a write failed (%v); checking what arrived and trying again", err))
		if err := sleep(ctx, time.Duration(attempt)*500*time.Millisecond); err != nil {
			r.broken = true
			return err
		}
		arrived, err := r.sentSince(ctx, r.bm.Ends)
		if err != nil {
			r.broken = true
			return err
		}
		rest := msgs[:0]
		for _, m := range msgs {
			if !arrived[headerOf(m, processor.HeaderReplayOf)] {
				rest = append(rest, m)
			}
		}
		if msgs = rest; len(msgs) == 0 {
			break
		}
	}
	r.limiter.ack(len(r.batch), r.o.Now())
	c := &r.counts
	for _, q := range r.batch {
		c.Sent++
		c.SentTo[q.m.Topic]++
		c.ByReason[q.reason]++
	}
	r.batch = r.batch[:0]
	if r.o.crash != nil && r.o.crash(r.counts.Sent) {
		return errCrashed
	}
	return nil
}

// saveBookmark saves where the replay got to; the batch must be empty. The targets' ends
// are taken now, unless entries sent by an earlier run lie ahead (pending): their
// messages lie before the current ends, so the bookmark keeps the ends of the last one.
// final is set by the last save of a run, when nothing more will be sent.
func (r *replayer) saveBookmark(ctx context.Context, final bool) error {
	ends := map[string]map[int]int64{}
	if r.bm != nil && len(r.pending) > 0 {
		ends = r.bm.Ends
	} else {
		for name, setting := range r.targets {
			t, err := OpenTopic(ctx, r.o.Conn, name, setting)
			if err != nil {
				return err
			}
			ends[name] = t.Ends()
		}
	}
	b := &Bookmark{ReplayID: r.id, Source: r.sum.Source, Filter: r.sum.Filter, Next: maps.Clone(r.next), Forced: maps.Clone(r.forced), Ends: ends,
		Done: r.completed && r.sum.Status == RunDone, Final: final && len(r.pending) == 0, Updated: r.o.Now().UTC()}
	if err := r.store.saveBookmark(ctx, b); err != nil {
		return err
	}
	r.bm, r.lastSave = b, time.Now()
	if r.record != nil {
		r.record.Counts = r.counts
		return r.store.saveRun(ctx, r.record)
	}
	return nil
}

// sentSince reads the targets from ends (a partition without an end: from its start) to
// their current end and returns the coordinates of the entries this replay sent there.
func (r *replayer) sentSince(ctx context.Context, ends map[string]map[int]int64) (map[string]bool, error) {
	out := map[string]bool{}
	for name, setting := range r.targets {
		t, err := OpenTopic(ctx, r.o.Conn, name, setting)
		if err != nil {
			return nil, err
		}
		for _, p := range t.Partitions {
			from := p.Start
			if e, ok := ends[name][p.ID]; ok {
				from = max(from, e)
			}
			err := t.Read(ctx, p.ID, from, p.End, func(m kafka.Message) error {
				if headerOf(m, processor.HeaderReplayID) == r.id {
					out[headerOf(m, processor.HeaderReplayOf)] = true
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// finish, after the scan, writes what is left, saves the last bookmark (unless a write
// failed: the one saved before stands) and the run's record, and closes the writers.
func (r *replayer) finish(runErr error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var err error
	if !r.broken {
		if err = r.flush(ctx); err == nil {
			err = r.saveBookmark(ctx, true)
		}
	}
	if err != nil && runErr == nil {
		r.sum.Status = RunFailed
	}
	if r.record != nil {
		r.record.Status, r.record.Ended, r.record.Counts = r.sum.Status, r.o.Now().UTC(), r.counts
		if e := runErr; e != nil || err != nil {
			if e == nil {
				e = err
			}
			r.record.Error = e.Error()
		}
		if serr := r.store.saveRun(ctx, r.record); err == nil {
			err = serr
		}
	}
	r.w.Close()
	r.store.close()
	return err
}
