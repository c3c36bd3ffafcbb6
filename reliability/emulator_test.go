//go:build reliability

package reliability

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

// account is an Ometria account of a suite: its name, API key and rate limit (requests/s),
// the same at the emulator and in kafka-ometria's config.
type account struct {
	name string
	key  string
	rate int
}

// emulator is a running ometria-emulator binary.
type emulator struct {
	p    *proc
	base string // http://host:port
	hc   *http.Client
}

// startEmulator runs ometria-emulator on a free port with accounts, a backlog that never
// fills, fault draws from seed, and the settings of extra (lines of its YAML config).
func startEmulator(t *testing.T, accounts []account, seed int64, extra ...string) *emulator {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "backlog_limit: 100000000\nbacklog_drain: 100000000\nseed: %d\n", seed)
	for _, l := range extra {
		b.WriteString(l + "\n")
	}
	b.WriteString("accounts:\n")
	for _, a := range accounts {
		fmt.Fprintf(&b, "  - {name: %s, key: %q, rate_limit: %d}\n", a.name, a.key, a.rate)
	}
	path := filepath.Join(t.TempDir(), "emulator.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, "ometria-emulator", bins.emulator, nil, "--addr", "127.0.0.1:0", "--config", path)
	line := p.waitLine(t, 20*time.Second, `"msg":"listening"`)
	var l struct{ Addr string }
	if err := json.Unmarshal([]byte(line), &l); err != nil || l.Addr == "" {
		t.Fatalf("ometria-emulator: no address in %q: %v", line, err)
	}
	return &emulator{p: p, base: "http://" + l.Addr, hc: &http.Client{Timeout: 60 * time.Second}}
}

// url is the Ometria base URL for kafka-ometria's config.
func (e *emulator) url() string { return e.base + "/v2" }

func (e *emulator) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := e.hc.Get(e.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s: %s", path, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// setFaults replaces the faults the emulator injects.
func (e *emulator) setFaults(t *testing.T, f ometriatest.Faults) {
	t.Helper()
	body, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, e.base+"/_emulator/faults", bytes.NewReader(body))
	resp, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /_emulator/faults: %s", resp.Status)
	}
}

func (e *emulator) stats(t *testing.T) ometriatest.Stats {
	var s ometriatest.Stats
	e.get(t, "/_emulator/stats", &s)
	return s
}

// stored is how many records the emulator holds over every account.
func (e *emulator) stored(t *testing.T) int {
	n := 0
	for _, a := range e.stats(t).Accounts {
		n += a.Records
	}
	return n
}

func (e *emulator) records(t *testing.T, account string) []ometriatest.Record {
	var rs []ometriatest.Record
	e.get(t, "/_emulator/records?account="+url.QueryEscape(account), &rs)
	return rs
}

func (e *emulator) requests(t *testing.T, account string) []ometriatest.Request {
	var rs []ometriatest.Request
	e.get(t, "/_emulator/requests?account="+url.QueryEscape(account), &rs)
	return rs
}

// recordKey names a record: account/type/id.
func recordKey(account, typ, id string) string { return account + "/" + typ + "/" + id }

// emuState is what the emulator holds at one moment, over the accounts asked for.
type emuState struct {
	at       time.Time
	records  map[string]json.RawMessage // by recordKey
	requests []ometriatest.Request      // every push, any status
	accepted int                        // records accepted over every 2xx push
}

func (e *emulator) state(t *testing.T, accounts []account) *emuState {
	t.Helper()
	s := &emuState{at: time.Now(), records: map[string]json.RawMessage{}}
	for _, a := range accounts {
		for _, r := range e.records(t, a.name) {
			s.records[recordKey(a.name, r.Type, r.ID)] = r.JSON
		}
		for _, r := range e.requests(t, a.name) {
			s.requests = append(s.requests, r)
			if r.Status >= 200 && r.Status < 300 {
				s.accepted += r.Accepted
			}
		}
	}
	sort.Slice(s.requests, func(i, j int) bool { return s.requests[i].Time.Before(s.requests[j].Time) })
	return s
}

// duplicates is how many accepted records were pushes of a record already held.
func (s *emuState) duplicates() int { return s.accepted - len(s.records) }

// acceptedBetween sums the records accepted by pushes that arrived in [from, to).
func (s *emuState) acceptedBetween(from, to time.Time) int {
	n := 0
	for _, r := range s.requests {
		if r.Status >= 200 && r.Status < 300 && !r.Time.Before(from) && r.Time.Before(to) {
			n += r.Accepted
		}
	}
	return n
}

// byStatus counts the pushes by status (0: the connection was dropped, or no answer yet).
func (s *emuState) byStatus() map[int]int {
	m := map[int]int{}
	for _, r := range s.requests {
		m[r.Status]++
	}
	return m
}

// longestGap is the longest time between two successive accepted pushes within [from,
// to], and when it began.
func (s *emuState) longestGap(from, to time.Time) (gap time.Duration, began time.Time) {
	last := from
	for _, r := range s.requests {
		if r.Status < 200 || r.Status >= 300 || r.Time.Before(from) || r.Time.After(to) {
			continue
		}
		if d := r.Time.Sub(last); d > gap {
			gap, began = d, last
		}
		last = r.Time
	}
	if d := to.Sub(last); d > gap {
		gap, began = d, last
	}
	return gap, began
}

// checkRates fails the test when an account received more pushes within one second than
// its rate (the emulator counts every arrival, failed ones included).
func (e *emulator) checkRates(t *testing.T, accounts []account) (most map[string]int) {
	t.Helper()
	st := e.stats(t)
	most = map[string]int{}
	var over []string
	for _, a := range accounts {
		m := st.Accounts[a.name].MaxRequestsPerSecond
		most[a.name] = m
		if m > a.rate {
			over = append(over, fmt.Sprintf("%s: %d pushes arrived within one second, its rate is %d/s", a.name, m, a.rate))
		}
	}
	if len(over) > 0 {
		t.Errorf("accounts over their rate:\n%s", strings.Join(over, "\n"))
	}
	return most
}
