package dlq

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/segmentio/kafka-go"
)

// setup opens the targets, loads the bookmark, and (unless a dry run) saves the first
// bookmark and the run's record.
func (r *replayer) setup(ctx context.Context) error {
	o := &r.o
	r.targets = map[string]string{}
	if o.Targets.To != "" {
		r.targets[o.Targets.To] = "--to"
	} else {
		r.targets[o.Targets.Replay] = "topics.replay"
		r.targets[o.Targets.Records] = "topics.records"
	}
	for name, setting := range r.targets {
		if _, err := OpenTopic(ctx, o.Conn, name, setting); err != nil {
			if errors.Is(err, ErrNoTopic) && setting == "topics.replay" {
				err = fmt.Errorf("%w; the map stage creates it when it starts with kafka.create_topics: true", err)
			}
			return err
		}
	}
	st := &State{Bookmarks: map[string]*Bookmark{}, Runs: map[string]*Run{}}
	if !o.DryRun {
		warning, err := EnsureReplaysTopic(ctx, o.Conn, o.Replays)
		if err != nil {
			return err
		}
		if warning != "" {
			o.Warn(warning)
		}
	}
	switch t, err := OpenTopic(ctx, o.Conn, o.Replays, "topics.replays"); {
	case errors.Is(err, ErrNoTopic) && o.DryRun: // no replay yet
	case err != nil:
		return err
	default:
		if st, err = LoadState(ctx, t); err != nil {
			return err
		}
	}
	r.next, r.forced = map[int]int64{}, map[int]int64{}
	if bm := st.Bookmarks[r.id]; bm != nil && !o.Restart {
		r.sum.Resumed = true
		r.bm = bm
		maps.Copy(r.next, bm.Next)
		maps.Copy(r.forced, bm.Forced)
		sent := map[string]bool{}
		if !bm.Final { // the last run may have sent more after the bookmark: find it
			var err error
			if sent, err = r.sentSince(ctx, bm.Ends); err != nil {
				return err
			}
		}
		// What was sent for an entry that a run may still examine (at or past Forced,
		// which is at or before Next) must stay findable until it is passed.
		r.sent, r.pending = sent, map[string]bool{}
		for c := range sent {
			if p, pos, ok := r.src.position(c); !ok || pos >= bm.Forced[p] {
				r.pending[c] = true
			}
		}
	}
	if o.DryRun {
		return nil
	}
	r.store = newStore(o.Conn, o.Replays)
	r.w = &kafka.Writer{Addr: kafka.TCP(o.Conn.Brokers...), Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll,
		BatchSize: 2 * batchSize, BatchTimeout: 2 * time.Millisecond, MaxAttempts: 1, Transport: transport(o.Conn)}
	if o.writer != nil {
		r.w = o.writer(r.w)
	}
	if r.bm == nil {
		if err := r.saveBookmark(ctx, false); err != nil {
			return err
		}
	}
	r.record = &Run{ReplayID: r.id, Source: r.sum.Source, Filter: r.sum.Filter, Targets: r.sum.Targets,
		Started: r.sum.Started, User: o.User, Host: o.Host, Status: RunRunning, Resumed: r.sum.Resumed}
	return r.store.saveRun(ctx, r.record)
}
