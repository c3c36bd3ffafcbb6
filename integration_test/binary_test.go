package integration_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds cmd/kafka-ometria once per test process and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping a test that builds the kafka-ometria binary")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kafka-ometria-it")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "kafka-ometria")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/kafka-ometria").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	stopBroker := chooseBroker()
	code := m.Run()
	stopBroker()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// proc is a running kafka-ometria.
type proc struct{ *itest.Proc }

// start runs the binary with args, in the test's environment (without any OMETRIA_KEY_
// variable) plus env.
func start(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	return &proc{itest.Start(t, bin, env, args...)}
}

// wait waits up to d for the process to exit and returns its exit code; -1 when it did
// not exit in time (it is then killed).
func (p *proc) wait(d time.Duration) int {
	code, _ := p.Wait(d)
	return code
}

// tail returns the last lines of the process's output, for a failure message.
func (p *proc) tail() string { return p.Tail(30) }

// configFile writes the YAML config of e for the binary: the same brokers, topics and
// groups as e.cfg; acme only, its key in OMETRIA_KEY_ACME.
func (e *env) configFile(t *testing.T, rate float64) string {
	t.Helper()
	yaml := fmt.Sprintf(`
kafka: {brokers: [%q], group_id: %s, create_topics: true, topic_partitions: 4}
topics: {events: [%s], records: %s, retry: %s, dead_letter: %s}
routing: {default_account: acme}
ometria: {base_url: %q}
retry: {initial_delay: 200ms, max_delay: 1s, max_attempts: 5}
accounts:
  acme: {api_key_env: OMETRIA_KEY_ACME, rate_limit: %v, phone_region: GB}
`, e.brokers[0], e.prefix, e.cfg.Topics.Events[0], e.cfg.Topics.Records, e.cfg.Topics.Retry, e.cfg.Topics.DeadLetter, e.emu.URL(), rate)
	path := filepath.Join(t.TempDir(), "kafka-ometria.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSIGTERMDrains runs the real binary, sends it SIGTERM while it pushes, and expects a
// clean exit (0, within 30s) having committed only what is at the emulator; a second run
// pushes the rest.
func TestSIGTERMDrains(t *testing.T) {
	bin := binary(t)
	const rate = 4
	e := newEnv(t, rate)
	values, bad := sampleEvents(1500)
	want := expected(t, values)
	e.produce(t, values...)
	cfg := e.configFile(t, rate)
	keyEnv := []string{"OMETRIA_KEY_ACME=key-acme"}
	args := []string{"run", "--config", cfg, "--listen", "127.0.0.1:0"}

	p := start(t, bin, keyEnv, args...)
	itest.Eventually(t, 60*time.Second, "some records at the emulator", func() bool {
		select {
		case <-p.Done():
			t.Fatalf("kafka-ometria exited early: %v\n%s", p.Err(), p.tail())
		default:
		}
		n, _ := e.atEmulator(t, want)
		return n > 0
	})
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	code := p.wait(30 * time.Second)
	took := time.Since(t0)
	if code != 0 {
		t.Fatalf("after SIGTERM: exit code %d after %v (-1: still running after 30s, killed)\n%s", code, took.Round(time.Millisecond), p.tail())
	}
	if !strings.Contains(p.Out.String(), `"kafka-ometria stopped"`) {
		t.Errorf("no \"kafka-ometria stopped\" log line:\n%s", p.tail())
	}
	n, wrong := e.atEmulator(t, want)
	if len(wrong) > 0 {
		t.Fatalf("records differ from the mapper's: %v", wrong)
	}
	committed := e.checkCommittedPushed(t)
	t.Logf("exited %v after SIGTERM; %d of %d records at the emulator, %d committed by the push group", took.Round(time.Millisecond), n, len(want), committed)
	if n == len(want) {
		t.Log("every record was pushed before the exit: the second run has nothing left to push")
	}

	p2 := start(t, bin, keyEnv, args...)
	e.waitAll(t, 60*time.Second, "acme", want)
	itest.Eventually(t, 30*time.Second, "offsets committed at the end of the events and records topics", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0]) && e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records)
	})
	if err := p2.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p2.wait(30 * time.Second); code != 0 {
		t.Fatalf("second run, after SIGTERM: exit code %d (-1: still running after 30s)\n%s", code, p2.tail())
	}
	for _, out := range []string{p.Out.String(), p2.Out.String()} {
		if strings.Contains(out, "key-acme") {
			t.Error("the API key appears in the logs")
		}
	}
	e.checkDeadLetters(t, values, bad, false)
}

// TestBadConfigFails: a broker that cannot be reached, a missing topic without
// create_topics, or an API key variable that is not set each stop kafka-ometria at start,
// within seconds, with a non-zero exit and an error naming the problem.
func TestBadConfigFails(t *testing.T) {
	bin := binary(t)
	e := newEnv(t, 0)
	good := e.configFile(t, 4)
	goodYAML, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(yaml string) string {
		path := filepath.Join(t.TempDir(), "kafka-ometria.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// A broker address where nothing listens: connection refused.
	closed := itest.FreeAddr(t)
	// A cluster without the topics, which does not create topics when asked for them,
	// and a config without create_topics.
	bare, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	missingTopic := strings.Replace(strings.Replace(string(goodYAML), "create_topics: true", "create_topics: false", 1),
		e.brokers[0], bare.ListenAddrs()[0], 1)

	for _, c := range []struct {
		name string
		yaml string
		env  []string
		want []string // in the error
	}{
		{"unreachable broker", strings.Replace(string(goodYAML), e.brokers[0], closed, 1), []string{"OMETRIA_KEY_ACME=key-acme"},
			[]string{closed, "Kafka"}},
		{"missing topic", missingTopic, []string{"OMETRIA_KEY_ACME=key-acme"},
			[]string{e.cfg.Topics.Records, e.cfg.Topics.Events[0], "do not exist", "create_topics"}},
		{"missing API key", string(goodYAML), nil,
			[]string{"accounts.acme.api_key_env", "OMETRIA_KEY_ACME", "not set"}},
	} {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			p := start(t, bin, c.env, "run", "--config", write(c.yaml), "--listen", "127.0.0.1:0")
			t0 := time.Now()
			code := p.wait(20 * time.Second)
			took := time.Since(t0)
			if code == -1 {
				t.Fatalf("still running after 20s: a bad config must fail at start\n%s", p.tail())
			}
			if code == 0 {
				t.Fatalf("exit code 0, want non-zero\n%s", p.tail())
			}
			last := p.tail()
			if i := strings.LastIndex(last, "\n"); i >= 0 {
				last = last[i+1:]
			}
			if !strings.HasPrefix(last, "kafka-ometria: ") {
				t.Errorf("the last line is not the error: %q", last)
			}
			for _, w := range c.want {
				if !strings.Contains(last, w) {
					t.Errorf("the error %q does not mention %q", last, w)
				}
			}
			if took > 15*time.Second {
				t.Errorf("failing took %v", took)
			}
			t.Logf("exit %d after %v: %s", code, took.Round(time.Millisecond), last)
		})
	}
}
