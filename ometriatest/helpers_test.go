package ometriatest

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	acmeKey  = "key-acme-secret"
	otherKey = "key-other-secret"
)

var testAccounts = []Account{{Name: "acme", Key: acmeKey}, {Name: "other", Key: otherKey}}

// fakeClock is a Config.Now that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// unlimited returns cfg without a rate limit, for tests about something else.
func unlimited(cfg Config) Config {
	if cfg.RateLimit == 0 {
		cfg.RateLimit = math.Inf(1)
	}
	return cfg
}

// newTestServer starts a Server with the test accounts and closes it at the end of the test.
func newTestServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	s := NewServer(cfg, testAccounts...)
	t.Cleanup(s.Close)
	return s
}

// reply is an answer of the emulator.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// object decodes the body as a JSON object.
func (r reply) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

// serve runs one request through h without a network.
func serve(h http.Handler, method, path, key, contentType, body string) reply {
	req := httptest.NewRequest(method, "http://ometria.test"+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("X-Ometria-Auth", key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return reply{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// push posts body to /v2/push of h with key.
func push(h http.Handler, key, body string) reply {
	return serve(h, http.MethodPost, "/v2/push", key, "application/json", body)
}

// do sends one request to the running server s.
func do(t *testing.T, s *Server, method, url, key, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-Ometria-Auth", key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// decode decodes JSON b into a new T.
func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %q: %v", b, err)
	}
	return v
}

// with returns the JSON object record with members set to the raw JSON values of kv
// (name, value, name, value…); a value of "-" removes the member.
func with(record string, kv ...string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(record), &m); err != nil {
		panic(err)
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "-" {
			delete(m, kv[i])
		} else {
			m[kv[i]] = json.RawMessage(kv[i+1])
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// arr wraps records into a push body.
func arr(records ...string) string { return "[" + strings.Join(records, ",") + "]" }

// Valid records of each type.
const (
	validContact = `{"@type":"contact","id":"c1","email":"ann@example.com"}`
	validOrder   = `{"@type":"order","id":"o1","timestamp":"2024-05-01T09:00:00Z","grand_total":10.5}`
	validProduct = `{"@type":"product","id":"p1","title":"Hat"}`
	validEvent   = `{"@type":"custom_event","id":"e1","timestamp":"2024-05-01T09:00:00Z","event_type":"basket_viewed","identity_email":"ann@example.com"}`
)
