package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// errAbandoned: the records of a push were abandoned while it waited to leave.
var errAbandoned = errors.New("abandoned")

// verdict is what one push attempt means for its records.
type verdict int

const (
	vAccepted  verdict = iota // 2xx, nothing rejected
	vSomeBad                  // 2xx with rejected > 0, or 400/413/422: find the bad records
	vForbidden                // 403 (or 401): the key is refused
	vRetry                    // 429, 5xx, timeouts, network errors, a 2xx without a readable answer, other 4xx
	vStopped                  // the sink is shutting down
)

// pushResult is the outcome of one attempt.
type pushResult struct {
	verdict    verdict
	status     int
	rejected   int
	requestID  string
	retryAfter time.Duration // from a Retry-After header, uncapped
	err        error         // why, when not accepted
}

// pushResponse is Ometria's answer to an accepted push.
type pushResponse struct {
	Status    string `json:"status"`
	RequestID string `json:"request_id"`
	Accepted  *int   `json:"accepted"`
	Rejected  *int   `json:"rejected"`
}

// body builds the JSON array of recs.
func body(recs []Record) []byte {
	n := 2
	for _, r := range recs {
		n += len(r.JSON) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, r := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r.JSON...)
	}
	return append(b, ']')
}

// do sends one request for the account. It waits for the account's arrival window
// (window.go), then takes a concurrency slot, then the account's token, and sends at
// once: the token is spent right before the request leaves, so requests keep the
// bucket's spacing on the wire. (Taking the token first and the slot second would let a
// request delayed by the wait for a slot leave right before the next one.) A slot is
// held while its account waits for a token (at most 1/rate): MaxRequests bounds the
// accounts pushing at once.
func (s *Sink) do(a *account, method, url string, payload []byte, abort func() bool) (*http.Response, []byte, time.Duration, error) {
	t0 := time.Now()
	// The arrival window first, holding no slot: it can be a whole second (a cold
	// account), and leaving later than it allows is always safe.
	if d := time.Until(a.window.next(time.Now())); d > 0 && !sleep(s.ctx, d) {
		return nil, nil, 0, s.ctx.Err()
	}
	select {
	case s.requests <- struct{}{}:
	case <-s.ctx.Done():
		return nil, nil, 0, s.ctx.Err()
	}
	defer func() { <-s.requests }()
	if err := a.limiter.Wait(s.ctx); err != nil {
		return nil, nil, 0, s.ctx.Err()
	}
	s.metrics.LimiterWait(a.name, time.Since(t0))
	if abort != nil && abort() {
		return nil, nil, 0, errAbandoned
	}
	defer func() { a.window.done(time.Now()) }()

	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, nil, 0, err
	}
	req.Header.Set("X-Ometria-Auth", a.key)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		took := time.Since(start)
		s.metrics.Request(a.name, 0, took)
		return nil, nil, took, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	took := time.Since(start)
	s.metrics.Request(a.name, resp.StatusCode, took)
	return resp, data, took, err
}

// push makes one attempt to push recs.
func (s *Sink) push(a *account, recs []Record) pushResult {
	resp, data, _, err := s.do(a, http.MethodPost, s.pushURL, body(recs), func() bool { return abandoned(recs) })
	if err != nil {
		if s.ctx.Err() != nil || errors.Is(err, errAbandoned) {
			return pushResult{verdict: vStopped, err: ErrNotDone}
		}
		return pushResult{verdict: vRetry, err: &statusError{cause: err}}
	}
	res := pushResult{status: resp.StatusCode}
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		var pr pushResponse
		if json.Unmarshal(data, &pr) != nil || pr.Rejected == nil {
			res.verdict, res.err = vRetry, &statusError{status: code, body: "an answer without accepted/rejected counts: " + excerpt(data)}
			return res
		}
		res.requestID, res.rejected = pr.RequestID, *pr.Rejected
		if res.rejected > 0 {
			res.verdict = vSomeBad
			res.err = &statusError{status: code, body: strconv.Itoa(res.rejected) + " rejected"}
		}
		return res
	case code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge || code == http.StatusUnprocessableEntity:
		res.verdict = vSomeBad
	case code == http.StatusForbidden || code == http.StatusUnauthorized:
		res.verdict = vForbidden
	default: // 429, 5xx, 408, and 4xx that say nothing about the records (404, 405, 415)
		res.verdict = vRetry
		res.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	res.err = &statusError{status: resp.StatusCode, body: excerpt(data)}
	return res
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// excerpt returns the start of a response body for an error message.
func excerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// errorsFor fetches GET /v2/push/_errors and returns Ometria's error for each record id
// that appears there (matched on the request id too when Ometria gives one).
func (s *Sink) errorsFor(a *account, ids map[string]string) map[string]*RejectedError {
	resp, data, _, err := s.do(a, http.MethodGet, s.errorURL, nil, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil
	}
	var list []struct {
		ErrorMessage string `json:"error_message"`
		ErrorPath    string `json:"error_path"`
		RecordID     string `json:"record_id"`
		RequestID    string `json:"request_id"`
	}
	if json.Unmarshal(data, &list) != nil {
		return nil
	}
	out := map[string]*RejectedError{}
	for _, e := range list { // newest first: keep the first match
		req, ok := ids[e.RecordID]
		if !ok || out[e.RecordID] != nil || (req != "" && e.RequestID != "" && e.RequestID != req) {
			continue
		}
		out[e.RecordID] = &RejectedError{Message: e.ErrorMessage, Path: e.ErrorPath}
	}
	return out
}
