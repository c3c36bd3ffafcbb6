package main

import (
	"errors"
	"strings"
	"testing"
)

func TestMap(t *testing.T) {
	cfg := writeFile(t, "config.yaml", testConfig)
	input := strings.Join([]string{
		identifyEvent,
		invalidJSON,
		"",
		pageEvent,
		`{"batch":[` + orderEvent + `,` + pageEvent + `,5]}`,
		"   ",
		identifyEvent + "\r", // a CRLF line
	}, "\n") // no final newline: the last line still counts

	r := runCmd(t, input, "map", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	out := outputLines(t, r.stdout)
	if len(out) != 7 {
		t.Fatalf("got %d output lines, want 7:\n%s", len(out), r.stdout)
	}
	wantLines := []int{1, 2, 4, 5, 5, 5, 7}
	for i, o := range out {
		if num(o["line"]) != wantLines[i] {
			t.Errorf("output %d: line %v, want %d", i, o["line"], wantLines[i])
		}
		if _, ok := o["file"]; ok {
			t.Errorf("output %d has a file with one input: %v", i, o)
		}
	}
	checkMapped(t, out[0], "acme", "contact")
	if out[1]["reason"] != "invalid_json" || out[1]["error"] == "" || out[1]["error"] == nil {
		t.Errorf("invalid JSON: %v, want reason invalid_json and an error", out[1])
	}
	if out[2]["skipped"] != "unsupported_type" {
		t.Errorf("page: %v, want skipped unsupported_type", out[2])
	}
	for i, o := range out[:3] {
		if _, ok := o["index"]; ok {
			t.Errorf("output %d has an index outside a batch: %v", i, o)
		}
	}
	for i, o := range out[3:6] {
		if _, ok := o["index"]; !ok || num(o["index"]) != i {
			t.Errorf("batch output %d: index %v, want %d", i, o["index"], i)
		}
	}
	checkMapped(t, out[3], "acme", "order")
	if out[4]["skipped"] != "unsupported_type" || out[5]["reason"] != "not_an_object" {
		t.Errorf("batch outcomes: %v, %v", out[4], out[5])
	}
	checkMapped(t, out[6], "acme", "contact")

	for _, want := range []string{"lines", "7 (2 blank, 1 file)", "events", "records", "dead letters", "invalid_json", "not_an_object", "skipped", "unsupported_type", "warnings"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("summary does not contain %q:\n%s", want, r.stderr)
		}
	}
}

func TestMapFiles(t *testing.T) {
	cfg := writeFile(t, "config.yaml", testConfig)
	a := writeFile(t, "a.jsonl", identifyEvent+"\n"+pageEvent+"\n")
	b := writeFile(t, "b.jsonl", "\n"+invalidJSON+"\n")

	r := runCmd(t, "", "map", "-c", cfg, a, b)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	out := outputLines(t, r.stdout)
	if len(out) != 3 {
		t.Fatalf("got %d output lines, want 3:\n%s", len(out), r.stdout)
	}
	want := []struct {
		file string
		line int
	}{{a, 1}, {a, 2}, {b, 2}}
	for i, w := range want {
		if out[i]["file"] != w.file || num(out[i]["line"]) != w.line {
			t.Errorf("output %d: %v, want file %s line %d", i, out[i], w.file, w.line)
		}
	}
	if !strings.Contains(r.stderr, "2 files") {
		t.Errorf("summary:\n%s", r.stderr)
	}

	// "-" reads standard input.
	r = runCmd(t, pageEvent+"\n", "map", "-c", cfg, "-")
	if out := outputLines(t, r.stdout); r.code != 0 || len(out) != 1 || out[0]["skipped"] != "unsupported_type" {
		t.Errorf("map - : exit %d, %s", r.code, r.stdout)
	}
}

func TestMapAccount(t *testing.T) {
	cfg := writeFile(t, "config.yaml", testConfig)
	r := runCmd(t, identifyEvent+"\n"+pageEvent+"\n", "map", "--config", cfg, "--account", "beta")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	out := outputLines(t, r.stdout)
	if len(out) != 2 {
		t.Fatalf("output:\n%s", r.stdout)
	}
	checkMapped(t, out[0], "beta", "contact")
	if out[1]["reason"] != "unsupported_type" {
		t.Errorf("beta dead-letters page events; got %v", out[1])
	}
}

func TestMapWithoutAccount(t *testing.T) {
	cfg := writeFile(t, "config.yaml", strings.Replace(testConfig, "routing: {default_account: acme}", "", 1))
	r := runCmd(t, identifyEvent+"\n"+pageEvent+"\n", "map", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("dead letters must not fail the command: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, o := range outputLines(t, r.stdout) {
		if o["reason"] != "unknown_account" {
			t.Errorf("without an account: %v, want unknown_account", o)
		}
	}
	if !strings.Contains(r.stderr, "unknown_account") {
		t.Errorf("summary:\n%s", r.stderr)
	}
}

func TestMapLongLines(t *testing.T) {
	cfg := writeFile(t, "config.yaml", testConfig)
	// A 2 MiB event is a line like any other (the mapper decides: here the record is too large).
	big := `{"type":"identify","userId":"u1","traits":{"email":"ann@example.com","listingId":"ol_1","custom_fields":{"blob":"` +
		strings.Repeat("x", 2<<20) + `"}}}`
	// A line over the limit is a dead letter, and the next line is still read.
	huge := strings.Repeat("y", 8<<20+1)
	r := runCmd(t, big+"\n"+huge+"\n"+pageEvent+"\n", "map", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	out := outputLines(t, r.stdout)
	if len(out) != 3 {
		t.Fatalf("got %d output lines, want 3", len(out))
	}
	if num(out[0]["line"]) != 1 || out[0]["reason"] == "message_too_large" {
		t.Errorf("a 2 MiB line: %.200v", out[0])
	}
	if num(out[1]["line"]) != 2 || out[1]["reason"] != "message_too_large" || !strings.Contains(out[1]["error"].(string), "8388609 bytes") {
		t.Errorf("an 8 MiB+1 line: %v", out[1])
	}
	if num(out[2]["line"]) != 3 || out[2]["skipped"] != "unsupported_type" {
		t.Errorf("the line after: %v", out[2])
	}

	r = runCmd(t, pageEvent+"\n"+pageEvent+"\n", "map", "--config", cfg, "--max-line-size", "20")
	if out := outputLines(t, r.stdout); r.code != 0 || len(out) != 2 || out[0]["reason"] != "message_too_large" {
		t.Errorf("--max-line-size 20: exit %d\n%s", r.code, r.stdout)
	}
}

func TestMapUsageErrors(t *testing.T) {
	cfg := writeFile(t, "config.yaml", testConfig)
	invalid := writeFile(t, "invalid.yaml", strings.Replace(testConfig, "phone_region: GB", "phone_region: XX, api_key: sk_secret", 1))
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"missing --config", []string{"map"}, []string{`required flag(s) "config" not set`}},
		{"unreadable config", []string{"map", "--config", cfg + ".missing"}, []string{"no such file"}},
		{"invalid config", []string{"map", "--config", invalid}, []string{
			`accounts.acme.phone_region: "XX" is not a region`, "accounts.acme.api_key: the API key must not be written"}},
		{"unknown account", []string{"map", "--config", cfg, "--account", "nope"}, []string{`--account "nope" is not an account`, "acme beta"}},
		{"missing input", []string{"map", "--config", cfg, "missing.jsonl"}, []string{"missing.jsonl"}},
		{"bad max line size", []string{"map", "--config", cfg, "--max-line-size", "0"}, []string{"--max-line-size"}},
		{"unknown flag", []string{"map", "--frob"}, []string{"unknown flag"}},
		{"unknown command", []string{"frob"}, []string{`unknown command "frob"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, identifyEvent+"\n", tt.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", r.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout:\n%s", r.stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "sk_secret") {
				t.Errorf("stderr reveals the secret:\n%s", r.stderr)
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestMapWriteError(t *testing.T) {
	cfg := writeFile(t, "config.yaml", testConfig)
	var errOut strings.Builder
	code := run(t.Context(), []string{"map", "-c", cfg}, strings.NewReader(pageEvent+"\n"), failingWriter{}, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "broken pipe") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut.String())
	}
}

func TestConfigCheck(t *testing.T) {
	cfg := writeFile(t, "config.yaml", testConfig)
	r := runCmd(t, "", "config", "check", cfg)
	if r.code != 0 || r.stdout != "ok: 2 accounts, stages [map push retry]\n" {
		t.Errorf("config check: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	invalid := writeFile(t, "invalid.yaml", `
kafka: {brokers: []}
ometria: {base_url: "http://api.ometria.com"}
routing: {default_account: nope}
accounts: {acme: {api_key_env: K, phone_region: XX}}
`)
	r = runCmd(t, "", "config", "check", invalid)
	if r.code != 2 || r.stdout != "" {
		t.Errorf("config check invalid: exit %d, stdout %q", r.code, r.stdout)
	}
	lines := strings.Split(r.stderr, "\n")
	for _, want := range []string{
		"kafka.brokers: at least one broker is required",
		"topics.events: at least one event topic is required",
		"ometria.base_url: must be https (http is allowed only for loopback hosts)",
		`routing.default_account: "nope" is not an account`,
		`accounts.acme.phone_region: "XX" is not a region`,
	} {
		found := false
		for _, l := range lines {
			found = found || strings.TrimSpace(l) == want || strings.HasPrefix(strings.TrimSpace(l), want)
		}
		if !found {
			t.Errorf("stderr has no line %q:\n%s", want, r.stderr)
		}
	}

	if r := runCmd(t, "", "config", "check"); r.code != 2 {
		t.Errorf("config check without a file: exit %d", r.code)
	}
}
