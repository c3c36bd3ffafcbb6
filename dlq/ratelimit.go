package dlq

import "time"

// limiter keeps a replay under n messages a second as the broker receives them, by a
// sliding window over acknowledgements: message i is let go (queued, then handed to the
// writer) no sooner than a second after the write of message i-n was acknowledged. The
// broker appended message i-n before it acknowledged it, and appends message i after it
// is handed over: so the broker's times of any n+1 messages span a second or more, and no
// second, [t, t+1s), holds more than n of them.
type limiter struct {
	n     int64
	acked []time.Time // ring: slot j%n holds when message j was acknowledged
	taken int64       // messages let go
	done  int64       // messages acknowledged: the first done of those let go
}

func newLimiter(n int) *limiter {
	if n <= 0 {
		return nil
	}
	return &limiter{n: int64(n), acked: make([]time.Time, n)}
}

// next returns when the next message may go, given the time now: now, or later. ok is
// false when it depends on a message not acknowledged yet: that one must be written first.
func (l *limiter) next(now time.Time) (at time.Time, ok bool) {
	if l == nil || l.taken < l.n {
		return now, true
	}
	j := l.taken - l.n // the message n before the next
	if j >= l.done {
		return time.Time{}, false
	}
	if earliest := l.acked[j%l.n].Add(time.Second); earliest.After(now) {
		return earliest, true
	}
	return now, true
}

// take records that a message was let go (at a time next returned).
func (l *limiter) take() {
	if l != nil {
		l.taken++
	}
}

// ack records that the k oldest messages let go and not acknowledged yet were
// acknowledged at t.
func (l *limiter) ack(k int, t time.Time) {
	if l == nil {
		return
	}
	for range min(int64(k), l.taken-l.done) {
		l.acked[l.done%l.n] = t
		l.done++
	}
}
