package sink

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestBaseURL(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://api.ometria.com/v2": true,
		"http://127.0.0.1:8080/v2":   true,
		"http://localhost:1/v2":      true,
		"http://[::1]:1/v2":          true,
		"http://api.ometria.com/v2":  false,
		"ftp://x/v2":                 false,
		"https://user:pw@x/v2":       false,
		"/v2":                        false,
	} {
		err := Config{BaseURL: url}.Validate()
		if (err == nil) != ok {
			t.Errorf("BaseURL %q: err = %v, want ok=%v", url, err, ok)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("the error repeats credentials: %v", err)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	err := Config{BatchSize: 101, DefaultRate: -1, Linger: -time.Second, MaxPending: -1, MaxRequests: -2, MaxAttempts: -3,
		Timeout: -2 * time.Second, RetryInitial: -3 * time.Second, RetryMax: -4 * time.Second, MaxRetryAfter: -5 * time.Second,
		Unavailable: -6 * time.Second}.Validate()
	last := -1 // the problems come in this order, every time
	for _, want := range []string{"BatchSize 101", "Linger -1s", "Timeout -2s", "RetryInitial -3s", "RetryMax -4s",
		"MaxRetryAfter -5s", "Unavailable -6s", "DefaultRate -1", "MaxPending -1",
		"MaxRequests -2", "MaxAttempts -3"} {
		i := -1
		if err != nil {
			i = strings.Index(err.Error(), want)
		}
		if i < 0 {
			t.Errorf("Validate() = %v, want it to mention %q", err, want)
		} else if i < last {
			t.Errorf("%q comes before the problem listed ahead of it:\n%v", want, err)
		}
		last = max(last, i)
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("the zero Config is invalid: %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"": 0, "3": 3 * time.Second, " 0 ": 0, "-5": 0, "soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestBody(t *testing.T) {
	got := string(body([]Record{{JSON: []byte(`{"a":1}`)}, {JSON: []byte(`{"b":2}`)}}))
	if got != `[{"a":1},{"b":2}]` {
		t.Fatalf("body = %s", got)
	}
}
