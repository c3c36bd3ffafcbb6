package main

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	for _, c := range []struct {
		xs   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 50, 7 * time.Millisecond},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(3, 1, 2), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 75, 3 * time.Millisecond},
		{ms(1, 2, 3, 4), 100, 4 * time.Millisecond},
		{ms(hundred...), 50, 50 * time.Millisecond},
		{ms(hundred...), 99, 99 * time.Millisecond},
		{ms(hundred...), 99.9, 100 * time.Millisecond},
	} {
		if got := percentile(c.xs, c.p); got != c.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", c.xs, c.p, got, c.want)
		}
	}
	xs := ms(3, 1, 2)
	percentile(xs, 50)
	if xs[0] != 3*time.Millisecond {
		t.Error("percentile sorted its argument")
	}
}

func TestMaxInWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms ...int) []time.Time {
		out := make([]time.Time, len(ms))
		for i, m := range ms {
			out[i] = t0.Add(time.Duration(m) * time.Millisecond)
		}
		return out
	}
	for _, c := range []struct {
		name string
		ts   []time.Time
		want int
	}{
		{"none", nil, 0},
		{"one", at(5), 1},
		{"exactly one second apart never count together", at(0, 1000, 2000), 1},
		{"just under one second", at(0, 999), 2},
		{"4 per second, evenly", at(0, 250, 500, 750, 1000, 1250, 1500, 1750), 4},
		{"a burst of 4 then the rate", at(0, 0, 0, 0, 250, 500, 750, 1000), 7},
		{"unsorted", at(1750, 0, 500, 250, 1000, 750), 4},
		{"the densest window is late", at(0, 2000, 2100, 2200, 2300, 2999, 3100), 5},
	} {
		if got := maxInWindow(c.ts, time.Second); got != c.want {
			t.Errorf("%s: maxInWindow = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestShareOfLimit(t *testing.T) {
	if got := shareOfLimit(41, 10*time.Second, 4); got < 1.024 || got > 1.026 {
		t.Errorf("41 requests over 10s at 4/s: %v, want 1.025", got)
	}
	if got := shareOfLimit(20, 10*time.Second, 4); got != 0.5 {
		t.Errorf("20 requests over 10s at 4/s: %v, want 0.5", got)
	}
	if got := shareOfLimit(1, 0, 4); got != 0 {
		t.Errorf("one request: %v, want 0", got)
	}
}

func TestLatencies(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	k1 := recKey{"a", "contact", "c1"}
	k2 := recKey{"a", "order", "o1"}
	produced := map[recKey][]time.Time{k1: {ms(0), ms(100)}, k2: {ms(50)}}
	arrivals := []arrival{{ms(1000), k1}, {ms(1020), k2}, {ms(1500), k1}, {ms(1600), k1}}
	lat, dups, missing := latencies(produced, arrivals)
	want := []time.Duration{1000 * time.Millisecond, 970 * time.Millisecond, 1400 * time.Millisecond}
	if len(lat) != len(want) {
		t.Fatalf("latencies %v, want %v", lat, want)
	}
	for i := range want {
		if lat[i] != want[i] {
			t.Errorf("latency %d = %v, want %v", i, lat[i], want[i])
		}
	}
	if dups != 1 || missing != 0 {
		t.Errorf("dups %d missing %d, want 1 and 0", dups, missing)
	}
	if _, _, missing := latencies(produced, arrivals[:1]); missing != 2 {
		t.Errorf("one arrival: missing %d, want 2", missing)
	}
}
