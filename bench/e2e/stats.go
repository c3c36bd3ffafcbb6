package main

import (
	"math"
	"slices"
	"time"
)

// percentile returns the p-th percentile (0 < p <= 100) of xs by the nearest-rank method:
// the smallest value such that at least p% of the values are at or below it. xs need not
// be sorted; it is not changed. It returns 0 for no values.
func percentile(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

// maxInWindow returns the largest number of times that lie within a window shorter than
// w: times t and t+w never count together, as the emulator counts requests per second.
// ts need not be sorted; it is not changed.
func maxInWindow(ts []time.Time, w time.Duration) int {
	s := slices.Clone(ts)
	slices.SortFunc(s, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range s {
		for s[hi].Sub(s[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// shareOfLimit is the rate n requests achieved over the span from the first to the last,
// as a share of limit requests per second: n / (limit × span). A single request, or a
// span of zero, gives 0.
func shareOfLimit(n int, span time.Duration, limit float64) float64 {
	if n < 2 || span <= 0 || limit <= 0 {
		return 0
	}
	return float64(n) / (limit * span.Seconds())
}

// minMax returns the smallest and largest of xs (0, 0 for none).
func minMax(xs []float64) (lo, hi float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	return slices.Min(xs), slices.Max(xs)
}
