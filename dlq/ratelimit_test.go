package dlq

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestLimiterWindow: whatever the clock and the writes do, message i is let go a second
// or more after message i-n was acknowledged, and is never delayed when that is past;
// next asks for a write when message i-n is not acknowledged yet.
func TestLimiterWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 3, 100} {
		l := newLimiter(n)
		now := time.Date(2026, 1, 1, 0, 0, 0, 123456, time.UTC)
		var allowed, acked []time.Time
		write := func() { // the batch: every message let go and not acknowledged
			now = now.Add(time.Duration(rng.IntN(int(50 * time.Millisecond))))
			l.ack(len(allowed)-len(acked), now)
			for len(acked) < len(allowed) {
				acked = append(acked, now)
			}
		}
		for i := range 2000 {
			now = now.Add(time.Duration(rng.IntN(int(3 * time.Second / time.Duration(n)))))
			at, ok := l.next(now)
			if i >= n && len(acked) <= i-n {
				if ok {
					t.Fatalf("n=%d: message %d allowed before message %d was acknowledged", n, i, i-n)
				}
				write()
				if at, ok = l.next(now); !ok {
					t.Fatalf("n=%d: message %d not allowed after a write", n, i)
				}
			}
			if !ok || at.Before(now) {
				t.Fatalf("n=%d: message %d allowed at %v (%v) for now %v", n, i, at, ok, now)
			}
			if free := i < n || !acked[i-n].Add(time.Second).After(now); free != at.Equal(now) {
				t.Fatalf("n=%d: message %d allowed at %v, now %v, message %d acknowledged at %v", n, i, at, now, i-n, acked[i-n])
			}
			l.take()
			allowed = append(allowed, at)
			now = at
			if rng.IntN(4) == 0 {
				write()
			}
		}
		write()
		for i := n; i < len(allowed); i++ {
			if d := allowed[i].Sub(acked[i-n]); d < time.Second {
				t.Fatalf("n=%d: message %d let go %v after message %d was acknowledged", n, i, d, i-n)
			}
		}
	}
	var none *limiter
	if now := time.Now(); func() bool { at, ok := none.next(now); return !ok || at.After(now) }() {
		t.Error("no limit waits")
	}
	none.take()
	none.ack(3, time.Now())
}
