package integration_test

import (
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// TestHandoverKeepsRate: a rolling restart (the old process stops, the new one takes its
// partitions) must keep every account under its rate at Ometria (the design's invariant 3).
// With a clean drain the new owner starts the account cold and waits a second
// (sink/window.go); when the drain times out, the old process's sink drops the records
// of the revoked partition instead of pushing them (group.Abandoned, Record.Ctx).
func TestHandoverKeepsRate(t *testing.T) {
	if testing.Short() {
		t.Skip("two processes and a rolling restart, about 15 s: not in -short")
	}
	const rate = 4
	for _, c := range []struct {
		name string
		tune func(o *processor.Options)
	}{
		{"clean_drain", func(o *processor.Options) { o.Group.PartitionUnfinished, o.Group.PartitionWindow = 8, 8 }},
		{"drain_timed_out", func(o *processor.Options) {
			o.Group.DrainTimeout = time.Second
			o.ShutdownTimeout = 5 * time.Second
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, rate)
			values, _ := sampleEvents(200)
			want := expected(t, values)
			e.produce(t, values...)
			tune := func(o *processor.Options) {
				o.Sink.BatchSize = 1 // one push per record: the account pushes at its rate
				o.Group.HeartbeatInterval = 500 * time.Millisecond
				c.tune(o)
			}
			stop1 := e.runWith(t, tune)
			itest.Eventually(t, 60*time.Second, "records at the emulator", func() bool { n, _ := e.atEmulator(t, want); return n >= 8 })
			// A rolling restart: the old process is stopped as the new one starts.
			stopped := make(chan struct{})
			go func() { stop1(); close(stopped) }()
			stop2 := e.runWith(t, tune)
			<-stopped
			time.Sleep(3 * time.Second)
			stop2()
			statuses := map[int]int{}
			for _, r := range e.emu.Requests("acme") {
				statuses[r.Status]++
			}
			if most := e.emu.MaxRequestsPerSecond("acme"); most > rate {
				t.Fatalf("%d pushes of acme arrived within one second across the handover; its rate is %d/s (pushes by status %v)", most, rate, statuses)
			}
		})
	}
}

// TestSIGTERMWithSlowOmetria: kafka-ometria run must exit within 30s of SIGTERM (the
// default grace period of Kubernetes), even with Ometria answering in 3s: it exits within
// --drain-timeout (20s) plus the sink's shutdown timeout (5s).
func TestSIGTERMWithSlowOmetria(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits out a 20 s drain: not in -short")
	}
	bin := binary(t)
	const rate = 4
	e := newEnv(t, rate)
	e.emu.SetFaults(ometriatest.Faults{Latency: 3 * time.Second})
	values, _ := sampleEvents(1500)
	want := expected(t, values)
	e.produce(t, values...)
	p := start(t, bin, []string{"OMETRIA_KEY_ACME=key-acme"}, "run", "--config", e.configFile(t, rate), "--listen", "127.0.0.1:0")
	itest.Eventually(t, 60*time.Second, "some records at the emulator", func() bool { n, _ := e.atEmulator(t, want); return n > 0 })
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	code := p.wait(45 * time.Second)
	took := time.Since(t0)
	e.checkCommittedPushed(t)
	if code != 0 || took > 30*time.Second {
		t.Fatalf("after SIGTERM: exit code %d after %v, want 0 within 30s\n%s", code, took.Round(time.Millisecond), p.tail())
	}
}

// TestBrokerNotKafkaFails: a broker address where something else listens (here an HTTP
// server, as after a wrong port) must fail at start like an unreachable broker, not hang
// (kafka-go would decode the HTTP answer forever; the topic check has a deadline).
func TestBrokerNotKafkaFails(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits out the 10 s start deadline: not in -short")
	}
	bin := binary(t)
	e := newEnv(t, 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	cfg, err := os.ReadFile(e.configFile(t, 4))
	if err != nil {
		t.Fatal(err)
	}
	path := e.configFile(t, 4)
	if err := os.WriteFile(path, []byte(strings.Replace(string(cfg), e.brokers[0], ln.Addr().String(), 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, bin, []string{"OMETRIA_KEY_ACME=key-acme"}, "run", "--config", path, "--listen", "127.0.0.1:0")
	if code := p.wait(20 * time.Second); code == -1 || code == 0 {
		t.Fatalf("with broker %s (an HTTP server): exit code %d (-1: still running after 20s), want a start error naming the broker\n%s",
			ln.Addr(), code, p.tail())
	}
}
