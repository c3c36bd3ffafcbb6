package ometriatest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		faults     Faults
		retryAfter bool
		key        string
		want       []int // any of
	}{
		{"Rate429", Faults{Rate429: 1}, false, acmeKey, []int{429}},
		{"Rate429 with Retry-After", Faults{Rate429: 1}, true, acmeKey, []int{429}},
		{"Rate5xx", Faults{Rate5xx: 1}, false, acmeKey, []int{500, 502, 503}},
		{"Rate400", Faults{Rate400: 1}, false, acmeKey, []int{400}},
		{"Forbidden", Faults{Forbidden: []string{"acme"}}, false, acmeKey, []int{403}},
		{"Forbidden other account", Faults{Forbidden: []string{"acme"}}, false, otherKey, []int{200}},
		{"zero", Faults{}, false, acmeKey, []int{200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := New(unlimited(Config{RetryAfter: tt.retryAfter}), testAccounts...)
			e.SetFaults(tt.faults)
			for range 20 {
				r := push(e, tt.key, arr(validContact))
				if !slices.Contains(tt.want, r.status) {
					t.Fatalf("status %d %s, want one of %v", r.status, r.body, tt.want)
				}
				if got := r.header.Get("Retry-After"); (got == "1") != (tt.retryAfter && r.status == 429) {
					t.Fatalf("Retry-After %q", got)
				}
			}
			if r := e.Requests(nameOf(tt.key)); len(r) != 20 || !slices.Contains(tt.want, r[0].Status) {
				t.Errorf("requests %+v", r)
			}
			if tt.want[0] != 200 && len(e.Records("acme")) != 0 {
				t.Errorf("a faulted push stored records")
			}
		})
	}
}

func nameOf(key string) string {
	for _, a := range testAccounts {
		if a.Key == key {
			return a.Name
		}
	}
	return ""
}

func TestFaultOutage(t *testing.T) {
	t.Parallel()
	clock := newClock()
	e := New(unlimited(Config{Now: clock.Now}), testAccounts...)
	e.SetFaults(Faults{OutageFrom: clock.Now().Add(time.Minute), OutageUntil: clock.Now().Add(2 * time.Minute)})
	for _, step := range []struct {
		advance time.Duration
		want    int
	}{{0, 200}, {time.Minute - 1, 200}, {1, 503}, {time.Minute - 1, 503}, {1, 200}} {
		clock.Advance(step.advance)
		if r := push(e, acmeKey, arr(validContact)); r.status != step.want {
			t.Fatalf("at %v: %d, want %d", clock.Now(), r.status, step.want)
		}
	}
	e.SetFaults(Faults{OutageFrom: clock.Now()}) // open-ended
	clock.Advance(24 * time.Hour)
	if r := push(e, otherKey, arr(validContact)); r.status != 503 {
		t.Errorf("open-ended outage: %d", r.status)
	}
}

func TestFaultDrop(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, unlimited(Config{}))
	s.SetFaults(Faults{DropRate: 1})
	req, _ := http.NewRequest("POST", s.URL()+"/push", strings.NewReader(arr(validContact)))
	req.Header.Set("X-Ometria-Auth", acmeKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("status %d, want a transport error", resp.StatusCode)
	}
	if r := s.Requests("acme"); len(r) != 1 || r[0].Status != 0 || r[0].Records != 1 {
		t.Errorf("requests %+v", r)
	}
	s.SetFaults(Faults{})
	if r := do(t, s, "POST", s.URL()+"/push", acmeKey, arr(validContact)); r.status != 200 {
		t.Errorf("after the fault: %d", r.status)
	}
}

func TestFaultLatency(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, unlimited(Config{}))
	s.SetFaults(Faults{Latency: 100 * time.Millisecond, Jitter: 50 * time.Millisecond})
	start := time.Now()
	if r := do(t, s, "POST", s.URL()+"/push", acmeKey, arr(validContact)); r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("answered after %v, want at least 100ms", d)
	}
}

func TestFaultDrawsSeeded(t *testing.T) {
	t.Parallel()
	run := func(seed int64) []int {
		e := New(unlimited(Config{Seed: seed}), testAccounts...)
		e.SetFaults(Faults{Rate429: 0.5})
		var got []int
		for range 40 {
			got = append(got, push(e, acmeKey, arr(validContact)).status)
		}
		return got
	}
	a, b := run(7), run(7)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different draws:\n%v\n%v", a, b)
	}
	if !slices.Contains(a, 200) || !slices.Contains(a, 429) {
		t.Errorf("Rate429 0.5 drew %v", a)
	}
}

func TestFaultsJSON(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	f := Faults{Rate429: 0.1, DropRate: 0.2, Latency: 150 * time.Millisecond, Jitter: time.Second,
		Forbidden: []string{"acme"}, OutageFrom: from}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"rate_429":0.1,"rate_5xx":0,"rate_400":0,"drop_rate":0.2,"latency":"150ms","jitter":"1s","forbidden":["acme"],"outage_from":"2026-01-02T15:04:05Z"}`
	if string(b) != want {
		t.Errorf("marshal:\n%s\nwant\n%s", b, want)
	}
	var back Faults
	if err := json.Unmarshal(b, &back); err != nil || back.Latency != f.Latency || back.Jitter != f.Jitter ||
		!back.OutageFrom.Equal(from) || !back.OutageUntil.IsZero() || back.Rate429 != 0.1 || back.Forbidden[0] != "acme" {
		t.Errorf("round trip %+v, %v", back, err)
	}
	for _, bad := range []string{`{"rate_429":1.5}`, `{"drop_rate":-1}`, `{"latency":"soon"}`, `{"jitter":"-1s"}`, `{"rate429":1}`, `{"latency":150}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
