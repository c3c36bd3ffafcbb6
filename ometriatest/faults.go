package ometriatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Faults are failures the emulator injects into pushes (POST /v2/push), checked after
// authentication and before the rate limit, in this order: Forbidden, the outage window, then
// one draw each for DropRate, Rate429, Rate5xx and Rate400 (the first hit wins), then Latency
// plus Jitter before whatever answer follows. The zero value injects nothing.
//
// Over HTTP (PUT and GET /_emulator/faults) Faults is this JSON object; durations are Go
// duration strings, times RFC 3339, and absent fields are zero:
//
//	{"rate_429":0.1, "rate_5xx":0, "rate_400":0, "drop_rate":0, "latency":"150ms", "jitter":"50ms",
//	 "forbidden":["acme"], "outage_from":"2026-01-02T15:04:05Z", "outage_until":"2026-01-02T15:05:05Z"}
type Faults struct {
	// Rate429 is the probability that a push answers 429 instead of being processed.
	Rate429 float64
	// Rate5xx is the probability that a push answers 500, 502 or 503 (chosen at random).
	Rate5xx float64
	// Rate400 is the probability that a push answers 400 instead of being processed.
	Rate400 float64
	// DropRate is the probability that the connection is closed without any response.
	DropRate float64
	// Latency is added before answering a push.
	Latency time.Duration
	// Jitter adds a random 0..Jitter to Latency.
	Jitter time.Duration
	// Forbidden lists account names whose key answers 403, as if revoked.
	Forbidden []string
	// OutageFrom and OutageUntil bound a window [OutageFrom, OutageUntil) of Config.Now in
	// which every push answers 503. A zero bound is open; both zero means no outage.
	OutageFrom, OutageUntil time.Time
}

// faultsJSON is the JSON shape of Faults.
type faultsJSON struct {
	Rate429     float64    `json:"rate_429"`
	Rate5xx     float64    `json:"rate_5xx"`
	Rate400     float64    `json:"rate_400"`
	DropRate    float64    `json:"drop_rate"`
	Latency     string     `json:"latency,omitempty"`
	Jitter      string     `json:"jitter,omitempty"`
	Forbidden   []string   `json:"forbidden,omitempty"`
	OutageFrom  *time.Time `json:"outage_from,omitempty"`
	OutageUntil *time.Time `json:"outage_until,omitempty"`
}

// MarshalJSON encodes f in the shape documented on Faults.
func (f Faults) MarshalJSON() ([]byte, error) {
	j := faultsJSON{Rate429: f.Rate429, Rate5xx: f.Rate5xx, Rate400: f.Rate400, DropRate: f.DropRate,
		Forbidden: f.Forbidden}
	if f.Latency != 0 {
		j.Latency = f.Latency.String()
	}
	if f.Jitter != 0 {
		j.Jitter = f.Jitter.String()
	}
	if !f.OutageFrom.IsZero() {
		j.OutageFrom = &f.OutageFrom
	}
	if !f.OutageUntil.IsZero() {
		j.OutageUntil = &f.OutageUntil
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes the shape documented on Faults, refusing unknown members, and checks that probabilities lie in
// [0, 1] and durations are not negative.
func (f *Faults) UnmarshalJSON(data []byte) error {
	var j faultsJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return err
	}
	g := Faults{Rate429: j.Rate429, Rate5xx: j.Rate5xx, Rate400: j.Rate400, DropRate: j.DropRate,
		Forbidden: j.Forbidden}
	for _, f := range []struct {
		name string
		p    float64
	}{{"rate_429", g.Rate429}, {"rate_5xx", g.Rate5xx}, {"rate_400", g.Rate400}, {"drop_rate", g.DropRate}} {
		if f.p < 0 || f.p > 1 { // the first bad one, in the order Faults lists them
			return fmt.Errorf("%s: %v is not a probability in [0, 1]", f.name, f.p)
		}
	}
	var err error
	if g.Latency, err = parseDuration("latency", j.Latency); err != nil {
		return err
	}
	if g.Jitter, err = parseDuration("jitter", j.Jitter); err != nil {
		return err
	}
	if j.OutageFrom != nil {
		g.OutageFrom = *j.OutageFrom
	}
	if j.OutageUntil != nil {
		g.OutageUntil = *j.OutageUntil
	}
	*f = g
	return nil
}

// parseDuration parses a non-negative Go duration string; "" is 0.
func parseDuration(name, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s: %q is not a non-negative Go duration such as \"150ms\"", name, s)
	}
	return d, nil
}

// SetFaults replaces the injected faults. It takes effect for pushes arriving afterwards.
func (e *Emulator) SetFaults(f Faults) {
	f.Forbidden = slices.Clone(f.Forbidden)
	e.mu.Lock()
	e.faults = f
	e.mu.Unlock()
}

// Faults returns the injected faults.
func (e *Emulator) Faults() Faults {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.faults
	f.Forbidden = slices.Clone(f.Forbidden)
	return f
}

// forbidden reports whether Faults.Forbidden lists the account. The caller holds e.mu.
func (e *Emulator) forbidden(name string) bool {
	return slices.Contains(e.faults.Forbidden, name)
}

// inOutage reports whether now lies in the outage window of f.
func (f Faults) inOutage(now time.Time) bool {
	if f.OutageFrom.IsZero() && f.OutageUntil.IsZero() {
		return false
	}
	return (f.OutageFrom.IsZero() || !now.Before(f.OutageFrom)) &&
		(f.OutageUntil.IsZero() || now.Before(f.OutageUntil))
}

// fault is the outcome of the fault draws for one push.
type fault struct {
	status int    // 0 = no fault
	drop   bool   // close the connection without an answer
	msg    string // the error message of status
}

// drawFault decides which fault, if any, replaces the answer to a push arriving at now.
func (e *Emulator) drawFault(f Faults, now time.Time) fault {
	switch {
	case f.inOutage(now):
		return fault{status: http.StatusServiceUnavailable, msg: "service unavailable (emulated outage)"}
	case e.rng.hit(f.DropRate):
		return fault{drop: true}
	case e.rng.hit(f.Rate429):
		return fault{status: http.StatusTooManyRequests, msg: "too many requests (injected fault)"}
	case e.rng.hit(f.Rate5xx):
		codes := []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}
		c := codes[e.rng.intN(len(codes))]
		return fault{status: c, msg: http.StatusText(c) + " (injected fault)"}
	case e.rng.hit(f.Rate400):
		return fault{status: http.StatusBadRequest, msg: "bad request (injected fault)"}
	}
	return fault{}
}

// delay returns Latency plus a random 0..Jitter.
func (e *Emulator) delay(f Faults) time.Duration {
	d := f.Latency
	if f.Jitter > 0 {
		d += time.Duration(e.rng.int64N(int64(f.Jitter) + 1))
	}
	return d
}
