package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

func TestParseAccount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ometriatest.Account
		err  bool
	}{
		{in: "acme=k1", want: ometriatest.Account{Name: "acme", Key: "k1"}},
		{in: "acme=k1:8", want: ometriatest.Account{Name: "acme", Key: "k1", RateLimit: 8}},
		{in: "acme=k1:0.5", want: ometriatest.Account{Name: "acme", Key: "k1", RateLimit: 0.5}},
		{in: "acme=a:b", want: ometriatest.Account{Name: "acme", Key: "a:b"}},
		{in: "acme=a:b:2", want: ometriatest.Account{Name: "acme", Key: "a:b", RateLimit: 2}},
		{in: "acme=k1:0", err: true},
		{in: "acme=:4", err: true},
		{in: "acme", err: true},
		{in: "=k1", err: true},
		{in: "acme=", err: true},
	}
	for _, tt := range tests {
		got, err := parseAccount(tt.in)
		if (err != nil) != tt.err || !tt.err && got != tt.want {
			t.Errorf("parseAccount(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && strings.Contains(err.Error(), "k1") {
			t.Errorf("parseAccount(%q): error %q quotes the key", tt.in, err)
		}
	}
}

func TestParseArgs(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "emulator.yaml")
	const yml = "addr: 127.0.0.1:9999\naccounts:\n  - {name: acme, key: k1, rate_limit: 8}\nrate_limit: 2\n" +
		"retry_after: true\nsuccess_status: 202\nbacklog_limit: 10\nstrict_order_status: true\norder_statuses: [refunded]\n"
	if err := os.WriteFile(file, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := parseArgs([]string{"--config", file, "--account", "beta=k2:3", "--rate-limit", "5", "--burst", "2"}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c := o.config
	if o.addr != "127.0.0.1:9999" || c.RateLimit != 5 || c.Burst != 2 || !c.RetryAfter || c.SuccessStatus != 202 ||
		c.BacklogLimit != 10 || !c.StrictOrderStatus || c.OrderStatuses[0] != "refunded" || len(o.accounts) != 2 ||
		o.accounts[0] != (ometriatest.Account{Name: "acme", Key: "k1", RateLimit: 8}) || o.accounts[1].Name != "beta" {
		t.Errorf("options %+v", o)
	}
	if o, err := parseArgs([]string{"--config", file, "--addr", ":1", "--retry-after=false"}, io.Discard, io.Discard); err != nil || o.addr != ":1" || o.config.RetryAfter {
		t.Errorf("flags do not override the file: %+v %v", o, err)
	}
	if o, err := parseArgs(nil, io.Discard, io.Discard); err != nil || o.addr != "127.0.0.1:8080" || o.config.RateLimit != 0 {
		t.Errorf("defaults: %+v %v", o, err)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("rate_limt: 4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--config", bad},
		{"--config", filepath.Join(t.TempDir(), "missing.yaml")},
		{"--success-status", "404"},
		{"--rate-limit", "-1"},
		{"--account", "acme=k1", "--account", "acme=k2"},
		{"--account", "secret-key-only"},
		{"stray"},
		{"--nope"},
	} {
		var stderr strings.Builder
		if _, err := parseArgs(args, io.Discard, &stderr); err == nil {
			t.Errorf("parseArgs(%q): no error", args)
		} else if strings.Contains(err.Error()+stderr.String(), "secret-key-only") {
			t.Errorf("parseArgs(%q): the key is echoed", args)
		}
	}
}

// TestBinary builds ometria-emulator, runs it on a free port, pushes a record and reads the stats.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "ometria-emulator")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const key = "sekrit-key-4242"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--addr", "127.0.0.1:0", "--account", "acme="+key, "--retry-after")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan map[string]any, 100)
	var raw strings.Builder
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			raw.WriteString(sc.Text() + "\n")
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
	}()
	var addr string
	for m := range lines {
		if m["msg"] == "listening" {
			addr, _ = m["addr"].(string)
			break
		}
	}
	if addr == "" {
		t.Fatal("no listening line")
	}
	base := "http://" + addr

	req, _ := http.NewRequest("POST", base+"/v2/push", strings.NewReader(`[{"@type":"contact","id":"c1","email":"ann@example.com"}]`))
	req.Header.Set("X-Ometria-Auth", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var pr map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&pr)
	resp.Body.Close()
	if resp.StatusCode != 200 || pr["accepted"] != 1.0 || resp.Header.Get("X-QueueSize-Limit") != "50000" {
		t.Fatalf("push: %d %v", resp.StatusCode, pr)
	}

	resp, err = http.Get(base + "/_emulator/stats")
	if err != nil {
		t.Fatal(err)
	}
	var st ometriatest.Stats
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if a := st.Accounts["acme"]; a.Requests != 1 || a.Records != 1 || a.MaxRequestsPerSecond != 1 {
		t.Errorf("stats %+v", st)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var requestLines int
	for m := range lines {
		if m["msg"] == "request" && m["account"] == "acme" && m["path"] == "/v2/push" && m["status"] == 200.0 {
			requestLines++
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, raw.String())
	}
	if requestLines != 1 {
		t.Errorf("%d request log lines for the push, want 1:\n%s", requestLines, raw.String())
	}
	if strings.Contains(raw.String(), key) {
		t.Errorf("the key appears in the logs")
	}
}

func TestVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--version"}, &out, &errOut); code != exitOK ||
		!strings.HasPrefix(out.String(), "ometria-emulator ") || !strings.Contains(out.String(), "(go1.") || errOut.Len() != 0 {
		t.Fatalf("--version: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
