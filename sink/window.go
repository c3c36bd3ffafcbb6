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
// first. The wait starts when the account's first record arrives (warm), so that it
// runs while that record's batch lingers: a push after a quiet second leaves a second
// after its first record came, or at the end of its linger, whichever is later.
//
// For a rate r it allows n = max(1, floor(r)) answers per span of n/r. It keeps only the
// answer times that can still matter, the last n within the last span, so its memory
// follows the requests the account really makes (one at a time: at most about one per
// round trip), not its configured rate: a rate of 1e6 costs what a rate of 4 does.
type window struct {
	n         int
	span      time.Duration
	ends      []time.Time // answer times within the last span, oldest first; at most n
	last      time.Time   // the latest answer, or the start of a cold wait
	coldUntil time.Time   // after a quiet span: no request leaves before this
}

// warm starts a cold wait at now if the account has been quiet for a span: since its
// last answer, and since the end of its last cold wait. next calls it, and so does the
// arrival of a record for an account whose worker is not running.
func (w *window) warm(now time.Time) {
	if now.Sub(later(w.last, w.coldUntil)) > w.span { // cold: as if the account had just been busy elsewhere
		w.coldUntil = now.Add(w.span)
		w.ends = w.ends[:0]
		w.last = now
	}
}

func newWindow(r float64) window {
	n := max(1, int(math.Floor(r)))
	return window{n: n, span: time.Duration(float64(n) / r * float64(time.Second))}
}

// next is the earliest moment the next request may leave, asked at now.
func (w *window) next(now time.Time) time.Time {
	w.warm(now)
	w.forget(now)
	at := w.coldUntil
	if len(w.ends) >= w.n {
		at = later(at, w.ends[len(w.ends)-w.n].Add(w.span))
	}
	return at
}

// done records the answer (or failure), at now, of the request that just ended.
func (w *window) done(now time.Time) {
	w.forget(now)
	if len(w.ends) == w.n {
		w.ends = w.ends[1:]
	}
	w.ends = append(w.ends, now)
	w.last = now
}

// forget drops the answers older than a span: they can no longer hold a request back.
func (w *window) forget(now time.Time) {
	i := 0
	for i < len(w.ends) && now.Sub(w.ends[i]) >= w.span {
		i++
	}
	w.ends = w.ends[i:]
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
