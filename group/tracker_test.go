package group

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func TestTracker(t *testing.T) {
	t.Parallel()
	type step struct {
		op     string // "add", "done"
		offset int64
		ok     bool  // what Add/Done must report
		want   int64 // Committable after the step
		flight int   // InFlight after the step
	}
	tests := []struct {
		name  string
		start int64
		steps []step
	}{
		{"empty", 7, nil},
		{"in order", 0, []step{
			{"add", 0, true, 0, 1}, {"add", 1, true, 0, 2},
			{"done", 0, true, 1, 1}, {"done", 1, true, 2, 0},
		}},
		{"out of order", 10, []step{
			{"add", 10, true, 10, 1}, {"add", 11, true, 10, 2}, {"add", 12, true, 10, 3},
			{"done", 12, true, 10, 3}, {"done", 11, true, 10, 3}, {"done", 10, true, 13, 0},
		}},
		{"gaps", 0, []step{
			{"add", 3, true, 3, 1}, {"add", 7, true, 3, 2}, {"add", 8, true, 3, 3}, {"add", 20, true, 3, 4},
			{"done", 8, true, 3, 4}, {"done", 3, true, 7, 3}, {"done", 5, false, 7, 3},
			{"done", 7, true, 20, 1}, {"done", 20, true, 21, 0},
		}},
		{"repeated and unknown done", 0, []step{
			{"add", 0, true, 0, 1}, {"add", 1, true, 0, 2},
			{"done", 1, true, 0, 2}, {"done", 1, false, 0, 2}, {"done", 2, false, 0, 2}, {"done", -1, false, 0, 2},
			{"done", 0, true, 2, 0}, {"done", 0, false, 2, 0},
		}},
		{"offsets must increase", 5, []step{
			{"add", 4, false, 5, 0}, {"add", 5, true, 5, 1}, {"add", 5, false, 5, 1}, {"add", 3, false, 5, 1},
		}},
		{"unresolved start", -2, []step{
			{"add", 42, true, 42, 1}, {"done", 42, true, 43, 0},
		}},
		{"a stuck head keeps the window", 0, []step{
			{"add", 0, true, 0, 1}, {"add", 1, true, 0, 2}, {"add", 2, true, 0, 3},
			{"done", 1, true, 0, 3}, {"done", 2, true, 0, 3},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := NewTracker(tt.start)
			if got := tr.Committable(); got != tt.start {
				t.Fatalf("Committable() before any step = %d, want %d", got, tt.start)
			}
			for i, s := range tt.steps {
				var ok bool
				if s.op == "add" {
					ok = tr.Add(s.offset, time.Time{})
				} else {
					ok = tr.Done(s.offset)
				}
				if ok != s.ok {
					t.Fatalf("step %d: %s(%d) = %v, want %v", i, s.op, s.offset, ok, s.ok)
				}
				if got := tr.Committable(); got != s.want {
					t.Fatalf("step %d: %s(%d): Committable() = %d, want %d", i, s.op, s.offset, got, s.want)
				}
				if got := tr.InFlight(); got != s.flight {
					t.Fatalf("step %d: %s(%d): InFlight() = %d, want %d", i, s.op, s.offset, got, s.flight)
				}
			}
		})
	}
}

// trackerModel is the obviously correct tracker: every offset added, and a set of
// the done ones.
type trackerModel struct {
	start int64
	added []int64
	done  map[int64]bool
}

func (m *trackerModel) committable() int64 {
	for _, o := range m.added {
		if !m.done[o] {
			return o
		}
	}
	if len(m.added) == 0 {
		return m.start
	}
	return m.added[len(m.added)-1] + 1
}

func (m *trackerModel) inFlight() int {
	for i, o := range m.added {
		if !m.done[o] {
			return len(m.added) - i
		}
	}
	return 0
}

func TestTrackerRandomAgainstModel(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 100; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed))
		start := rng.Int64N(1000)
		tr, m := NewTracker(start), &trackerModel{start: start, done: map[int64]bool{}}
		next := start
		var pending []int64
		for step := 0; step < 1000; step++ {
			switch r := rng.IntN(10); {
			case r < 5 || len(pending) == 0: // add, sometimes after a gap
				if rng.IntN(8) == 0 {
					next += 1 + rng.Int64N(5)
				}
				if !tr.Add(next, time.Time{}) {
					t.Fatalf("seed %d step %d: Add(%d) = false", seed, step, next)
				}
				m.added = append(m.added, next)
				pending = append(pending, next)
				next++
			case r < 9: // finish a random pending message
				i := rng.IntN(len(pending))
				o := pending[i]
				pending[i] = pending[len(pending)-1]
				pending = pending[:len(pending)-1]
				if !tr.Done(o) {
					t.Fatalf("seed %d step %d: Done(%d) = false", seed, step, o)
				}
				m.done[o] = true
			default: // a repeated, unknown or stale done changes nothing
				o := start + rng.Int64N(next-start+3) - 1
				want := !m.done[o] && containsOffset(pending, o)
				if got := tr.Done(o); got != want {
					t.Fatalf("seed %d step %d: Done(%d) = %v, want %v", seed, step, o, got, want)
				}
				if want {
					m.done[o] = true
					pending = removeOffset(pending, o)
				}
			}
			if got, want := tr.Committable(), m.committable(); got != want {
				t.Fatalf("seed %d step %d: Committable() = %d, model says %d", seed, step, got, want)
			}
			if got, want := tr.InFlight(), m.inFlight(); got != want {
				t.Fatalf("seed %d step %d: InFlight() = %d, model says %d", seed, step, got, want)
			}
		}
	}
}

func TestTrackerConcurrentDone(t *testing.T) {
	t.Parallel()
	const n = 10000
	tr := NewTracker(0)
	for o := int64(0); o < n; o++ {
		tr.Add(o, time.Time{})
	}
	var wg sync.WaitGroup
	for w := int64(0); w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := w; o < n; o += 8 {
				tr.Done(o)
				_ = tr.Committable()
			}
		}()
	}
	wg.Wait()
	if got := tr.Committable(); got != n {
		t.Fatalf("Committable() = %d, want %d", got, n)
	}
	if got := tr.InFlight(); got != 0 {
		t.Fatalf("InFlight() = %d, want 0", got)
	}
}

func containsOffset(s []int64, v int64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func removeOffset(s []int64, v int64) []int64 {
	for i, x := range s {
		if x == v {
			s[i] = s[len(s)-1]
			return s[:len(s)-1]
		}
	}
	return s
}

func TestTrackerOutcomes(t *testing.T) {
	t.Parallel()
	base := time.Unix(1000, 0)
	tr := NewTracker(10)
	for o := int64(10); o < 20; o++ {
		tr.Add(o, base.Add(time.Duration(o)*time.Second))
	}
	if !tr.GiveBack(12) || tr.GiveBack(12) || tr.Done(12) {
		t.Fatal("a message has one outcome: give back once, then neither given back nor done again")
	}
	for _, o := range []int64{10, 11, 13, 14, 15} {
		if !tr.Done(o) {
			t.Fatalf("Done(%d) = false", o)
		}
	}
	if got := tr.Committable(); got != 12 {
		t.Fatalf("Committable() = %d, want 12: never past a message given back", got)
	}
	if popped, waiting := tr.Finished(); popped != 2 || waiting != 3 {
		t.Fatalf("Finished() = %d popped, %d waiting; want 2 (10, 11) and 3 (13-15 behind 12)", popped, waiting)
	}
	if got := tr.Pending(); got != 4 {
		t.Fatalf("Pending() = %d, want 4 (16-19)", got)
	}
	if off, since, ok := tr.Oldest(); !ok || off != 16 || !since.Equal(base.Add(16*time.Second)) {
		t.Fatalf("Oldest() = %d, %v, %v; want 16 (12 is given back, not pending)", off, since, ok)
	}
	tr.Add(20, base) // expected earlier than the others (since need not follow offsets)
	if off, _, _ := tr.Oldest(); off != 20 {
		t.Fatalf("Oldest() = %d, want 20, the smallest since", off)
	}
	if n := tr.Abandon(); n != 5 {
		t.Fatalf("Abandon() = %d, want the 5 pending (16-20)", n)
	}
	if tr.Done(17) || tr.Pending() != 0 || tr.Abandon() != 0 {
		t.Fatal("after Abandon a late Done must change nothing, and nothing is pending")
	}
	if _, _, ok := tr.Oldest(); ok {
		t.Fatal("Oldest() found a pending message after Abandon")
	}
}
