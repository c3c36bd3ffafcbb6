package ometriatest

import (
	"slices"
	"testing"
	"time"
)

func TestRateLimitDefaultBurstIsTheRate(t *testing.T) {
	clock := newClock()
	e := New(Config{Now: clock.Now}, testAccounts...) // 4/s: a burst of 4
	var statuses []int
	for range 5 {
		statuses = append(statuses, push(e, acmeKey, arr(validContact)).status)
	}
	if want := []int{200, 200, 200, 200, 429}; !slices.Equal(statuses, want) {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}
	clock.Advance(250 * time.Millisecond)
	if r := push(e, acmeKey, arr(validContact)); r.status != 200 {
		t.Fatalf("after 250ms: %d, want 200", r.status)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	for _, retryAfter := range []bool{false, true} {
		clock := newClock()
		e := New(Config{Now: clock.Now, RetryAfter: retryAfter, Burst: 1}, testAccounts...) // 4/s, burst 1
		var statuses []int
		for range 5 {
			r := push(e, acmeKey, arr(validContact))
			statuses = append(statuses, r.status)
			if r.status == 429 {
				if got := r.header.Get("Retry-After"); retryAfter && got != "1" || !retryAfter && got != "" {
					t.Errorf("RetryAfter %v: Retry-After %q", retryAfter, got)
				}
				if r.header.Get("X-QueueSize-Remaining") == "" {
					t.Errorf("429 without X-QueueSize-Remaining")
				}
			}
		}
		if want := []int{200, 429, 429, 429, 429}; !slices.Equal(statuses, want) {
			t.Fatalf("statuses %v, want %v", statuses, want)
		}
		if r := push(e, otherKey, arr(validContact)); r.status != 200 {
			t.Errorf("other account: %d, want its own bucket", r.status)
		}
		clock.Advance(249 * time.Millisecond)
		if r := push(e, acmeKey, arr(validContact)); r.status != 429 {
			t.Errorf("after 249ms: %d, want 429", r.status)
		}
		clock.Advance(time.Millisecond)
		if r := push(e, acmeKey, arr(validContact)); r.status != 200 {
			t.Errorf("after 1/rate s: %d, want 200", r.status)
		}
		if n := e.RequestCount("acme"); n != 7 {
			t.Errorf("RequestCount %d, want 7 (429s count)", n)
		}
	}
}

func TestRateLimitPerAccountAndRetryAfter(t *testing.T) {
	t.Parallel()
	clock := newClock()
	e := New(Config{Now: clock.Now, RetryAfter: true, Burst: 2},
		Account{Name: "slow", Key: "k-slow", RateLimit: 0.25}, Account{Name: "fast", Key: "k-fast", RateLimit: 100})
	for i, want := range []int{200, 200, 429} {
		if r := push(e, "k-slow", arr(validContact)); r.status != want {
			t.Fatalf("push %d: %d, want %d", i, r.status, want)
		} else if want == 429 && r.header.Get("Retry-After") != "4" {
			t.Errorf("Retry-After %q, want 4 (one token at 0.25/s)", r.header.Get("Retry-After"))
		}
	}
	clock.Advance(3 * time.Second)
	if r := push(e, "k-slow", arr(validContact)); r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Errorf("after 3s: %d Retry-After %q, want 429 and 1", r.status, r.header.Get("Retry-After"))
	}
	for i := range 2 {
		if r := push(e, "k-fast", arr(validContact)); r.status != 200 {
			t.Errorf("fast push %d: %d", i, r.status)
		}
	}
}

func TestBacklog(t *testing.T) {
	t.Parallel()
	clock := newClock()
	e := New(unlimited(Config{Now: clock.Now, BacklogLimit: 5, BacklogDrain: 2, RetryAfter: true}), testAccounts...)
	three := arr(validContact, with(validContact, "id", `"c2"`), with(validContact, "id", `"c3"`, "email", `"x"`))
	r := push(e, acmeKey, three)
	check := func(step string, r reply, status int, remaining string) {
		t.Helper()
		if r.status != status || r.header.Get("X-QueueSize-Limit") != "5" || r.header.Get("X-QueueSize-Remaining") != remaining {
			t.Errorf("%s: %d limit %q remaining %q, want %d 5 %q: %s", step, r.status,
				r.header.Get("X-QueueSize-Limit"), r.header.Get("X-QueueSize-Remaining"), status, remaining, r.body)
		}
	}
	check("first 3 records", r, 200, "2") // the rejected record is queued too
	r = push(e, acmeKey, three)
	check("3 more", r, 429, "2")
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("backlog Retry-After %q, want 1 (1 record over at 2/s)", r.header.Get("Retry-After"))
	}
	clock.Advance(500 * time.Millisecond) // 1 record processed: 2 queued
	check("after 0.5s", push(e, acmeKey, three), 200, "0")
	check("full", push(e, acmeKey, arr(validContact)), 429, "0")
	clock.Advance(2 * time.Second) // 4 processed: 1 queued
	check("after 2s", push(e, acmeKey, arr(validContact)), 200, "3")
	if st := e.Stats().Accounts["acme"]; st.QueueSize != 2 {
		t.Errorf("stats queue size %d, want 2", st.QueueSize)
	}
	clock.Advance(time.Hour)
	check("drained", push(e, otherKey, arr(validContact)), 200, "4")
	if st := e.Stats().Accounts["acme"]; st.QueueSize != 0 {
		t.Errorf("stats queue size %d after an hour, want 0", st.QueueSize)
	}
}
