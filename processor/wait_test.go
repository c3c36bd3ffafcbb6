package processor

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestAfterOrGoneRunsExactlyOne(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		d        time.Duration
		cancelIn time.Duration // <0: never
		wantDue  bool
	}{
		{"due first", time.Millisecond, -1, true},
		{"gone first", time.Hour, time.Millisecond, false},
		{"already gone", time.Hour, 0, false},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		if tt.cancelIn == 0 {
			cancel()
		} else if tt.cancelIn > 0 {
			time.AfterFunc(tt.cancelIn, cancel)
		}
		var due, gone atomic.Int32
		ran := make(chan struct{}, 2)
		afterOrGone(ctx, tt.d, func() { due.Add(1); ran <- struct{}{} }, func() { gone.Add(1); ran <- struct{}{} })
		select {
		case <-ran:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: neither ran", tt.name)
		}
		cancel() // after due ran, a cancel must not run gone
		time.Sleep(20 * time.Millisecond)
		if got := due.Load() == 1; got != tt.wantDue || due.Load()+gone.Load() != 1 {
			t.Fatalf("%s: due ran %d times, gone %d; want exactly one, due=%v", tt.name, due.Load(), gone.Load(), tt.wantDue)
		}
	}
}
