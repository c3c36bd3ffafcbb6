package ometriatest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Test controls, served without authentication under /_emulator/ for the ometria-emulator
// binary (in-process tests call the methods instead). Anything else under /_emulator/ is 404,
// a known path with the wrong method 405.
//
//	GET  /_emulator/records?account=NAME      []Record (Records); 404 for an unknown account
//	GET  /_emulator/requests?account=NAME     []Request (Requests); account "" or absent: pushes without a valid key
//	GET  /_emulator/rejections?account=NAME   []PushError (Rejections), oldest first; without
//	                                          account: every account's (AllRejections)
//	GET  /_emulator/stats                     Stats
//	GET  /_emulator/faults                    Faults, in the JSON shape documented on Faults
//	PUT  /_emulator/faults                    replace the faults; body: Faults as JSON
//	POST /_emulator/reset                     Reset
//	POST /_emulator/accounts                  AddAccount; body: {"name":"acme","key":"…","rate_limit":4}
//
// PUT and POST answer {"status":"OK"}; an invalid body answers 400.

// Stats summarises the emulator, as GET /_emulator/stats returns it.
type Stats struct {
	Accounts                map[string]AccountStats `json:"accounts"`                 // by account name
	UnauthenticatedRequests int                     `json:"unauthenticated_requests"` // pushes without a valid key
}

// AccountStats summarises one account.
type AccountStats struct {
	Requests             int `json:"requests"`                // pushes, any status
	Records              int `json:"records"`                 // records stored
	Rejections           int `json:"rejections"`              // records rejected
	MaxRequestsPerSecond int `json:"max_requests_per_second"` // see MaxRequestsPerSecond
	QueueSize            int `json:"queue_size"`              // records waiting in the simulated backlog
}

// Stats returns a summary of every account.
func (e *Emulator) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.cfg.Now()
	st := Stats{Accounts: map[string]AccountStats{}, UnauthenticatedRequests: len(e.anon.requests)}
	for name, a := range e.accounts {
		a.queue.drain(now, e.cfg.BacklogDrain)
		st.Accounts[name] = AccountStats{
			Requests: len(a.requests), Records: len(a.store), Rejections: len(a.rejections),
			MaxRequestsPerSecond: a.maxRPS, QueueSize: a.queue.size(),
		}
	}
	return st
}

// maxControlBody bounds the body of a control request.
const maxControlBody = 1 << 20

// controlMethods lists the methods allowed on each control path.
var controlMethods = map[string]string{
	"/_emulator/records":    "GET",
	"/_emulator/requests":   "GET",
	"/_emulator/rejections": "GET",
	"/_emulator/stats":      "GET",
	"/_emulator/faults":     "GET, PUT",
	"/_emulator/reset":      "POST",
	"/_emulator/accounts":   "POST",
}

// control serves /_emulator/.
func (e *Emulator) control(w http.ResponseWriter, r *http.Request, x *exchange) {
	account := r.URL.Query().Get("account")
	var v any
	var err error
	switch r.Method + " " + r.URL.Path {
	case "GET /_emulator/records":
		v, err = e.ifAccount(account, func() any { return nonNil(e.Records(account)) })
	case "GET /_emulator/rejections":
		if account == "" {
			v = nonNil(e.AllRejections())
			break
		}
		v, err = e.ifAccount(account, func() any { return nonNil(e.Rejections(account)) })
	case "GET /_emulator/requests":
		if account == "" {
			v = nonNil(e.Requests(""))
			break
		}
		v, err = e.ifAccount(account, func() any { return nonNil(e.Requests(account)) })
	case "GET /_emulator/stats":
		v = e.Stats()
	case "GET /_emulator/faults":
		v = e.Faults()
	case "PUT /_emulator/faults":
		var f Faults
		if err = decodeBody(r, &f); err == nil {
			e.SetFaults(f)
			v = ok
		}
	case "POST /_emulator/reset":
		e.Reset()
		v = ok
	case "POST /_emulator/accounts":
		var a Account
		err = decodeBody(r, &a)
		if err == nil && (a.Name == "" || a.Key == "" || a.RateLimit < 0) {
			err = errors.New("an account needs a name, a key and a rate_limit >= 0")
		}
		if err == nil {
			e.AddAccount(a)
			v = ok
		}
	default:
		if allow, found := controlMethods[r.URL.Path]; found {
			e.methodNotAllowed(w, x, allow)
		} else {
			e.writeError(w, x, http.StatusNotFound, "not found")
		}
		return
	}
	switch {
	case errors.Is(err, errUnknownAccount):
		e.writeError(w, x, http.StatusNotFound, fmt.Sprintf("unknown account %q", account))
	case err != nil:
		e.writeError(w, x, http.StatusBadRequest, err.Error())
	default:
		writeJSON(w, x, http.StatusOK, v)
	}
}

// ifAccount returns fn() when the named account exists, else errUnknownAccount.
func (e *Emulator) ifAccount(name string, fn func() any) (any, error) {
	e.mu.Lock()
	_, found := e.accounts[name]
	e.mu.Unlock()
	if !found {
		return nil, errUnknownAccount
	}
	return fn(), nil
}

// ok is the answer of a control that changes state.
var ok = map[string]string{"status": "OK"}

// errUnknownAccount reports an unknown account.
var errUnknownAccount = errors.New("unknown account")

// decodeBody decodes the JSON body of r into v, refusing unknown members and trailing data.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid body: %v", err)
	}
	if dec.More() {
		return fmt.Errorf("invalid body: more than one JSON value")
	}
	return nil
}

// nonNil returns s, or an empty slice when s is nil, so that it encodes as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
