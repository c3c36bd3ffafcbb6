package ometriatest

import (
	"strings"
	"testing"
	"time"
)

func TestControls(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, unlimited(Config{}))
	root := s.ControlURL()
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || root+"/v2" != s.URL() {
		t.Fatalf("URL %q, ControlURL %q", s.URL(), root)
	}
	step := func(method, path, body string, want int) reply {
		t.Helper()
		r := do(t, s, method, root+path, "", body)
		if r.status != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, r.status, r.body, want)
		}
		return r
	}

	// accounts
	step("POST", "/_emulator/accounts", `{"name":"new","key":"k-new","rate_limit":2}`, 200)
	step("POST", "/_emulator/accounts", `{"name":"","key":"k"}`, 400)
	step("POST", "/_emulator/accounts", `{"name":"x","key":"k","region":"eu"}`, 400)
	if r := do(t, s, "POST", s.URL()+"/push", "k-new", arr(validContact, with(validContact, "id", `"c2"`, "email", `"x"`))); r.status != 200 {
		t.Fatalf("push with the new key: %d", r.status)
	}
	do(t, s, "POST", s.URL()+"/push", "bad-key", arr(validContact))

	// inspection
	recs := decode[[]Record](t, step("GET", "/_emulator/records?account=new", "", 200).body)
	if len(recs) != 1 || recs[0].Type != "contact" || recs[0].ID != "c1" || !strings.Contains(string(recs[0].JSON), `"email":"ann@example.com"`) {
		t.Errorf("records %+v", recs)
	}
	reqs := decode[[]Request](t, step("GET", "/_emulator/requests?account=new", "", 200).body)
	if len(reqs) != 1 || reqs[0].Accepted != 1 || reqs[0].Rejected != 1 {
		t.Errorf("requests %+v", reqs)
	}
	if anon := decode[[]Request](t, step("GET", "/_emulator/requests", "", 200).body); len(anon) != 1 || anon[0].Status != 403 {
		t.Errorf("unauthenticated requests %+v", anon)
	}
	rej := decode[[]PushError](t, step("GET", "/_emulator/rejections?account=new", "", 200).body)
	if len(rej) != 1 || rej[0].RecordID != "c2" || rej[0].ErrorPath != "root > email" {
		t.Errorf("rejections %+v", rej)
	}
	if r := step("GET", "/_emulator/records?account=acme", "", 200); string(r.body) != "[]\n" {
		t.Errorf("empty records %q", r.body)
	}
	step("GET", "/_emulator/records?account=nobody", "", 404)
	if all := decode[[]PushError](t, step("GET", "/_emulator/rejections", "", 200).body); len(all) != 1 || all[0].RecordID != "c2" || all[0].Account != "new" {
		t.Errorf("every account's rejections %+v, want new's c2, naming its account", all)
	}
	step("GET", "/_emulator/rejections?account=nobody", "", 404)
	st := decode[Stats](t, step("GET", "/_emulator/stats", "", 200).body)
	if got := st.Accounts["new"]; got != (AccountStats{Requests: 1, Records: 1, Rejections: 1, MaxRequestsPerSecond: 1, QueueSize: got.QueueSize}) ||
		st.UnauthenticatedRequests != 1 || len(st.Accounts) != 3 {
		t.Errorf("stats %+v", st)
	}

	// faults
	step("PUT", "/_emulator/faults", `{"rate_429":1,"latency":"1ms","forbidden":["other"]}`, 200)
	if f := s.Faults(); f.Rate429 != 1 || f.Latency != time.Millisecond || f.Forbidden[0] != "other" {
		t.Errorf("faults %+v", f)
	}
	if f := decode[Faults](t, step("GET", "/_emulator/faults", "", 200).body); f.Rate429 != 1 || f.Latency != time.Millisecond {
		t.Errorf("GET faults %+v", f)
	}
	if r := do(t, s, "POST", s.URL()+"/push", acmeKey, arr(validContact)); r.status != 429 {
		t.Errorf("push under Rate429: %d", r.status)
	}
	step("PUT", "/_emulator/faults", `{"rate_429":2}`, 400)
	if r := step("PUT", "/_emulator/faults", `{"drop_rate":-1,"rate_5xx":3}`, 400); !strings.Contains(string(r.body), "rate_5xx: 3 is not a probability") {
		t.Errorf("two bad probabilities: %q, want the first field (rate_5xx) named", r.body)
	}
	step("PUT", "/_emulator/faults", `not json`, 400)

	// reset
	step("POST", "/_emulator/reset", "", 200)
	if f := s.Faults(); f.Rate429 != 0 || len(s.Records("new")) != 0 || s.RequestCount("new") != 0 || s.RequestCount("") != 0 {
		t.Errorf("after reset: faults %+v, %d records", f, len(s.Records("new")))
	}
	if r := do(t, s, "POST", s.URL()+"/push", "k-new", arr(validContact)); r.status != 200 {
		t.Errorf("the added account did not survive the reset: %d", r.status)
	}

	// routing
	step("GET", "/_emulator/reset", "", 405)
	step("DELETE", "/_emulator/faults", "", 405)
	step("POST", "/_emulator/stats", "", 405)
	step("GET", "/_emulator/", "", 404)
	step("GET", "/_emulator/nothing", "", 404)
}

func TestReset(t *testing.T) {
	t.Parallel()
	clock := newClock()
	e := New(Config{Now: clock.Now, BacklogLimit: 2}, testAccounts...)
	push(e, acmeKey, arr(validContact, with(validContact, "id", `"c2"`, "gender", `"x"`)))
	push(e, acmeKey, arr(validContact)) // 429: no token
	e.SetFaults(Faults{Rate400: 0.5})
	e.Reset()
	if len(e.Records("acme")) != 0 || len(e.Rejections("acme")) != 0 || e.RequestCount("acme") != 0 ||
		e.MaxRequestsPerSecond("acme") != 0 || e.Faults().Rate400 != 0 {
		t.Fatalf("state survived the reset")
	}
	r := push(e, acmeKey, arr(validContact, validContact)) // a fresh token and an empty backlog
	if r.status != 200 || r.header.Get("X-QueueSize-Remaining") != "0" {
		t.Errorf("after reset: %d remaining %q", r.status, r.header.Get("X-QueueSize-Remaining"))
	}
}

func TestAddAccountUpdates(t *testing.T) {
	t.Parallel()
	e := New(unlimited(Config{}), testAccounts...)
	push(e, acmeKey, arr(validContact))
	e.AddAccount(Account{Name: "acme", Key: "rotated"})
	if r := push(e, acmeKey, arr(validContact)); r.status != 403 {
		t.Errorf("old key: %d, want 403", r.status)
	}
	if r := push(e, "rotated", arr(validContact)); r.status != 200 {
		t.Errorf("new key: %d, want 200", r.status)
	}
	if len(e.Records("acme")) != 1 || e.RequestCount("acme") != 2 {
		t.Errorf("history lost on update")
	}
	e.AddAccount(Account{Key: "anonymous"})
	if _, ok := e.Stats().Accounts["account-3"]; !ok {
		t.Errorf("unnamed account: %v", e.Stats().Accounts)
	}
}
