package dlq

import "time"

// limiter keeps a replay under n messages a second by a sliding window: it remembers
// when each of the last n messages was allowed, and allows the next one a second after
// the oldest of them. Times are whole milliseconds (a Kafka timestamp's precision), so
// no window of one second, [t, t+1s), ever holds more than n message timestamps.
type limiter struct {
	n      int
	times  []time.Time // ring of the last n allowed times
	oldest int
	count  int
}

func newLimiter(n int) *limiter {
	if n <= 0 {
		return nil
	}
	return &limiter{n: n, times: make([]time.Time, n)}
}

// next returns when the next message may go, given the time now: now's millisecond, or
// later.
func (l *limiter) next(now time.Time) time.Time {
	t := now.Round(0).Truncate(time.Millisecond)
	if l == nil || l.count < l.n {
		return t
	}
	if earliest := l.times[l.oldest].Add(time.Second); earliest.After(t) {
		return earliest
	}
	return t
}

// take records that a message was allowed at t (a time next returned).
func (l *limiter) take(t time.Time) {
	if l == nil {
		return
	}
	l.times[l.oldest] = t
	l.oldest = (l.oldest + 1) % l.n
	l.count++
}
