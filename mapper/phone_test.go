package mapper

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// countParses counts, per input, the numbers handed to libphonenumber until the test
// ends. A non-nil parse stands in for libphonenumber.
func countParses(t *testing.T, parse func(raw, region string) string) map[string]int {
	t.Helper()
	var mu sync.Mutex
	n := map[string]int{}
	if parse == nil {
		parse = normalizePhone
	}
	t.Cleanup(func() { normalize = normalizePhone })
	normalize = func(raw, region string) string {
		mu.Lock()
		n[raw]++
		mu.Unlock()
		return parse(raw, region)
	}
	return n
}

func mapPhone(t *testing.T, m *Mapper, acct *Account, phone string) {
	t.Helper()
	outs := m.Map([]byte(identify(`"phone":"`+phone+`"`)), acct)
	if len(outs) != 1 || outs[0].Kind != Mapped {
		t.Fatalf("%s: got %+v, want one record", phone, outs)
	}
}

// TestPhoneCacheSurvivesPool maps as processor.MapStage does, with Mappers from a
// sync.Pool, which drops them at garbage collection: the account's numbers stay known.
func TestPhoneCacheSurvivesPool(t *testing.T) {
	parses := countParses(t, nil)
	acct := benchAccount(t)
	var pool sync.Pool
	get := func() *Mapper {
		m, _ := pool.Get().(*Mapper)
		if m == nil {
			m = new(Mapper)
		}
		return m
	}
	const phone = "07911 123456"
	for range 3 {
		m := get()
		mapPhone(t, m, acct, phone)
		pool.Put(m)
		runtime.GC() // the first moves the pool's Mappers to its victim cache,
		runtime.GC() // the second drops them
	}
	// Two goroutines' Mappers share the account's numbers too.
	mapPhone(t, new(Mapper), acct, phone)
	if got := parses[phone]; got != 1 {
		t.Errorf("%q parsed %d times, want once", phone, got)
	}
}

// TestPhoneCacheKeepsHotNumbers maps more distinct numbers than the cache holds, with
// one number coming back between them: the number in use is never parsed again.
func TestPhoneCacheKeepsHotNumbers(t *testing.T) {
	// The numbers are E.164 already, as libphonenumber would give them; skipping its
	// 40 µs a number keeps the test quick under -race.
	parses := countParses(t, func(raw, _ string) string { return raw })
	acct := benchAccount(t)
	var m Mapper
	const hot = "+447911123456"
	mapPhone(t, &m, acct, hot)
	for i := range phoneCacheSize + phoneCacheSize/2 {
		mapPhone(t, &m, acct, fmt.Sprintf("+4479%08d", i))
		if i%100 == 0 {
			mapPhone(t, &m, acct, hot)
		}
	}
	if got := parses[hot]; got != 1 {
		t.Errorf("%q parsed %d times, want once", hot, got)
	}
}

// TestPhoneCacheHitAllocs: a number the account has seen costs no allocation.
func TestPhoneCacheHitAllocs(t *testing.T) {
	acct := benchAccount(t)
	raw := []byte(" 07911 123456 ")
	if got, ok := acct.phones.e164(raw); !ok || got != "+447911123456" {
		t.Fatalf("e164(%q) = %q, %v; want +447911123456, true", raw, got, ok)
	}
	if n := testing.AllocsPerRun(100, func() { acct.phones.e164(raw) }); n != 0 {
		t.Errorf("a cache hit allocates %v times, want 0", n)
	}
}

// TestPhoneCacheConcurrent maps one account from several goroutines, each with its own
// Mapper, as processor.MapStage does; run it with -race.
func TestPhoneCacheConcurrent(t *testing.T) {
	acct := benchAccount(t)
	phones := []string{"07911 123456", "+33612345678", "12345", "+44 (0)7911 123457"}
	want := []string{"+447911123456", "+33612345678", "", "+447911123457"}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			var m Mapper
			for i := range 200 {
				k := (g + i) % len(phones)
				if got, _ := acct.phones.e164([]byte(phones[k])); got != want[k] {
					t.Errorf("e164(%q) = %q, want %q", phones[k], got, want[k])
					return
				}
				m.Map([]byte(identify(`"phone":"`+phones[k]+`"`)), acct)
			}
		})
	}
	wg.Wait()
}
