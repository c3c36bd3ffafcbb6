package integration_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// kafkaLocal returns the path of scripts/kafka-local when the tests run on the broker it
// serves (KAFKA_BROKERS is its address and it runs); it skips the test otherwise.
func kafkaLocal(t *testing.T) string {
	t.Helper()
	brokers := os.Getenv("KAFKA_BROKERS")
	if brokers == "" {
		t.Skip("needs a real broker: set KAFKA_BROKERS (make test-kafka)")
	}
	script, err := filepath.Abs(filepath.Join("..", "scripts", "kafka-local"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		t.Skipf("needs scripts/kafka-local to restart the broker: %v", err)
	}
	port := os.Getenv("KAFKA_PORT")
	if port == "" {
		port = "39092"
	}
	if want := "127.0.0.1:" + port; brokers != want {
		t.Skipf("needs the broker of scripts/kafka-local (KAFKA_BROKERS=%s, KAFKA_PORT=%s), not KAFKA_BROKERS=%s", want, port, brokers)
	}
	out, err := exec.Command(script, "status").Output()
	if err != nil || !strings.Contains(string(out), "KAFKA_BROKERS="+brokers) {
		t.Skipf("scripts/kafka-local status: the broker at %s is not its own (%v, %q)", brokers, err, out)
	}
	return script
}

// produceRetrying writes msgs to the events topic, retrying every error for up to d (a
// broker that just restarted answers with errors for a while). A retry may write some
// messages twice.
func (e *env) produceRetrying(t *testing.T, d time.Duration, msgs []kafka.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	w := e.eventsWriter()
	defer w.Close()
	tries := 0
	for {
		tries++
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		err := w.WriteMessages(wctx, msgs...)
		wcancel()
		if err == nil {
			if tries > 1 {
				t.Logf("produced %d events after %d tries", len(msgs), tries)
			}
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("producing for %v: %v", d, errors.Join(err, ctx.Err()))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestBrokerRestartMidRun restarts the real broker (scripts/kafka-local restart: stopped,
// then started on the same data) while the pipeline pushes, produces more events once it
// is back, and expects the pipeline to recover on its own: every record at the emulator,
// every offset committed, and only the bad events dead-lettered.
func TestBrokerRestartMidRun(t *testing.T) {
	script := kafkaLocal(t)
	const rate = 10
	e := newEnv(t, rate)
	values, bad := sampleEvents(900)
	want := expected(t, values)
	before, after := values[:600], values[600:]
	e.produce(t, before...)
	// Pushes of 5 records at 10/s: about 50 records/s, so that the restart (about 10 s)
	// comes in the middle of the work.
	stop, done := e.runBG(t, func(o *processor.Options) { o.Sink.BatchSize = 5 })
	exited := func() {
		select {
		case err := <-done:
			t.Fatalf("processor.Run returned by itself: %v", err)
		default:
		}
	}
	itest.Eventually(t, 60*time.Second, "some records at the emulator", func() bool {
		exited()
		n, _ := e.atEmulator(t, want)
		return n >= 50
	})
	n0, _ := e.atEmulator(t, want)

	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, script, "restart").CombinedOutput()
	took := time.Since(t0)
	if err != nil {
		t.Fatalf("scripts/kafka-local restart: %v\n%s", err, out)
	}
	n1, _ := e.atEmulator(t, want)
	t.Logf("%d of %d records at the emulator before the restart, %d after it; the restart took %v", n0, len(want), n1, took.Round(time.Millisecond))
	exited()

	t1 := time.Now()
	e.produceRetrying(t, 90*time.Second, routed(after, nil))
	t.Logf("produced %d more events %v after the broker was back", len(after), time.Since(t1).Round(time.Millisecond))

	deadline := time.Now().Add(180 * time.Second)
	for {
		exited()
		n, wrong := e.atAccount("acme", want)
		if len(wrong) > 0 {
			t.Fatalf("records differ from the mapper's:\n%s", strings.Join(wrong, "\n"))
		}
		if n == len(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("180s after the restart: %d of %d records at the emulator; missing %v", n, len(want), e.missing("acme", want))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("every record at the emulator %v after the restart ended", time.Since(t0.Add(took)).Round(time.Millisecond))
	itest.Eventually(t, 90*time.Second, "offsets committed at the end of the events and records topics", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0]) && e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records)
	})
	stop()
	e.checkCommittedPushed(t)
	if r := e.readAll(t, e.cfg.Topics.Retry); len(r) > 0 {
		t.Logf("%d records parked on the retry topic during the restart (all now at the emulator)", len(r))
	}
	// The map stage may read its last events again after the restart: duplicates allowed.
	e.checkDeadLetters(t, values, bad, true)
}
