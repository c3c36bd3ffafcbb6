package ometriatest

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Two limits guard a push, both per account and both answering 429:
//
//   - a token bucket (golang.org/x/time/rate) of Account.RateLimit (or Config.RateLimit)
//     requests per second and Config.Burst tokens. Every authenticated push that gets past the
//     faults takes a token, whatever its outcome.
//   - the asynchronous backlog: Ometria queues pushed records and answers 429 when more than
//     50,000 wait. A push whose records would take the queue above Config.BacklogLimit answers
//     429; otherwise all its records, accepted and rejected, join the queue (Ometria validates
//     asynchronously). The queue drains at Config.BacklogDrain records per second, computed
//     lazily from Config.Now, so no goroutine runs.
//
// Every answer to an authenticated push carries X-QueueSize-Limit (the backlog limit) and
// X-QueueSize-Remaining (the limit minus the records queued, after this push).

// backlog is the simulated asynchronous queue of one account.
type backlog struct {
	queued float64   // records waiting
	at     time.Time // when queued was last brought up to date
}

// drain brings the queue up to date at now.
func (b *backlog) drain(now time.Time, perSecond float64) {
	if !b.at.IsZero() && now.After(b.at) {
		b.queued = math.Max(0, b.queued-perSecond*now.Sub(b.at).Seconds())
	}
	if b.at.IsZero() || now.After(b.at) {
		b.at = now
	}
}

// size returns the number of records waiting, rounded up.
func (b *backlog) size() int {
	return int(math.Ceil(b.queued - 1e-9))
}

// takeToken takes a token from a's bucket at now. When none is left it returns false and how
// long until one is. The caller holds e.mu.
func (e *Emulator) takeToken(a *account, now time.Time) (bool, time.Duration) {
	if a.limiter.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - a.limiter.TokensAt(now)
	return false, time.Duration(missing / float64(a.limiter.Limit()) * float64(time.Second))
}

// admit checks whether n more records fit in a's backlog at now and queues them if so. When
// they do not fit it returns false and how long until they would. The caller holds e.mu.
func (e *Emulator) admit(a *account, n int, now time.Time) (bool, time.Duration) {
	a.queue.drain(now, e.cfg.BacklogDrain)
	excess := a.queue.queued + float64(n) - float64(e.cfg.BacklogLimit)
	if excess > 1e-9 {
		return false, time.Duration(excess / e.cfg.BacklogDrain * float64(time.Second))
	}
	a.queue.queued += float64(n)
	return true, 0
}

// setQueueHeaders sets X-QueueSize-Limit and X-QueueSize-Remaining for a at now. The caller
// holds e.mu.
func (e *Emulator) setQueueHeaders(w http.ResponseWriter, a *account, now time.Time) {
	a.queue.drain(now, e.cfg.BacklogDrain)
	remaining := max(0, e.cfg.BacklogLimit-a.queue.size())
	w.Header().Set("X-QueueSize-Limit", strconv.Itoa(e.cfg.BacklogLimit))
	w.Header().Set("X-QueueSize-Remaining", strconv.Itoa(remaining))
}

// setRetryAfter sets Retry-After to wait in whole seconds, rounded up and at least 1, when
// Config.RetryAfter is on.
func (e *Emulator) setRetryAfter(w http.ResponseWriter, wait time.Duration) {
	if !e.cfg.RetryAfter {
		return
	}
	secs := max(1, int64(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
}
