package ometriatest

import (
	"fmt"
	"testing"
	"time"
)

func TestListErrors(t *testing.T) {
	t.Parallel()
	e := New(unlimited(Config{}), testAccounts...)
	var requestIDs []string
	for p := range 3 { // 3 pushes of 50 invalid records: 150 rejections
		var recs []string
		for i := range 50 {
			recs = append(recs, fmt.Sprintf(`{"@type":"contact","id":"c%d","gender":"x","email":"a@x.io"}`, p*50+i))
		}
		r := push(e, acmeKey, arr(recs...))
		requestIDs = append(requestIDs, r.object(t)["request_id"].(string))
	}
	push(e, otherKey, arr(`{"@type":"contact","id":"other","email":"nope"}`))

	r := serve(e, "GET", "/v2/push/_errors", acmeKey, "", "")
	if r.status != 200 {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	list := decode[[]PushError](t, r.body)
	if len(list) != 100 {
		t.Fatalf("%d errors, want the newest 100", len(list))
	}
	for i, pe := range list {
		wantID := fmt.Sprintf("c%d", 149-i)
		wantReq := requestIDs[(149-i)/50]
		if pe.RecordID != wantID || pe.RequestID != wantReq || pe.RecordType != "contact" ||
			pe.ErrorPath != "root > gender" || pe.ErrorMessage == "" || pe.Timestamp.IsZero() {
			t.Fatalf("error %d: %+v, want record %s of request %s", i, pe, wantID, wantReq)
		}
	}
	all := e.Rejections("acme")
	if len(all) != 150 || all[0].RecordID != "c0" || all[149].RecordID != "c149" {
		t.Errorf("Rejections: %d, oldest first expected", len(all))
	}
	if other := decode[[]PushError](t, serve(e, "GET", "/v2/push/_errors", otherKey, "", "").body); len(other) != 1 || other[0].RecordID != "other" {
		t.Errorf("other account errors %+v", other)
	}
	empty := New(Config{}, testAccounts...)
	if r := serve(empty, "GET", "/v2/push/_errors", acmeKey, "", ""); string(r.body) != "[]\n" {
		t.Errorf("no errors: %q, want []", r.body)
	}
}

func TestMaxRequestsPerSecond(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		gaps []time.Duration // before each push after the first
		want int
	}{
		{"4 pushes 250ms apart and a 5th at +1s", []time.Duration{250, 250, 250, 250}, 4},
		{"5 within 999ms", []time.Duration{250, 250, 250, 249}, 5},
		{"5 at once", []time.Duration{0, 0, 0, 0}, 5},
		{"one per second", []time.Duration{1000, 1000, 1000}, 1},
		{"burst later", []time.Duration{2000, 1, 1, 1000, 1, 1, 1}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newClock()
			e := New(Config{Now: clock.Now}, testAccounts...) // 4/s: most pushes answer 429, and count
			push(e, acmeKey, arr(validContact))
			for _, gap := range tt.gaps {
				clock.Advance(gap * time.Millisecond)
				push(e, acmeKey, arr(validContact))
			}
			if got := e.MaxRequestsPerSecond("acme"); got != tt.want {
				t.Errorf("MaxRequestsPerSecond %d, want %d", got, tt.want)
			}
			if got := e.MaxRequestsPerSecond("other"); got != 0 {
				t.Errorf("other account %d, want 0", got)
			}
		})
	}
}

func TestRequests(t *testing.T) {
	t.Parallel()
	clock := newClock()
	e := New(Config{Now: clock.Now, Burst: 1}, testAccounts...)
	push(e, acmeKey, arr(validContact, with(validContact, "id", `"c2"`, "gender", `"x"`)))
	push(e, acmeKey, arr(validOrder))        // 429: rate limited
	push(e, "unknown", arr(validOrder))      // 403
	serve(e, "POST", "/v2/push", "", "", "") // 403
	clock.Advance(time.Second)
	push(e, acmeKey, `{}`) // 400
	reqs := e.Requests("acme")
	if len(reqs) != 3 || e.RequestCount("acme") != 3 {
		t.Fatalf("requests %+v", reqs)
	}
	want := []Request{
		{Status: 200, Type: "contact", Records: 2, Accepted: 1, Rejected: 1},
		{Status: 429, Type: "order", Records: 1},
		{Status: 400},
	}
	for i, w := range want {
		got := reqs[i]
		if got.Account != "acme" || got.Status != w.Status || got.Type != w.Type || got.Records != w.Records ||
			got.Accepted != w.Accepted || got.Rejected != w.Rejected || (got.RequestID != "") != (w.Status == 200) {
			t.Errorf("request %d: %+v, want %+v", i, got, w)
		}
	}
	if !reqs[2].Time.Equal(reqs[0].Time.Add(time.Second)) {
		t.Errorf("times %v, %v", reqs[0].Time, reqs[2].Time)
	}
	if anon := e.Requests(""); len(anon) != 2 || anon[0].Status != 403 || anon[0].Account != "" || e.RequestCount("") != 2 {
		t.Errorf("unauthenticated requests %+v", anon)
	}
	if e.Requests("nobody") != nil || e.RequestCount("nobody") != 0 || e.Rejections("nobody") != nil {
		t.Errorf("unknown account has history")
	}
}
