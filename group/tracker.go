package group

import (
	"sync"
	"time"
)

// Tracker tracks the messages of one partition that were handed out, in offset
// order, and which of them are done (or given back, or abandoned: unfinished, but no
// longer worked on by this member). Committable is the offset to commit: the
// lowest offset not done, or one past the last message added when all are done
// (Kafka's committed offset is the next offset to read, so committing N
// acknowledges everything below N).
//
// A Tracker is safe for concurrent use: the fetch loop calls Add, the committer
// calls Committable and InFlight, and Done is called by whichever goroutine
// finishes a message. Each operation takes one mutex and is O(1) amortised when
// offsets are contiguous; after a gap (compaction, transaction markers) Done
// falls back to a binary search over the in-flight window.
//
// Memory is a ring of the in-flight window only: from the lowest unfinished
// message to the last message added. The done prefix is popped as soon as it
// forms, and nothing is kept per offset once Committable has passed it.
type Tracker struct {
	mu   sync.Mutex
	ring []trackedOffset // len is 0 or a power of two
	head int             // ring index of the oldest entry; never a done entry
	n    int             // entries in the window
	next int64           // Committable when the window is empty
	last int64           // last offset added, or next-1 before any

	popped   int64 // done entries popped off the window, ever
	doneIn   int   // done entries still in the window (behind an unfinished one)
	released int   // given-back or abandoned entries in the window
}

type entryState uint8

const (
	pending  entryState = iota // handed out, no outcome yet
	done                       // finished
	released                   // given back or abandoned: unfinished, not worked on
)

type trackedOffset struct {
	offset int64
	since  int64 // unix nanoseconds from which the message is expected to finish
	state  entryState
}

// NewTracker returns a tracker for a partition read from start, the committed
// offset (or the resolved starting offset). A negative start (kafka.FirstOffset,
// kafka.LastOffset: not resolved yet) is returned by Committable until the first
// Add; callers must not commit a negative offset.
func NewTracker(start int64) *Tracker {
	return &Tracker{next: start, last: start - 1}
}

// Add records that the message at offset was handed out, expected to finish from
// since on (its hand-out time, or later for a message that waits on purpose).
// Offsets must increase; gaps are allowed. An offset at or below one already added
// (or below a non-negative start) is ignored and Add reports false.
func (t *Tracker) Add(offset int64, since time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if offset < 0 || offset <= t.last || (t.next >= 0 && offset < t.next) {
		return false
	}
	if t.n == len(t.ring) {
		t.grow()
	}
	t.ring[(t.head+t.n)&(len(t.ring)-1)] = trackedOffset{offset: offset, since: since.UnixNano()}
	t.n++
	t.last = offset
	t.next = offset + 1
	return true
}

// Done marks the pending message at offset as done, in any order. It reports
// false, and changes nothing, for an offset that was never added, that already
// has an outcome (done, given back, abandoned), or that Committable has passed.
func (t *Tracker) Done(offset int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.find(offset)
	if !ok || t.at(i).state != pending {
		return false
	}
	t.at(i).state = done
	t.doneIn++
	for t.n > 0 && t.at(0).state == done { // pop the done prefix
		t.head = (t.head + 1) & (len(t.ring) - 1)
		t.n--
		t.doneIn--
		t.popped++
	}
	return true
}

// GiveBack marks the pending message at offset as unfinished for good: Committable
// never passes it. It reports false, and changes nothing, for an offset that is not
// pending.
func (t *Tracker) GiveBack(offset int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.find(offset)
	if !ok || t.at(i).state != pending {
		return false
	}
	t.at(i).state = released
	t.released++
	return true
}

// Abandon gives back every pending message at once and returns how many there were.
func (t *Tracker) Abandon() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for i := 0; i < t.n; i++ {
		if e := t.at(i); e.state == pending {
			e.state = released
			n++
		}
	}
	t.released += n
	return n
}

// Pending returns the messages handed out that have no outcome yet.
func (t *Tracker) Pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n - t.doneIn - t.released
}

// Finished returns how many messages were finished and popped off the window ever,
// and how many finished ones still wait in the window behind an unfinished one.
func (t *Tracker) Finished() (popped int64, waiting int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.popped, t.doneIn
}

// Oldest returns the pending message expected to finish the longest ago: its offset
// and since. ok is false when nothing is pending. It scans the window.
func (t *Tracker) Oldest() (offset int64, since time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var best *trackedOffset
	for i := 0; i < t.n; i++ {
		if e := t.at(i); e.state == pending && (best == nil || e.since < best.since) {
			best = e
		}
	}
	if best == nil {
		return 0, time.Time{}, false
	}
	return best.offset, time.Unix(0, best.since), true
}

// Committable returns the offset to commit: the lowest offset added and not
// done, or one past the last offset added when all are done (the start offset
// before any Add).
func (t *Tracker) Committable() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n > 0 {
		return t.at(0).offset
	}
	return t.next
}

// InFlight returns the size of the window that Committable has not passed: the
// lowest unfinished message and every message added after it, done or not.
// It bounds both the tracker's memory and what is read again after a crash.
// Zero means every message added is done.
func (t *Tracker) InFlight() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// at returns the i-th entry of the window (0 = oldest).
func (t *Tracker) at(i int) *trackedOffset {
	return &t.ring[(t.head+i)&(len(t.ring)-1)]
}

// find returns the window index of offset. Offsets in the window increase by
// at least one per entry, so offset sits at index offset-first when there is
// no gap and before it otherwise.
func (t *Tracker) find(offset int64) (int, bool) {
	if t.n == 0 {
		return 0, false
	}
	first := t.at(0).offset
	if offset < first || offset > t.last {
		return 0, false
	}
	hi := t.n - 1
	if d := offset - first; d < int64(t.n) {
		if t.at(int(d)).offset == offset {
			return int(d), true
		}
		hi = int(d)
	}
	lo := 0
	for lo <= hi {
		mid := int(uint(lo+hi) >> 1)
		switch o := t.at(mid).offset; {
		case o == offset:
			return mid, true
		case o < offset:
			lo = mid + 1
		default:
			hi = mid - 1
		}
	}
	return 0, false
}

// grow doubles the ring, keeping the window in order from index 0.
func (t *Tracker) grow() {
	size := 2 * len(t.ring)
	if size == 0 {
		size = 64
	}
	ring := make([]trackedOffset, size)
	for i := 0; i < t.n; i++ {
		ring[i] = *t.at(i)
	}
	t.ring, t.head = ring, 0
}
