package dlq

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/kafka-ometria/kafka-ometria/processor"
)

// ReplayOptions configure a replay.
type ReplayOptions struct {
	Conn       *processor.Connection
	DeadLetter string // topics.dead_letter: the entries, unless File is set
	File       string // entries exported to a file (--from), instead of the topic
	Replays    string // topics.replays: bookmarks and records
	Targets    Targets
	Filter     Filter
	MaxReplays int  // dlq.max_replays: an entry replayed this many times is left, unless Force
	Force      bool // replay entries at MaxReplays too
	DryRun     bool // count what would be sent; write nothing
	Restart    bool // ignore the bookmark: examine every entry again
	Rate       int  // messages a second at most; 0: no limit
	Limit      int  // messages to send at most; 0: no limit
	User, Host string
	// Progress, when set, is called once the number of entries to examine is known.
	Progress func(total int64) Progress
	// Warn, when set, receives warnings (a replays topic that is not compacted, ...).
	Warn func(string)
	Now  func() time.Time // default time.Now

	// crash, in tests, ends the replay as a kill would, right after a write is
	// acknowledged and before anything else, when it returns true (given the messages
	// this run sent so far).
	crash func(sent int64) bool
	// writer, in tests, wraps the writer the replay writes its messages with.
	writer func(messageWriter) messageWriter
}

// Progress shows how many entries were examined.
type Progress interface {
	Add(n int)
	Finish()
}

// ReplayID names a replay: the same source, filter and targets give the same id, so a
// replay started again finds its bookmark.
func ReplayID(source, filter, targets string) string {
	h := sha256.Sum256([]byte("kafka-ometria dlq replay v1\x00" + source + "\x00" + filter + "\x00" + targets))
	return hex.EncodeToString(h[:8])
}

// Replay sends the entries the filter selects back to the stage that failed them, at
// most once each across interruptions: see Bookmark. Once it has started sending, the
// summary is returned with any error (ctx cancelled: status interrupted); an error
// before (a setting, a topic, a file) comes without one.
func Replay(ctx context.Context, o ReplayOptions) (*Summary, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	if o.Targets.To != "" && o.Targets.To == o.DeadLetter {
		return nil, fmt.Errorf("--to %s is the dead-letter topic (topics.dead_letter)", o.To())
	}
	var src source
	if o.File != "" {
		fs, err := openFile(o.File)
		if err != nil {
			return nil, err
		}
		src = fs
	} else {
		t, err := OpenTopic(ctx, o.Conn, o.DeadLetter, "topics.dead_letter")
		if err != nil {
			return nil, err
		}
		src = topicSource{t}
	}
	r := &replayer{o: o, src: src, counts: newCounts(), limiter: newLimiter(o.Rate)}
	r.id = ReplayID(src.identity(), o.Filter.Canonical(), o.Targets.String())
	r.sum = Summary{ReplayID: r.id, Source: src.String(), Filter: o.Filter.String(), Targets: o.Targets.String(),
		DryRun: o.DryRun, Started: o.Now().UTC(), Status: RunRunning}
	err := r.run(ctx)
	if err != nil && !r.started {
		if r.store != nil {
			r.w.Close()
			r.store.close()
		}
		return nil, err // nothing was sent
	}
	switch {
	case err == nil:
	case errors.Is(err, errCrashed):
		r.w.Close()
		r.store.close()
		r.sum.Counts = r.counts
		return &r.sum, err
	case ctx.Err() != nil:
		r.sum.Status = RunInterrupted
		err = fmt.Errorf("interrupted: %w", context.Cause(ctx))
	default:
		r.sum.Status = RunFailed
	}
	if r.store != nil {
		if ferr := r.finish(err); err == nil {
			err = ferr
		}
	}
	r.sum.Ended = o.Now().UTC()
	r.sum.Counts = r.counts
	return &r.sum, err
}

// To is the --to target, for messages.
func (o *ReplayOptions) To() string { return o.Targets.To }

// errCrashed ends a replay as a kill would (tests).
var errCrashed = errors.New("crashed (test)")

// errLimit ends the scan at --limit.
var errLimit = errors.New("limit reached")
