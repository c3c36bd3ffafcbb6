package ometriatest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// POST /v2/push runs these steps; the first that fails answers:
//
//  1. auth: X-Ometria-Auth missing or unknown → 403 (Ometria documents 403, never 401); the key
//     of an account in Faults.Forbidden → 403.
//  2. faults: the outage window → 503; the DropRate, Rate429, Rate5xx and Rate400 draws; then
//     Latency plus Jitter before any answer.
//  3. rate limit: no token in the account's bucket → 429.
//  4. body: the rules in body.go → 400 (413 when too large).
//  5. backlog: the records do not fit in the account's queue → 429.
//  6. records: each is checked (schema.go) and, when valid, upserted (store.go); a rejected
//     record becomes a PushError. The answer is Config.SuccessStatus with
//     {"status":"OK","request_id":"<uuid>","accepted":N,"rejected":M}, even when M > 0:
//     Ometria reports record errors only through GET /v2/push/_errors.
//
// Every push is recorded (Requests) with its final status. Every answer after step 1 carries
// the X-QueueSize-Limit and X-QueueSize-Remaining headers, and every 429 carries Retry-After
// when Config.RetryAfter is on.

// authHeader carries the API key.
const authHeader = "X-Ometria-Auth"

// msgForbidden is Ometria's documented 403 description.
const msgForbidden = "API key is not authorised to access this resource"

// push serves POST /v2/push.
func (e *Emulator) push(w http.ResponseWriter, r *http.Request, x *exchange) {
	e.mu.Lock()
	now := e.cfg.Now()
	a := e.accountByKey(r.Header.Get(authHeader))
	if a == nil {
		e.anon.arrive(now, "").Status = http.StatusForbidden
		e.mu.Unlock()
		e.writeError(w, x, http.StatusForbidden, msgForbidden)
		return
	}
	x.account = a.Name
	req := a.arrive(now, a.Name)
	if e.forbidden(a.Name) {
		req.Status = http.StatusForbidden
		e.mu.Unlock()
		e.writeError(w, x, http.StatusForbidden, msgForbidden)
		return
	}
	faults := e.faults
	e.mu.Unlock()

	body, tooLarge, err := readBody(r)
	elems, _ := splitArray(body)
	records, bad := e.parseBody(r.Header.Get("Content-Type"), body, tooLarge)
	if err != nil {
		bad = &requestError{http.StatusBadRequest, "reading the request body failed"}
	}
	checks := make([]*fieldError, len(records))
	for i, rec := range records {
		checks[i] = e.check(rec)
	}
	x.records = len(elems)

	f := e.drawFault(faults, now)
	if d := e.delay(faults); d > 0 {
		sleep(r.Context(), d)
	}

	e.mu.Lock()
	now = e.cfg.Now()
	req.Records = len(elems)
	if bad == nil {
		req.Type = typesOf(records)
	}
	answer := func(status int, msg string) {
		req.Status = status
		e.setQueueHeaders(w, a, now)
		e.mu.Unlock()
		e.writeError(w, x, status, msg)
	}
	if f.drop {
		e.mu.Unlock()
		dropConnection(w)
		return
	}
	if f.status != 0 {
		if f.status == http.StatusTooManyRequests {
			e.setRetryAfter(w, time.Second)
		}
		answer(f.status, f.msg)
		return
	}
	if ok, wait := e.takeToken(a, now); !ok {
		e.setRetryAfter(w, wait)
		answer(http.StatusTooManyRequests, fmt.Sprintf("too many requests: the limit is %g requests per second", float64(a.limiter.Limit())))
		return
	}
	if bad != nil {
		answer(bad.status, bad.msg)
		return
	}
	if ok, wait := e.admit(a, len(records), now); !ok {
		e.setRetryAfter(w, wait)
		answer(http.StatusTooManyRequests, fmt.Sprintf("too many requests: more than %d records are waiting to be processed", e.cfg.BacklogLimit))
		return
	}
	resp := e.upsert(a, records, checks, now)
	req.Status, req.Accepted, req.Rejected, req.RequestID = e.cfg.SuccessStatus, resp.Accepted, resp.Rejected, resp.RequestID
	x.accepted, x.rejected = resp.Accepted, resp.Rejected
	e.setQueueHeaders(w, a, now)
	e.mu.Unlock()
	writeJSON(w, x, e.cfg.SuccessStatus, resp)
}

// upsert stores the valid records of one push in a and records the rejected ones. checks
// holds the result of step 1 of each record. The caller holds e.mu.
func (e *Emulator) upsert(a *account, records []pushed, checks []*fieldError, now time.Time) pushResponse {
	resp := pushResponse{Status: "OK", RequestID: e.rng.requestID()}
	for i, r := range records {
		problem := checks[i]
		var key recordKey
		var merged map[string]any
		if problem == nil {
			key = keyOf(r)
			merged = e.merge(a.store[key], r.fields)
			problem = e.checkComplete(r, merged)
		}
		if problem != nil {
			resp.Rejected++
			a.rejections = append(a.rejections, PushError{
				ErrorMessage: problem.msg, ErrorPath: problem.path, RecordID: recordID(r.fields["id"]),
				RequestID: resp.RequestID, RecordType: r.typ, Timestamp: now,
			})
			continue
		}
		a.store[key] = merged
		resp.Accepted++
	}
	return resp
}

// recordID returns the text of a record's id for a PushError, whatever its type.
func recordID(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// dropConnection closes the connection without an answer. When the connection cannot be
// hijacked (HTTP/2), it aborts the response instead.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
