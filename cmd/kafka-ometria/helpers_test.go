package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testConfig is a valid config: acme (the default account) and beta (dead-letters page events).
const testConfig = `
kafka: {brokers: ["127.0.0.1:9092"]}
topics: {events: [rudder.events]}
routing: {default_account: acme}
accounts:
  acme: {api_key_env: OMETRIA_KEY_ACME, phone_region: GB}
  beta: {api_key_env: OMETRIA_KEY_BETA, unsupported: dead_letter}
`

// Events that are fully valid per docs/mapping.md.
const (
	identifyEvent = `{"type":"identify","userId":"u1","traits":{"email":"ann@example.com","listingId":"ol_1","firstName":"Ann"}}`
	orderEvent    = `{"type":"track","event":"Order Completed","userId":"u1","traits":{"email":"ann@example.com"},"properties":{"order_id":"o1","timestamp":"2024-05-01T10:00:00Z","grand_total":12.5,"currency":"GBP"}}`
	pageEvent     = `{"type":"page","userId":"u1","name":"Home"}`
	invalidJSON   = `{"type":"identify",`
)

// writeFile writes content to name in a temporary directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs the command in-process.
func runCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// outputLines parses every stdout line as a JSON object.
func outputLines(t *testing.T, stdout string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for i, l := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line %d is not a JSON object: %v\n%s", i+1, err, l)
		}
		lines = append(lines, m)
	}
	return lines
}

// checkMapped checks an outcome line of a mapped record: it has account, type and record;
// once the record is built (not null), its type and account are the expected ones.
func checkMapped(t *testing.T, o map[string]any, account, typ string) {
	t.Helper()
	for _, k := range []string{"account", "type", "record"} {
		if _, ok := o[k]; !ok {
			t.Errorf("mapped outcome %v has no %q", o, k)
		}
	}
	for _, k := range []string{"reason", "error", "skipped"} {
		if _, ok := o[k]; ok {
			t.Errorf("mapped outcome %v has %q", o, k)
		}
	}
	rec, ok := o["record"].(map[string]any)
	if !ok {
		return // a stub mapper's empty record
	}
	if o["type"] != typ || o["account"] != account || rec["@type"] != typ {
		t.Errorf("mapped outcome %v: want account %q, type %q", o, account, typ)
	}
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}
