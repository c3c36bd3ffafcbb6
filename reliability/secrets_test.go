//go:build reliability

package reliability

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/group"
	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// saslSetup points s at the SASL/SCRAM listener of scripts/kafka-local --sasl, the
// password read from the variable REL_SASL_PASSWORD; it returns the password (it skips
// the test without the listener).
func saslSetup(t *testing.T, s *setup) string {
	t.Helper()
	addr, user, file := os.Getenv("KAFKA_SASL_BROKERS"), os.Getenv("KAFKA_SASL_USERNAME"), os.Getenv("KAFKA_SASL_PASSWORD_FILE")
	if addr == "" || user == "" || file == "" {
		t.Skip("needs a SASL/SCRAM listener: KAFKA_SASL_BROKERS, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE (scripts/kafka-local start --sasl; make test-reliability starts it)")
	}
	pw, err := os.ReadFile(file)
	if err != nil || len(bytes.TrimSpace(pw)) == 0 {
		t.Fatalf("the SASL password file %s: %v", file, err)
	}
	s.brokers = addr
	s.kafkaExtra = fmt.Sprintf("sasl: {mechanism: SCRAM-SHA-512, username: %s, password_env: REL_SASL_PASSWORD}", user)
	return string(bytes.TrimSpace(pw))
}

// leaks lists where any secret (as is, or base64-encoded) appears in the named texts.
func leaks(secrets []string, texts map[string][]byte) []string {
	var out []string
	for _, sec := range secrets {
		forms := []string{sec, base64.StdEncoding.EncodeToString([]byte(sec)), base64.RawURLEncoding.EncodeToString([]byte(sec))}
		for name, text := range texts {
			for _, f := range forms {
				if bytes.Contains(text, []byte(f)) {
					out = append(out, fmt.Sprintf("%s holds a secret (%.12s...)", name, f))
				}
			}
		}
	}
	return out
}

// topicTexts returns every record of the topics as text: key, headers and value.
func topicTexts(t *testing.T, b *broker, topics ...string) map[string][]byte {
	out := map[string][]byte{}
	for _, topic := range topics {
		var buf bytes.Buffer
		for _, r := range b.readAll(t, topic) {
			buf.Write(r.Key)
			for _, h := range r.Headers {
				fmt.Fprintf(&buf, "\n%s: %s", h.Key, h.Value)
			}
			buf.WriteByte('\n')
			buf.Write(r.Value)
			buf.WriteByte('\n')
		}
		out["topic "+topic] = buf.Bytes()
	}
	return out
}

// refunds are orders with the status refunded (the accounts' order_events), which the
// emulator, with strict_order_status, rejects: dead letters rejected_by_ometria.
func refunds(s *setup, n int) []*kgo.Record {
	var out []*kgo.Record
	for i := 0; i < n; i++ {
		a := s.accounts[i%len(s.accounts)].name
		out = append(out, &kgo.Record{Topic: s.events(), Key: []byte(fmt.Sprintf("refund-%d", i)), Headers: []kgo.RecordHeader{{Key: config.DefaultAccountHeader, Value: []byte(a)}},
			Value: []byte(fmt.Sprintf(`{"type":"track","event":"Order Refunded","userId":"r%[1]d","timestamp":"2026-01-01T00:00:00Z","traits":{"email":"r%[1]d@example.com"},"properties":{"order_id":"refund-%[1]d","total":5,"currency":"GBP"}}`, i))})
	}
	return out
}

const (
	refundedStatus = `order_events: {"order refunded": refunded}`
	strictStatus   = "strict_order_status: true"
)

// secretsFaults make every path that logs or dead-letters run: one account's key
// refused (403: parked, retried, then dead-lettered retries_exhausted), whole pushes
// refused (400: bisected, records dead-lettered rejected_by_ometria), 5xx, 429, dropped
// connections and answers after the 1 s timeout.
func secretsFaults(revoked string) ometriatest.Faults {
	return ometriatest.Faults{Forbidden: []string{revoked}, Rate400: 0.05, Rate5xx: 0.05, Rate429: 0.03, DropRate: 0.03,
		Latency: 10 * time.Millisecond, Jitter: 1050 * time.Millisecond}
}

// TestSecrets runs kafka-ometria through the SASL/SCRAM listener, its password in a
// variable and each account's API key in another, with pushes failing in every way the
// sink knows, invalid events and a revoked key, and looks for the password and the keys
// (as they are, and base64-encoded) in its logs, its /metrics, /healthz and /readyz, the
// records, retry and dead-letter topics, and the errors of runs that fail at start. The
// binary logs at info level and has no flag or variable for debug logs, so the same
// pipeline also runs in this process (processor.Run) with a debug-level logger, whose
// logs, metrics and returned errors are checked the same way.
func TestSecrets(t *testing.T) {
	b := newBroker(t)
	seed := seedFor(t)
	const accounts, rate, events, invalidEvery = 4, 5, 1200, 20
	s := newSetup(t, "secrets", accounts, rate)
	password := saslSetup(t, s)
	s.ometriaTimeout = time.Second
	s.retry = "{initial_delay: 500ms, max_delay: 1s, max_attempts: 2}"
	s.accountExtra = refundedStatus
	emu := startEmulator(t, s.accounts, seed, strictStatus)
	s.ometriaURL = emu.url()
	revoked := s.accounts[accounts-1].name
	emu.setFaults(t, secretsFaults(revoked))
	b.createTopics(t, s.partitions, 0, s.events())
	c := newCorpus(t, s, events, invalidEvery)
	b.produce(t, time.Minute, append(c.recs(0, len(c.events)), refunds(s, 8)...)...)
	path := s.write(t)
	secrets := []string{password}
	for _, a := range s.accounts {
		secrets = append(secrets, a.key)
	}
	env := append(s.keyEnv(), "REL_SASL_PASSWORD="+password)

	// The help of run: a debug level, if the binary ever gets one, is used below.
	help, _ := exec.Command(bins.pipeline, "run", "--help").CombinedOutput()
	var debugArgs []string
	if bytes.Contains(help, []byte("--log-level")) {
		debugArgs = []string{"--log-level", "debug"}
	} else {
		figure(t, "the binary has no debug log level: `kafka-ometria run --help` lists no --log-level (nor any other log flag), and run.go builds its logger at info level; debug-level logs are checked in process")
	}

	in := startPipeline(t, "kafka-ometria", path, env, debugArgs...)
	texts := map[string][]byte{}
	scrape := func(when string) {
		for _, p := range []string{"/metrics", "/healthz", "/readyz"} {
			if _, body, err := in.get(p); err == nil {
				texts[p+" "+when] = []byte(body)
			}
		}
	}
	itest.Eventually(t, 2*time.Minute, "the events mapped, the records pushed or dead-lettered, the revoked account's records dead-lettered", func() bool {
		if in.Exited() {
			t.Fatalf("kafka-ometria exited: %v\n%s", in.Err(), in.Tail(30))
		}
		return b.atEnd(t, s.group("map"), s.events()) && b.atEnd(t, s.group("push"), s.records()) &&
			len(b.readAll(t, s.retryT())) > 0 && b.atEnd(t, s.group("retry"), s.retryT())
	})
	scrape("while running")
	t.Logf("the binary's run done after %v", time.Since(in.started).Round(100*time.Millisecond))
	in.signal(t, syscall.SIGTERM)
	if code := in.wait(40 * time.Second); code != 0 {
		t.Errorf("after SIGTERM: exit code %d\n%s", code, in.Tail(30))
	}
	texts["kafka-ometria's output"] = []byte(in.Out.String())
	for k, v := range topicTexts(t, b, s.records(), s.retryT(), s.dlq()) {
		texts[k] = v
	}
	dlReasons := map[string]int{}
	for _, d := range b.readAll(t, s.dlq()) {
		dlReasons[header(d, "ometria-stage")+"/"+header(d, "ometria-reason")]++
	}
	if dlReasons["push/rejected_by_ometria"] == 0 || dlReasons["retry/retries_exhausted"] == 0 {
		t.Errorf("dead letters by stage and reason %v: the rejected and the revoked paths did not run, the suite proves less than it says", dlReasons)
	}
	logLines := bytes.Count(texts["kafka-ometria's output"], []byte("\n"))

	// Runs that fail at start: a wrong SASL password, an API key variable that is not set.
	wrongPW := secret("wrong-password")
	secrets = append(secrets, wrongPW)
	failing := []struct {
		name string
		env  []string
		want string
	}{
		{"a wrong SASL password", append(s.keyEnv(), "REL_SASL_PASSWORD="+wrongPW), "SASL"},
		{"an unset API key variable", append(s.keyEnv()[1:], "REL_SASL_PASSWORD="+password), keyVar(s.accounts[0].name)},
	}
	for _, f := range failing {
		p := start(t, "kafka-ometria ("+f.name+")", bins.pipeline, f.env, "run", "--config", path, "--listen", "127.0.0.1:0")
		t1 := time.Now()
		code := p.wait(40 * time.Second)
		t.Logf("%s: exit %d after %v", f.name, code, time.Since(t1).Round(100*time.Millisecond))
		out := p.Out.String()
		if code == 0 || code == -1 || !strings.Contains(out, f.want) {
			t.Errorf("%s: exit code %d (-1: still running after 40 s), want non-zero and an error naming %q:\n%s", f.name, code, f.want, p.Tail(10))
		}
		texts["the output of a run with "+f.name] = []byte(out)
	}

	// The same pipeline in process, logging at debug level.
	dbg, dbgLines, dbgErrs := debugRun(t, b, seed, password)
	for k, v := range dbg {
		texts[k] = v
	}
	secrets = append(secrets, dbgErrs...)

	if l := leaks(secrets, texts); len(l) > 0 {
		t.Errorf("secrets found:\n%s", strings.Join(l, "\n"))
	}
	size := 0
	for _, v := range texts {
		size += len(v)
	}
	figure(t, "%d secrets (the SASL password, the API keys of both runs, two wrong passwords), as they are and base64-encoded: none in %d texts (%d KB: %d log lines of the binary, %d log lines at debug level in process, /metrics, /healthz, /readyz, the records, retry and dead-letter topics, with dead letters by stage/reason %v, the errors of 2 failed starts and of a failed in-process run)",
		len(secrets), len(texts), size/1024, logLines, dbgLines, dlReasons)
}

// debugRun runs processor.Run in this process through the SASL listener with a
// debug-level logger, the secrets faults and a wrong password once; it returns the texts
// to search (the logs, the metrics, the errors), how many log lines, and the secrets it
// made up.
func debugRun(t *testing.T, b *broker, seed int64, password string) (map[string][]byte, int, []string) {
	t.Helper()
	s := newSetup(t, "secretsdbg", 3, 5)
	saslSetup(t, s)
	s.ometriaTimeout = time.Second
	s.retry = "{initial_delay: 500ms, max_delay: 1s, max_attempts: 2}"
	s.accountExtra = refundedStatus
	emu := startEmulator(t, s.accounts, seed+1, strictStatus)
	s.ometriaURL = emu.url()
	emu.setFaults(t, secretsFaults(s.accounts[2].name))
	b.createTopics(t, s.partitions, 0, s.events())
	c := newCorpus(t, s, 600, 20)
	b.produce(t, time.Minute, append(c.recs(0, len(c.events)), refunds(s, 6)...)...)
	cfg, err := config.Parse([]byte(s.yaml()))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, a := range s.accounts {
		keys[a.name] = a.key
	}
	var logs itest.Buffer
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&logs), zap.DebugLevel))
	reg := prometheus.NewRegistry()
	opts := processor.Options{Config: cfg, SASLPassword: password, Logger: log, Registry: reg,
		Group: group.Config{DrainTimeout: 4 * time.Second},
		Keys: func(a string) (string, error) {
			k, ok := keys[a]
			if !ok {
				return "", fmt.Errorf("%q is not an account", a)
			}
			return k, nil
		}}
	ctx, cancel := context.WithCancel(context.Background())
	t0 := time.Now()
	done := make(chan error, 1)
	go func() { done <- processor.Run(ctx, opts) }()
	itest.Eventually(t, 2*time.Minute, "the in-process run mapped, pushed and dead-lettered everything", func() bool {
		select {
		case err := <-done:
			t.Fatalf("processor.Run returned: %v", err)
		default:
		}
		return b.atEnd(t, s.group("map"), s.events()) && b.atEnd(t, s.group("push"), s.records()) &&
			len(b.readAll(t, s.retryT())) > 0 && b.atEnd(t, s.group("retry"), s.retryT())
	})
	t.Logf("the in-process run done after %v", time.Since(t0).Round(100*time.Millisecond))
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	metrics := rec.Body
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("processor.Run: %v", err)
	}
	if !strings.Contains(logs.String(), `"level":"debug"`) {
		t.Errorf("no debug line in the in-process logs: the logger is not at debug level")
	}

	// A wrong password: the error returned.
	wrong := secret("wrong-password")
	opts.SASLPassword, opts.Logger = wrong, log
	opts.Registry = prometheus.NewRegistry()
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	t1 := time.Now()
	runErr := processor.Run(ctx2, opts)
	t.Logf("in process, a wrong SASL password: %v after %v", runErr, time.Since(t1).Round(100*time.Millisecond))
	if runErr == nil {
		t.Errorf("processor.Run with a wrong SASL password returned no error")
		runErr = errors.New("")
	}
	texts := map[string][]byte{"the in-process debug logs": []byte(logs.String()), "the in-process metrics": metrics.Bytes(),
		"the in-process error": []byte(runErr.Error())}
	texts["topics of the in-process run"] = bytes.Join(func() [][]byte {
		var out [][]byte
		for _, v := range topicTexts(t, b, s.records(), s.retryT(), s.dlq()) {
			out = append(out, v)
		}
		return out
	}(), nil)
	var sec []string
	for _, a := range s.accounts {
		sec = append(sec, a.key)
	}
	return texts, strings.Count(logs.String(), "\n"), append(sec, wrong)
}
