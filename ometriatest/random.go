package ometriatest

import (
	"fmt"
	"math/rand/v2"
	"sync"
)

// lockedRand is a math/rand/v2 source safe for concurrent use. It draws faults and request ids,
// so a fixed Config.Seed makes a test's faults reproducible.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

// newLockedRand seeds a PCG source with seed, or with a random seed when seed is 0.
func newLockedRand(seed int64) *lockedRand {
	s := uint64(seed)
	if seed == 0 {
		s = rand.Uint64()
	}
	return &lockedRand{r: rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))}
}

// hit reports whether an event of probability p happens. It draws nothing when p <= 0, so a
// fault left at zero does not shift the sequence of the others.
func (l *lockedRand) hit(p float64) bool {
	if p <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64() < p
}

// intN returns a random int in [0, n).
func (l *lockedRand) intN(n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.IntN(n)
}

// int64N returns a random int64 in [0, n).
func (l *lockedRand) int64N(n int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Int64N(n)
}

// requestID returns a random version 4 UUID, the shape of Ometria's request_id.
func (l *lockedRand) requestID() string {
	l.mu.Lock()
	hi, lo := l.r.Uint64(), l.r.Uint64()
	l.mu.Unlock()
	hi = hi&^0xf000 | 0x4000     // version 4
	lo = lo&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x",
		hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}
