package ometriatest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Request is one push (POST /v2/push) as the emulator saw it.
type Request struct {
	Time      time.Time `json:"time"`    // arrival, by Config.Now
	Account   string    `json:"account"` // "" when the key was missing or unknown
	Status    int       `json:"status"`  // 0 while in flight, or when the connection was dropped
	Type      string    `json:"type"`    // the "@type" of the records, comma separated when mixed; "" for an invalid body
	Records   int       `json:"records"` // elements of the body when it is a JSON array
	Accepted  int       `json:"accepted"`
	Rejected  int       `json:"rejected"`
	RequestID string    `json:"request_id"` // the request_id answered; "" when the push failed as a whole
}

// PushError is one rejected record, as GET /v2/push/_errors lists it. Ometria documents only
// error_message and error_path; the other members follow Fivetran's copy of the error table.
type PushError struct {
	ErrorMessage string    `json:"error_message"`
	ErrorPath    string    `json:"error_path"`
	RecordID     string    `json:"record_id"`
	RequestID    string    `json:"request_id"`
	RecordType   string    `json:"record_type"`
	Timestamp    time.Time `json:"timestamp"`
	// Account is set by AllRejections only (Ometria's own list is per account).
	Account string `json:"account,omitempty"`
}

// maxListedErrors is how many errors GET /v2/push/_errors lists, as documented.
const maxListedErrors = 100

// arrive records the arrival of a push at now and returns its Request, which the caller
// completes under e.mu. The caller holds e.mu.
func (h *history) arrive(now time.Time, account string) *Request {
	req := &Request{Time: now, Account: account}
	h.requests = append(h.requests, req)
	cut := now.Add(-time.Second)
	i := 0
	for i < len(h.arrivals) && !h.arrivals[i].After(cut) {
		i++
	}
	h.arrivals = append(h.arrivals[i:], now)
	h.maxRPS = max(h.maxRPS, len(h.arrivals))
	return req
}

// Requests returns every push of the named account, whatever its status (429s and injected
// faults included), in order of arrival. Account "" returns the pushes without a valid key.
func (e *Emulator) Requests(account string) []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	h := e.historyOf(account)
	if h == nil {
		return nil
	}
	out := make([]Request, len(h.requests))
	for i, r := range h.requests {
		out[i] = *r
	}
	return out
}

// RequestCount returns the number of pushes of the named account, as Requests counts them.
func (e *Emulator) RequestCount(account string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if h := e.historyOf(account); h != nil {
		return len(h.requests)
	}
	return 0
}

// MaxRequestsPerSecond returns the largest number of pushes of the named account (counted at
// arrival, whatever their status) whose arrival times lie within a window shorter than one
// second: a push at t and another at t+1s never count together. It is how a test checks that
// a client respects the rate limit.
func (e *Emulator) MaxRequestsPerSecond(account string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if h := e.historyOf(account); h != nil {
		return h.maxRPS
	}
	return 0
}

// Rejections returns every rejected record of the named account, oldest first. The HTTP
// endpoint GET /v2/push/_errors shows only the newest 100.
func (e *Emulator) Rejections(account string) []PushError {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a, ok := e.accounts[account]; ok {
		return slices.Clone(a.rejections)
	}
	return nil
}

// AllRejections returns the records rejected for every account, each naming its
// account, oldest first (by timestamp, then account).
func (e *Emulator) AllRejections() []PushError {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []PushError
	for name, a := range e.accounts {
		for _, r := range a.rejections {
			r.Account = name
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(x, y PushError) int {
		if c := x.Timestamp.Compare(y.Timestamp); c != 0 {
			return c
		}
		return strings.Compare(x.Account, y.Account)
	})
	return out
}

// listErrors serves GET /v2/push/_errors: the newest 100 rejections of the key's account,
// newest first. It is authenticated like a push but not rate limited.
func (e *Emulator) listErrors(w http.ResponseWriter, r *http.Request, x *exchange) {
	e.mu.Lock()
	a := e.accountByKey(r.Header.Get(authHeader))
	if a != nil {
		x.account = a.Name
	}
	if a == nil || e.forbidden(a.Name) {
		e.mu.Unlock()
		e.writeError(w, x, http.StatusForbidden, msgForbidden)
		return
	}
	n := min(len(a.rejections), maxListedErrors)
	out := make([]PushError, n)
	for i := range n {
		out[i] = a.rejections[len(a.rejections)-1-i]
	}
	e.mu.Unlock()
	writeJSON(w, x, http.StatusOK, out)
}
