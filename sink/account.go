package sink

import (
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// batch is records of one account and one @type, to go out in one push.
type batch struct {
	typ    string
	recs   []Record
	bytes  int
	opened time.Time
	timer  *time.Timer // the linger timer, while the batch is open
	due    bool        // lingered: the worker seals it as soon as it has nothing else to push
}

// account holds one account's open batches (one per @type), its sealed batches waiting
// to go out in order, and its token bucket. One worker goroutine at a time pushes its
// sealed batches, so an account's pushes never overlap and keep their order.
type account struct {
	s       *Sink
	name    string
	key     string
	limiter *rate.Limiter
	window  window // the account's worker touches it; add too, under mu, while no worker runs

	mu        sync.Mutex
	open      map[string]*batch
	ready     []*batch
	working   bool
	downUntil time.Time     // after a 403: records fail fast until then, then a push probes the key
	downWait  time.Duration // the current wait after a 403 (doubles on each refusal)
}

func (s *Sink) newAccount(name string, acct Account) *account {
	r := acct.Rate
	if r <= 0 {
		r = s.cfg.DefaultRate
	}
	return &account{
		s:       s,
		name:    name,
		key:     acct.Key,
		limiter: rate.NewLimiter(rate.Limit(r), 1),
		window:  newWindow(r),
		open:    map[string]*batch{},
	}
}

// add puts r in the open batch of its type, sealing the batch when it is full. It
// returns false, leaving r out, while the account's key is refused: the caller fails r
// with ErrAccountUnavailable once it holds no lock.
func (a *account) add(r Record) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if time.Now().Before(a.downUntil) {
		return false
	}
	cfg := &a.s.cfg
	b := a.open[r.Type]
	if b != nil && b.bytes+len(r.JSON)+1 > cfg.BatchBytes {
		a.seal(b)
		b = nil
	}
	if b == nil {
		now := time.Now()
		if !a.working {
			a.window.warm(now) // a cold wait runs while the batch lingers
		}
		// Room for a few records, growing as they come: with many accounts most open
		// batches hold a few records, and room for BatchSize would cost ~10 KB each.
		b = &batch{typ: r.Type, recs: make([]Record, 0, min(cfg.BatchSize, 4)), opened: now}
		a.open[r.Type] = b
		b.timer = time.AfterFunc(cfg.Linger, func() { a.lingered(b) })
	}
	b.recs = append(b.recs, r)
	b.bytes += len(r.JSON) + 1
	if len(b.recs) >= cfg.BatchSize {
		a.seal(b)
	}
	return true
}

// seal moves an open batch to the ready queue and makes sure a worker runs. a.mu is held.
func (a *account) seal(b *batch) {
	b.timer.Stop()
	delete(a.open, b.typ)
	a.ready = append(a.ready, b)
	a.s.metrics.Batch(b.typ, len(b.recs), b.bytes)
	if !a.working {
		a.working = true
		a.s.wg.Add(1)
		go a.work()
	}
}

// lingered runs when b has waited Linger. An idle account pushes it now. A busy one (its
// worker is pushing other batches, or waiting for their tokens) lets it fill on: the
// worker seals it once it has nothing else to push, or MaxLinger after it opened.
func (a *account) lingered(b *batch) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.open[b.typ] != b {
		return
	}
	left := a.s.cfg.MaxLinger - time.Since(b.opened)
	if !a.working || left <= 0 {
		a.seal(b)
		return
	}
	b.due = true
	b.timer = time.AfterFunc(left, func() { a.lingered(b) })
}

// sealDue seals the open batches that have lingered, oldest first; it reports whether
// it sealed any. a.mu is held.
func (a *account) sealDue() bool {
	var due []*batch
	for _, b := range a.open {
		if b.due {
			due = append(due, b)
		}
	}
	slices.SortFunc(due, func(x, y *batch) int { return x.opened.Compare(y.opened) })
	for _, b := range due {
		a.seal(b)
	}
	return len(due) > 0
}

// sealAll seals every open batch (shutdown: no more waiting for records).
func (a *account) sealAll() {
	a.mu.Lock()
	for _, b := range a.open {
		a.seal(b)
	}
	a.mu.Unlock()
}

// work pushes the ready batches in order until there are none.
func (a *account) work() {
	defer a.s.wg.Done()
	for {
		a.mu.Lock()
		if len(a.ready) == 0 && !a.sealDue() {
			a.working = false
			a.mu.Unlock()
			return
		}
		b := a.ready[0]
		a.ready[0] = nil
		a.ready = a.ready[1:]
		down := time.Now().Before(a.downUntil)
		a.mu.Unlock()
		if down {
			a.s.finish(b.recs, a.name, ErrAccountUnavailable, Unavailable)
			continue
		}
		a.s.deliver(a, b.typ, b.recs)
	}
}

// refused marks the account's key refused: its records fail fast until the wait is
// over, then the next push probes the key again. It returns the wait.
func (a *account) refused() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.downWait == 0:
		a.downWait = a.s.cfg.Unavailable
	case a.downWait < 16*a.s.cfg.Unavailable:
		a.downWait *= 2
	}
	a.downUntil = time.Now().Add(a.downWait)
	return a.downWait
}

// accepted clears a refusal once a push of the account succeeds; it reports whether the
// account was refused before.
func (a *account) accepted() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	was := a.downWait != 0
	a.downWait, a.downUntil = 0, time.Time{}
	return was
}
