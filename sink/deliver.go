package sink

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
	"go.uber.org/zap"
)

// badRecord is a record isolated as rejected, with the push that isolated it.
type badRecord struct {
	rec       Record
	status    int
	requestID string
}

// deliver pushes recs (one account, one @type) until every record has its fate.
func (s *Sink) deliver(a *account, typ string, recs []Record) {
	var bad []badRecord
	s.split(a, recs, &bad)
	if len(bad) > 0 {
		s.reject(a, typ, bad)
	}
}

// abandoned reports whether a record of recs was abandoned by its caller. The records of
// one push share an account, hence a Kafka partition, hence their fate.
func abandoned(recs []Record) bool {
	for _, r := range recs {
		if r.Ctx != nil && r.Ctx.Err() != nil {
			return true
		}
	}
	return false
}

// split pushes recs and gives every record its fate.
func (s *Sink) split(a *account, recs []Record, bad *[]badRecord) {
	if abandoned(recs) {
		s.finish(recs, a.name, ErrNotDone, NotDone)
		return
	}
	if a.isDown() {
		s.finish(recs, a.name, ErrAccountUnavailable, Unavailable)
		return
	}
	res := s.send(a, recs)
	switch res.verdict {
	case vAccepted:
		s.accept(a, recs)
	case vSomeBad:
		if res.status < 300 { // Ometria took the others: only the rejected ones need finding
			s.isolate(a, recs, res, bad)
			return
		}
		// A 400 refused the whole push: push each half in turn (pushing twice is
		// harmless, Ometria upserts by id) until the bad records are alone.
		if len(recs) == 1 {
			*bad = append(*bad, badRecord{rec: recs[0], status: res.status, requestID: res.requestID})
			return
		}
		mid := len(recs) / 2
		s.split(a, recs[:mid], bad)
		s.split(a, recs[mid:], bad)
	default:
		s.fail(a, recs, res)
	}
}

// isolate finds the res.rejected bad records among recs, whose push Ometria answered
// with 2xx: it accepted the others. It pushes the first half again: the number that half
// gets rejected tells how many bad records the second half holds, so the second half is
// pushed again only to split it further. One bad record in 100 costs about 7 pushes.
func (s *Sink) isolate(a *account, recs []Record, res pushResult, bad *[]badRecord) {
	if res.rejected >= len(recs) || len(recs) == 1 {
		for _, r := range recs {
			*bad = append(*bad, badRecord{rec: r, status: res.status, requestID: res.requestID})
		}
		return
	}
	if res.rejected <= 0 {
		s.accept(a, recs)
		return
	}
	mid := len(recs) / 2
	left, right := recs[:mid], recs[mid:]
	if a.isDown() {
		s.finish(recs, a.name, ErrAccountUnavailable, Unavailable)
		return
	}
	lres := s.send(a, left)
	switch {
	case lres.verdict == vAccepted:
		s.accept(a, left)
		s.isolate(a, right, res, bad)
	case lres.verdict == vSomeBad && lres.status < 300:
		rres := res
		rres.rejected = res.rejected - lres.rejected
		s.isolate(a, left, lres, bad)
		s.isolate(a, right, rres, bad)
	case lres.verdict == vSomeBad: // a 400 for the half: fall back to pushing halves
		s.split(a, left, bad)
		s.split(a, right, bad)
	default:
		s.fail(a, left, lres)
		s.split(a, right, bad)
	}
}

// accept reports recs accepted, and an account whose key works again.
func (s *Sink) accept(a *account, recs []Record) {
	if a.accepted() {
		s.log.Warn("Ometria account available again: its API key was accepted", zap.String("account", a.name))
		s.metrics.AccountUnavailable(a.name, false)
	}
	s.finish(recs, a.name, nil, Accepted)
}

// fail reports recs failed by a push that ended in a refused key, a spent retry budget
// or a shutdown.
func (s *Sink) fail(a *account, recs []Record, res pushResult) {
	switch res.verdict {
	case vForbidden:
		wait := a.refused()
		s.log.Error("Ometria refused the account's API key (403): its records are parked until the key works",
			zap.String("account", a.name), zap.Int("records", len(recs)), zap.Duration("probe_in", wait))
		s.metrics.AccountUnavailable(a.name, true)
		s.finish(recs, a.name, ErrAccountUnavailable, Unavailable)
	case vRetry:
		s.log.Error("pushing to Ometria kept failing: the retry budget is spent, the records are parked",
			zap.String("account", a.name), zap.Int("records", len(recs)), zap.Int("attempts", s.cfg.MaxAttempts), zap.Error(res.err))
		s.finish(recs, a.name, fmt.Errorf("%w after %d attempts: %v", ErrRetriesExhausted, s.cfg.MaxAttempts, res.err), Exhausted)
	default: // vStopped
		s.finish(recs, a.name, ErrNotDone, NotDone)
	}
}

// send pushes recs, retrying retryable failures with exponential backoff and jitter, or
// after the Retry-After the answer asked for (capped at MaxRetryAfter).
func (s *Sink) send(a *account, recs []Record) pushResult {
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = s.cfg.RetryInitial
	bo.MaxInterval = s.cfg.RetryMax
	bo.MaxElapsedTime = 0 // MaxAttempts bounds the retries
	bo.Reset()
	for attempt := 1; ; attempt++ {
		if abandoned(recs) {
			return pushResult{verdict: vStopped, err: ErrNotDone}
		}
		res := s.push(a, recs)
		if res.verdict != vRetry || attempt >= s.cfg.MaxAttempts {
			return res
		}
		wait := bo.NextBackOff()
		if res.retryAfter > 0 {
			wait = min(res.retryAfter, s.cfg.MaxRetryAfter)
		}
		s.metrics.Retry(a.name, retryReason(res))
		s.log.Debug("retrying a push", zap.String("account", a.name), zap.Int("attempt", attempt),
			zap.Duration("wait", wait), zap.Error(res.err))
		if !sleep(s.ctx, wait) {
			return pushResult{verdict: vStopped, err: ErrNotDone}
		}
	}
}

func retryReason(res pushResult) string {
	switch {
	case res.status == 429:
		return "429"
	case res.status >= 500:
		return "5xx"
	case res.status != 0:
		return fmt.Sprint(res.status)
	case isTimeout(res.err):
		return "timeout"
	}
	return "network"
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// sleep waits d, or less when ctx is done; it reports whether the whole wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// reject fails the isolated bad records permanently, with Ometria's own error for each
// when GET /v2/push/_errors has one.
func (s *Sink) reject(a *account, typ string, bad []badRecord) {
	ids := make(map[string]string, len(bad))
	for _, b := range bad {
		ids[b.rec.ID] = b.requestID
	}
	found := s.errorsFor(a, ids)
	s.log.Warn("Ometria rejected records", zap.String("account", a.name), zap.String("type", typ), zap.Int("records", len(bad)))
	for _, b := range bad {
		err := found[b.rec.ID]
		if err == nil {
			err = &RejectedError{}
		}
		err.Status = b.status
		err.RequestID = b.requestID
		s.finish([]Record{b.rec}, a.name, err, Rejected)
	}
}

// isDown reports whether the account's key was refused and its wait is not over.
func (a *account) isDown() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return time.Now().Before(a.downUntil)
}
