package dlq

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestLimiterWindow: whatever the clock does, no second of the allowed times holds more
// than n, and a message is never delayed when the window has room.
func TestLimiterWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 3, 100} {
		l := newLimiter(n)
		now := time.Date(2026, 1, 1, 0, 0, 0, 123456, time.UTC)
		var times []time.Time
		for range 2000 {
			now = now.Add(time.Duration(rng.IntN(int(3 * time.Second / time.Duration(n)))))
			at := l.next(now)
			if at.Before(now.Truncate(time.Millisecond)) || at.Nanosecond()%int(time.Millisecond) != 0 {
				t.Fatalf("n=%d: allowed at %v for now %v", n, at, now)
			}
			l.take(at)
			times = append(times, at)
			if at.After(now) {
				now = at
			}
		}
		for i := n; i < len(times); i++ {
			if times[i].Sub(times[i-n]) < time.Second {
				t.Fatalf("n=%d: %d messages within %v", n, n+1, times[i].Sub(times[i-n]))
			}
		}
	}
	var none *limiter
	if now := time.Now(); none.next(now).After(now) {
		t.Error("no limit waits")
	}
}
