package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinary builds kafka-ometria and runs it as a user would.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "kafka-ometria")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfg := writeFile(t, "config.yaml", testConfig)
	events := writeFile(t, "events.jsonl", strings.Join([]string{identifyEvent, invalidJSON, pageEvent, orderEvent}, "\n")+"\n")

	exec1 := func(args ...string) (code int, stdout, stderr string) {
		var out, errOut bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee):
			code = ee.ExitCode()
		default:
			t.Fatal(err)
		}
		return code, out.String(), errOut.String()
	}

	code, stdout, stderr := exec1("map", "--config", cfg, events)
	if code != 0 {
		t.Fatalf("map: exit %d\n%s", code, stderr)
	}
	out := outputLines(t, stdout)
	if len(out) != 4 {
		t.Fatalf("map: %d output lines, want 4:\n%s", len(out), stdout)
	}
	checkMapped(t, out[0], "acme", "contact")
	if out[1]["reason"] != "invalid_json" || out[2]["skipped"] != "unsupported_type" {
		t.Errorf("map: %v, %v", out[1], out[2])
	}
	checkMapped(t, out[3], "acme", "order")
	if !strings.Contains(stderr, "invalid_json") {
		t.Errorf("map: no summary on stderr:\n%s", stderr)
	}

	invalid := writeFile(t, "invalid.yaml", strings.Replace(testConfig, "127.0.0.1:9092", "no-port", 1))
	code, stdout, stderr = exec1("map", "--config", invalid, events)
	if code != 2 || stdout != "" || !strings.Contains(stderr, `kafka.brokers[0]: "no-port" is not host:port`) {
		t.Errorf("map with an invalid config: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
