package sink

import (
	"math"
	"time"
)

// window keeps an account under its rate as Ometria counts it: by the arrival of
// requests. The token bucket spaces the moments requests leave; but a request arrives
// some time after it leaves, and how long varies (a dial, scheduling, the network), so
// a late arrival followed by a prompt one can put more than the rate within one second.
// What is certain is that a request arrives between the moment it leaves and the moment
// its answer comes back. So, for a rate of n requests per second, the window lets a
// request leave only one second after the answer to the request n places before it:
// then no n+1 arrivals can fall within one second, whatever the delays. Against a
// nearby server this costs nothing; against a slow one it costs a round trip per second.
//
// An account that has been quiet for a span starts cold: its next request waits a span,
// as if n requests had just been answered. That is what keeps the rate when an account
// moves between processes (a Kafka rebalance): the process taking it over cannot see the
// requests the other one made in the last second, so it waits one second before its
// first. The cost is one extra second for a push after a quiet second.
//
// For a rate r it keeps the last n = max(1, floor(r)) answer times and a span of n/r.
type window struct {
	span   time.Duration
	ends   []time.Time // ring of the last n answer times
	oldest int         // the oldest entry of ends
	last   time.Time   // the latest answer
}

func newWindow(r float64) window {
	n := max(1, int(math.Floor(r)))
	return window{span: time.Duration(float64(n) / r * float64(time.Second)), ends: make([]time.Time, n)}
}

// next is the earliest moment the next request may leave.
func (w *window) next() time.Time {
	if now := time.Now(); now.Sub(w.last) > w.span {
		for i := range w.ends { // cold: as if the account had just been busy elsewhere
			w.ends[i] = now
		}
		w.last = now
	}
	return w.ends[w.oldest].Add(w.span)
}

// done records the answer (or failure) of the request that just ended.
func (w *window) done() {
	now := time.Now()
	w.ends[w.oldest] = now
	w.oldest = (w.oldest + 1) % len(w.ends)
	w.last = now
}
