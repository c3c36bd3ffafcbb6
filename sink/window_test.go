package sink

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// ringWindow is the window as first written: a ring of floor(r) answer times, filled
// with now when the account turns cold. It is the model the window must agree with.
type ringWindow struct {
	span   time.Duration
	ends   []time.Time
	oldest int
	last   time.Time
}

func newRingWindow(r float64) *ringWindow {
	n := max(1, int(math.Floor(r)))
	return &ringWindow{span: time.Duration(float64(n) / r * float64(time.Second)), ends: make([]time.Time, n)}
}

func (w *ringWindow) next(now time.Time) time.Time {
	if now.Sub(w.last) > w.span {
		for i := range w.ends {
			w.ends[i] = now
		}
		w.last = now
	}
	return w.ends[w.oldest].Add(w.span)
}

func (w *ringWindow) done(now time.Time) {
	w.ends[w.oldest] = now
	w.oldest = (w.oldest + 1) % len(w.ends)
	w.last = now
}

func TestWindowAgreesWithTheRingModel(t *testing.T) {
	for _, r := range []float64{0.5, 1, 3.5, 4, 10, 100} {
		w, model := newWindow(r), newRingWindow(r)
		now := time.Unix(1000, 0)
		for i := 0; i < 5000; i++ {
			// A request asks when it may leave, leaves then (or now), and is answered a
			// little later; sometimes the account is quiet for a while.
			now = now.Add(time.Duration(rand.N(int64(300 * time.Millisecond))))
			if rand.N(50) == 0 {
				now = now.Add(2 * time.Second)
			}
			got, want := w.next(now), model.next(now)
			if got.Before(now) && want.Before(now) {
				got, want = now, now // both: no wait
			}
			if !got.Equal(want) {
				t.Fatalf("rate %v, step %d: next = %v, the ring model says %v", r, i, got.Sub(now), want.Sub(now))
			}
			now = later(now, got).Add(time.Duration(rand.N(int64(20 * time.Millisecond))))
			w.done(now)
			model.done(now)
		}
	}
}

// A high rate costs memory for the requests really made, not for floor(rate) of them.
func TestWindowMemoryFollowsTheRequestsMade(t *testing.T) {
	w := newWindow(1e6)
	now := time.Unix(1000, 0)
	for i := 0; i < 10000; i++ {
		now = later(now, w.next(now)).Add(5 * time.Millisecond) // one request at a time, 5 ms each
		w.done(now)
	}
	if c := cap(w.ends); c > 1024 {
		t.Fatalf("a window of rate 1e6 after requests of 5 ms holds room for %d answer times, want those of the last second (~200)", c)
	}
}

// A cold account's wait starts when its first record arrives, so it runs while the
// record's batch lingers: asked a linger (a span) later, the window lets the push leave
// at once, not a span after it asked.
func TestWindowColdWaitRunsFromTheFirstArrival(t *testing.T) {
	w := newWindow(4)
	t0 := time.Unix(1000, 0)
	w.warm(t0)
	if at := w.next(t0.Add(time.Second)); at.After(t0.Add(time.Second)) {
		t.Fatalf("asked a second after the first arrival, the push may leave %v later, want at once", at.Sub(t0.Add(time.Second)))
	}
	if at := w.next(t0.Add(300 * time.Millisecond)); !at.Equal(t0.Add(time.Second)) {
		t.Fatalf("asked 300ms after the first arrival, the push may leave at +%v, want +1s", at.Sub(t0))
	}
	// Quiet again for more than a span after the cold wait: cold again.
	t1 := t0.Add(3 * time.Second)
	w.warm(t1)
	if at := w.next(t1); !at.Equal(t1.Add(time.Second)) {
		t.Fatalf("after a quiet span the push may leave at +%v, want +1s", at.Sub(t1))
	}
}
