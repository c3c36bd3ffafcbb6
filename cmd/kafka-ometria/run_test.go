package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

func get(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// runningPipeline is `kafka-ometria run` running in-process on the in-process Kafka and
// the emulator (account acme), with one identify event produced.
type runningPipeline struct {
	emu    *ometriatest.Server
	addr   string // of /metrics, /healthz and /readyz
	cancel context.CancelFunc
	exit   chan int
	errOut *itest.Buffer
}

// startRun starts the pipeline; extra is YAML added to the config's kafka section, flags
// are added to the command line.
func startRun(t *testing.T, kafkaExtra string, flags ...string) *runningPipeline {
	t.Helper()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	emu := ometriatest.NewServer(ometriatest.Config{}, ometriatest.Account{Name: "acme", Key: "secret-key-acme"})
	t.Cleanup(emu.Close)
	t.Setenv("OMETRIA_KEY_ACME", "secret-key-acme")
	cfg := writeFile(t, "config.yaml", fmt.Sprintf(`
kafka: {brokers: [%q], create_topics: true, topic_partitions: 2%s}
topics: {events: [rudder.events]}
routing: {default_account: acme}
ometria: {base_url: %q}
accounts:
  acme: {api_key_env: OMETRIA_KEY_ACME}
`, cluster.ListenAddrs()[0], kafkaExtra, emu.URL()))

	w := &kafka.Writer{Addr: kafka.TCP(cluster.ListenAddrs()...), Topic: "rudder.events", AllowAutoTopicCreation: true}
	if err := w.WriteMessages(context.Background(), kafka.Message{Value: []byte(identifyEvent)}); err != nil {
		t.Fatal(err)
	}
	w.Close()

	rp := &runningPipeline{emu: emu, addr: itest.FreeAddr(t), exit: make(chan int, 1), errOut: &itest.Buffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	rp.cancel = cancel
	t.Cleanup(cancel)
	go func() {
		var out bytes.Buffer
		rp.exit <- run(ctx, append([]string{"run", "--config", cfg, "--listen", rp.addr}, flags...), strings.NewReader(""), &out, rp.errOut)
	}()
	return rp
}

// waitFor polls cond until it holds, failing after 30 s or if run exits.
func (rp *runningPipeline) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		select {
		case code := <-rp.exit:
			t.Fatalf("run exited %d: %s", code, rp.errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// TestRunServesMetricsAndStopsCleanly runs `kafka-ometria run` in-process on the
// in-process Kafka and the emulator: one event reaches Ometria, /readyz, /healthz and
// /metrics answer, and cancelling (what SIGTERM does) exits 0.
func TestRunServesMetricsAndStopsCleanly(t *testing.T) {
	rp := startRun(t, "")
	emu, addr, cancel, exit, errOut := rp.emu, rp.addr, rp.cancel, rp.exit, rp.errOut
	rp.waitFor(t, "the event reaches the emulator", func() bool { _, ok := emu.Record("acme", "contact", "", "ol_1"); return ok })
	if code, body := get("http://" + addr + "/readyz"); code != 200 {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	if code, _ := get("http://" + addr + "/healthz"); code != 200 {
		t.Fatalf("/healthz: %d", code)
	}
	if code, _ := get("http://" + addr + "/debug/pprof/"); code != 404 {
		t.Fatalf("/debug/pprof/ without --pprof: %d, want 404", code)
	}
	// The emulator keeps the record before it answers; the push's counters move only
	// when the answer is back. Wait for them rather than race the response.
	const pushed = `kafka_ometria_pushed_total{account="acme",outcome="accepted",type="contact"} 1`
	var metrics string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, metrics = get("http://" + addr + "/metrics"); strings.Contains(metrics, pushed) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %s 10s after the record reached the emulator:\n%s", pushed, metrics)
		}
	}
	for _, m := range []string{"kafka_ometria_consumed_total", "kafka_ometria_mapped_total", "kafka_ometria_pushed_total",
		"kafka_ometria_ometria_requests_total", "kafka_ometria_in_flight", "kafka_ometria_commit_lag",
		"kafka_ometria_consumer_lag", "kafka_ometria_committed_offset", "go_goroutines"} {
		if !strings.Contains(metrics, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	// Series whose labels are known ahead exist from the start, at 0 (see Metrics.zero).
	if zero := `kafka_ometria_dead_lettered_total{reason="invalid_json",stage="map"} 0`; !strings.Contains(metrics, zero) {
		t.Errorf("/metrics lacks %s", zero)
	}
	if strings.Contains(metrics, "secret-key-acme") {
		t.Error("/metrics holds the API key")
	}
	if logs := errOut.String(); !strings.Contains(logs, `"msg":"created topics (kafka.create_topics)"`) ||
		!strings.Contains(logs, `"topics":["ometria.dlq","ometria.records","ometria.replay","ometria.retry"]`) {
		t.Errorf("no log line names the topics created:\n%s", logs)
	}
	if !strings.Contains(errOut.String(), `"msg":"kafka-ometria running"`) {
		t.Errorf("no JSON log line says it runs:\n%s", errOut.String())
	}
	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("run exited %d after cancel: %s", code, errOut.String())
		}
		if strings.Contains(errOut.String(), "secret-key-acme") {
			t.Fatal("the logs hold the API key")
		}
	case <-time.After(40 * time.Second):
		t.Fatal("run did not stop within 40s of the signal")
	}
}

func TestRunUsageErrors(t *testing.T) {
	cfg := writeFile(t, "config.yaml", testConfig)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown stage", []string{"run", "--config", cfg, "--stages", "map,nope"}, `--stages: "nope" is not a stage (map, push, retry)`},
		// Both accounts' keys are missing: both are named, in account order.
		{"missing API keys", []string{"run", "--config", cfg, "--listen", ""},
			"accounts.acme.api_key_env: environment variable OMETRIA_KEY_ACME is not set\naccounts.beta.api_key_env: environment variable OMETRIA_KEY_BETA is not set"},
		{"no config", []string{"run"}, "config"},
		{"drain longer than the session", []string{"run", "--config", cfg, "--drain-timeout", "25s"},
			"--drain-timeout 25s: at most 2/3 of kafka.session_timeout (30s)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"OMETRIA_KEY_ACME", "OMETRIA_KEY_BETA"} {
				t.Setenv(k, "") // restored after the test
				os.Unsetenv(k)
			}
			r := runCmd(t, "", c.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d naming %q", r.code, r.stderr, exitUsage, c.want)
			}
		})
	}
}

// TestRunStagesFlagIsValidated: --stages goes through the config's validation, as
// KAFKA_OMETRIA_STAGES does: the map stage without event topics, or a stage listed twice,
// is a configuration error (exit 2) before anything starts.
func TestRunStagesFlagIsValidated(t *testing.T) {
	// Valid configs whose broker refuses connections, should anything get that far: one
	// for the push and retry stages only, without event topics, and one for every stage.
	broker := itest.FreeAddr(t)
	noEvents := writeFile(t, "config.yaml", fmt.Sprintf(`
kafka: {brokers: [%q]}
stages: [push, retry]
accounts:
  acme: {api_key_env: OMETRIA_KEY_ACME}
`, broker))
	cfg := writeFile(t, "config.yaml", fmt.Sprintf(`
kafka: {brokers: [%q]}
topics: {events: [rudder.events]}
accounts:
  acme: {api_key_env: OMETRIA_KEY_ACME}
`, broker))
	t.Setenv("OMETRIA_KEY_ACME", "secret-key-acme")
	t.Setenv("KAFKA_OMETRIA_STAGES", "") // restored after the test
	os.Unsetenv("KAFKA_OMETRIA_STAGES")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"map without event topics", []string{"run", "--config", noEvents, "--listen", "", "--stages", "map"},
			"topics.events: at least one event topic is required when the map stage runs"},
		{"stage listed twice", []string{"run", "--config", cfg, "--listen", "", "--stages", "map,map"},
			`--stages: "map" is listed twice`},
		{"twice in two flags", []string{"run", "--config", cfg, "--listen", "", "--stages", "push", "--stages", "push"},
			`--stages: "push" is listed twice`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCmd(t, "", c.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d naming %q", r.code, r.stderr, exitUsage, c.want)
			}
		})
	}
}

// TestRunReadyzFailsWhileAPartitionIsStalled: a push that takes longer than
// kafka.stall_timeout makes /readyz fail, naming the partition, and a log line say so;
// once the push is done /readyz is ready again.
func TestRunReadyzFailsWhileAPartitionIsStalled(t *testing.T) {
	rp := startRun(t, ", stall_timeout: 1s")
	rp.emu.SetFaults(ometriatest.Faults{Latency: 5 * time.Second})
	url := "http://" + rp.addr + "/readyz"
	var body string
	rp.waitFor(t, "/readyz fails naming the stalled partition", func() bool {
		var code int
		code, body = get(url)
		return code == http.StatusServiceUnavailable && strings.Contains(body, "stalled: group kafka-ometria-push, ometria.records partition")
	})
	m := regexp.MustCompile(`ometria\.records partition (\d+) at offset 0 `).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("/readyz says %q, want the stalled partition at offset 0", body)
	}
	// The log line names the partition and offset in its fields, not only in its text.
	want := map[string]any{"group": "kafka-ometria-push", "topic": "ometria.records", "partition": m[1], "offset": "0"}
	var stalls []map[string]any
	for _, l := range outputLines(t, rp.errOut.String()) {
		if l["msg"] == "partition stalled: its oldest unfinished message is older than the stall timeout" {
			stalls = append(stalls, l)
		}
	}
	if len(stalls) == 0 {
		t.Fatalf("no log line names the stall:\n%s", rp.errOut.String())
	}
	for _, l := range stalls {
		for k, v := range want {
			if got := fmt.Sprint(l[k]); got != v {
				t.Errorf("the stall's log line has %s %q, want %q: %v", k, got, v, l)
			}
		}
		if level := l["level"]; level != "error" {
			t.Errorf("the stall's log line is at level %v, want error", level)
		}
	}
	rp.waitFor(t, "the record reaches the emulator", func() bool { _, ok := rp.emu.Record("acme", "contact", "", "ol_1"); return ok })
	rp.waitFor(t, "/readyz is ready again", func() bool { code, _ := get(url); return code == http.StatusOK })
	_, metrics := get("http://" + rp.addr + "/metrics")
	if !strings.Contains(metrics, `kafka_ometria_oldest_unfinished_seconds{group="kafka-ometria-push",partition=`) {
		t.Errorf("/metrics lacks the push group's oldest-unfinished gauge")
	}
}

// TestRunServesProfilesWithPprof: --pprof adds Go's runtime profiles to --listen.
func TestRunServesProfilesWithPprof(t *testing.T) {
	rp := startRun(t, "", "--pprof")
	rp.waitFor(t, "the event reaches the emulator", func() bool { _, ok := rp.emu.Record("acme", "contact", "", "ol_1"); return ok })
	code, body := get("http://" + rp.addr + "/debug/pprof/goroutine?debug=1")
	if code != 200 || !strings.Contains(body, "goroutine profile:") {
		t.Fatalf("/debug/pprof/goroutine: %d %.200s", code, body)
	}
}
