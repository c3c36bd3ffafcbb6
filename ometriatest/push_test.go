package ometriatest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, key string
		forbidden               []string
		want                    int
	}{
		{"push without key", "POST", "/v2/push", "", nil, 403},
		{"push with wrong key", "POST", "/v2/push", "nope", nil, 403},
		{"push with Bearer prefix", "POST", "/v2/push", "Bearer " + acmeKey, nil, 403},
		{"push with forbidden key", "POST", "/v2/push", acmeKey, []string{"acme"}, 403},
		{"push of another account while one is forbidden", "POST", "/v2/push", otherKey, []string{"acme"}, 200},
		{"push with key", "POST", "/v2/push", acmeKey, nil, 200},
		{"errors without key", "GET", "/v2/push/_errors", "", nil, 403},
		{"errors with wrong key", "GET", "/v2/push/_errors", "nope", nil, 403},
		{"errors with forbidden key", "GET", "/v2/push/_errors", acmeKey, []string{"acme"}, 403},
		{"errors with key", "GET", "/v2/push/_errors", acmeKey, nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := New(unlimited(Config{}), testAccounts...)
			e.SetFaults(Faults{Forbidden: tt.forbidden})
			r := serve(e, tt.method, tt.path, tt.key, "application/json", arr(validContact))
			if r.status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.status, tt.want, r.body)
			}
			if strings.Contains(string(r.body), acmeKey) || strings.Contains(string(r.body), "nope") {
				t.Errorf("body echoes the key: %s", r.body)
			}
			if tt.want == 403 {
				if m := r.object(t); m["status"] != "error" || m["message"] != msgForbidden {
					t.Errorf("body %s", r.body)
				}
				if r.header.Get("X-QueueSize-Limit") != "" {
					t.Errorf("403 carries queue headers")
				}
			}
		})
	}
}

func TestBodyErrors(t *testing.T) {
	t.Parallel()
	many := make([]string, 101)
	for i := range many {
		many[i] = with(validContact, "id", `"c`+string(rune('a'+i%26))+`"`)
	}
	tests := []struct {
		name, contentType, body string
		cfg                     Config
		want                    int
		msg                     string
	}{
		{"not JSON", "application/json", `[{"@type":`, Config{}, 400, "not valid JSON"},
		{"object", "application/json", validContact, Config{}, 400, "JSON array"},
		{"null", "application/json", `null`, Config{}, 400, "JSON array"},
		{"empty array", "application/json", `[]`, Config{}, 400, "0 records"},
		{"101 records", "application/json", arr(many...), Config{}, 400, "101 records"},
		{"100 records", "application/json", arr(many[:100]...), Config{}, 200, ""},
		{"element not an object", "application/json", arr(validContact, `"x"`), Config{}, 400, "record 1 is not a JSON object"},
		{"missing @type", "application/json", arr(with(validContact, "@type", "-")), Config{}, 400, `record 0 has no string "@type"`},
		{"@type not a string", "application/json", arr(with(validContact, "@type", "1")), Config{}, 400, `"@type"`},
		{"mixed types", "application/json", arr(validContact, validOrder), Config{}, 400, "contact, order"},
		{"mixed types allowed", "application/json", arr(validContact, validOrder), Config{AllowMixedTypes: true}, 200, ""},
		{"text/plain", "text/plain", arr(validContact), Config{}, 400, "Content-Type"},
		{"no content type", "", arr(validContact), Config{}, 400, "Content-Type"},
		{"charset parameter", "application/json; charset=utf-8", arr(validContact), Config{}, 200, ""},
		{"body too large", "application/json", `[` + strings.Repeat(" ", maxBodyBytes) + `]`, Config{}, 413, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := New(unlimited(tt.cfg), testAccounts...)
			r := serve(e, "POST", "/v2/push", acmeKey, tt.contentType, tt.body)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.status, tt.want, r.body)
			}
			if r.header.Get("X-QueueSize-Limit") != "50000" {
				t.Errorf("X-QueueSize-Limit %q", r.header.Get("X-QueueSize-Limit"))
			}
			m := r.object(t)
			if tt.want != 200 && (m["status"] != "error" || !strings.Contains(m["message"].(string), tt.msg)) {
				t.Errorf("body %s, want a message containing %q", r.body, tt.msg)
			}
			if tt.want != 200 && len(e.Records("acme")) != 0 {
				t.Errorf("a failed request stored records")
			}
		})
	}
}

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestPushResponse(t *testing.T) {
	t.Parallel()
	for _, status := range []int{0, 202} {
		e := New(unlimited(Config{SuccessStatus: status}), testAccounts...)
		r := push(e, acmeKey, arr(validContact, with(validContact, "id", `"c2"`, "gender", `"x"`)))
		want := max(status, 200)
		if r.status != want || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("status %d %q, want %d", r.status, r.header.Get("Content-Type"), want)
		}
		m := r.object(t)
		if m["status"] != "OK" || m["accepted"] != 1.0 || m["rejected"] != 1.0 || !uuidRe.MatchString(m["request_id"].(string)) {
			t.Errorf("body %s", r.body)
		}
		reqs := e.Requests("acme")
		if len(reqs) != 1 || reqs[0].RequestID != m["request_id"] || reqs[0].Status != want {
			t.Errorf("requests %+v", reqs)
		}
	}
}

func TestProblemJSON(t *testing.T) {
	t.Parallel()
	e := New(Config{ProblemJSON: true}, testAccounts...)
	r := push(e, acmeKey, `{}`)
	m := r.object(t)
	if r.status != 400 || r.header.Get("Content-Type") != "application/problem+json" ||
		m["status"] != 400.0 || m["title"] != "Bad Request" || m["type"] != "about:blank" || !strings.Contains(m["detail"].(string), "array") {
		t.Errorf("%d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/v2/push", 405},
		{"PUT", "/v2/push", 405},
		{"POST", "/v2/push/_errors", 405},
		{"GET", "/v2/push/e8d96762-7ee7-4c44-8ad4-48483712437f", 404},
		{"GET", "/v2/profiles", 404},
		{"POST", "/push", 404},
		{"GET", "/", 404},
	}
	e := New(Config{}, testAccounts...)
	for _, tt := range tests {
		r := serve(e, tt.method, tt.path, acmeKey, "application/json", "[]")
		if r.status != tt.want || r.object(t)["status"] != "error" {
			t.Errorf("%s %s: %d %s, want %d", tt.method, tt.path, r.status, r.body, tt.want)
		}
	}
}

func TestLogs(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zap.InfoLevel)
	e := New(Config{Logger: zap.New(core)}, testAccounts...)
	push(e, acmeKey, arr(validContact, with(validContact, "id", `"c2"`, "gender", `"x"`)))
	push(e, "wrong-key", arr(validContact))
	entries := logs.AllUntimed()
	if len(entries) != 2 {
		t.Fatalf("%d log lines, want 2", len(entries))
	}
	f := entries[0].ContextMap()
	if f["method"] != "POST" || f["path"] != "/v2/push" || f["account"] != "acme" || f["status"] != int64(200) ||
		f["records"] != int64(2) || f["accepted"] != int64(1) || f["rejected"] != int64(1) || f["duration"] == nil {
		t.Errorf("log fields %v", f)
	}
	if f := entries[1].ContextMap(); f["account"] != "" || f["status"] != int64(403) {
		t.Errorf("log fields %v", f)
	}
	for _, en := range entries {
		for k, v := range en.ContextMap() {
			if s, ok := v.(string); ok && (strings.Contains(s, acmeKey) || strings.Contains(s, "wrong-key")) {
				t.Errorf("log field %s holds the key", k)
			}
		}
	}
}

func TestNoRecordsOnRejectedRequest(t *testing.T) {
	t.Parallel()
	e := New(unlimited(Config{}), testAccounts...)
	if r := push(e, acmeKey, arr(validContact, `{"@type":"contact"`)); r.status != http.StatusBadRequest {
		t.Fatalf("status %d", r.status)
	}
	if n := len(e.Records("acme")) + len(e.Rejections("acme")); n != 0 {
		t.Errorf("a 400 left %d records or rejections", n)
	}
}
