package processor

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// afterOrGone runs due after d, or gone as soon as ctx is done, whichever comes first:
// exactly one of them, on its own goroutine. Nothing of it stays registered on ctx once
// due has run, so a long-lived ctx does not collect one entry per wait.
func afterOrGone(ctx context.Context, d time.Duration, due, gone func()) {
	var claimed atomic.Bool
	claim := func() bool { return claimed.CompareAndSwap(false, true) }
	var mu sync.Mutex // holds off the timer until stop is set
	var stop func() bool
	mu.Lock()
	defer mu.Unlock()
	t := time.AfterFunc(d, func() {
		mu.Lock()
		unwatch := stop
		mu.Unlock()
		if claim() {
			unwatch()
			due()
		}
	})
	stop = context.AfterFunc(ctx, func() {
		if claim() {
			t.Stop()
			gone()
		}
	})
}
