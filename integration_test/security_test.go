package integration_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// The listeners of scripts/kafka-local start --sasl --tls, as make test-kafka exports them.
// Every listener of that broker serves the same cluster, so a test produces and reads
// through the plain listener (KAFKA_BROKERS) and runs kafka-ometria on a secured one.

// secured is a broker listener that needs credentials, and the kafka: section of a
// config that reaches it.
type secured struct {
	addr  string
	kafka string // YAML flow-style members after brokers: sasl: {...} or tls: {...}, or none
}

func envOrSkip(t *testing.T, why string, names ...string) []string {
	t.Helper()
	if os.Getenv("KAFKA_BROKERS") == "" {
		t.Skipf("needs a real broker with %s: make test-kafka starts one (scripts/kafka-local start --sasl --tls)", why)
	}
	vals := make([]string, len(names))
	for i, n := range names {
		if vals[i] = os.Getenv(n); vals[i] == "" {
			t.Skipf("needs %s: %s is not set (make test-kafka sets it with scripts/kafka-local start --sasl --tls)", why, n)
		}
	}
	return vals
}

func saslListener(t *testing.T, mechanism string) secured {
	v := envOrSkip(t, "a SASL/SCRAM listener", "KAFKA_SASL_BROKERS", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD_FILE")
	return secured{addr: v[0], kafka: fmt.Sprintf("sasl: {mechanism: %s, username: %s, password_file: %q}", mechanism, v[1], v[2])}
}

func tlsListener(t *testing.T) (s secured, ca, cert, key string) {
	v := envOrSkip(t, "a TLS listener", "KAFKA_TLS_BROKERS", "KAFKA_TLS_CA_FILE", "KAFKA_TLS_CERT_FILE", "KAFKA_TLS_KEY_FILE")
	s = secured{addr: v[0], kafka: fmt.Sprintf("tls: {enabled: true, ca_file: %q, cert_file: %q, key_file: %q}", v[1], v[2], v[3])}
	return s, v[1], v[2], v[3]
}

// securedConfig writes e's config for the binary with kafka reaching s instead of e.brokers.
func (e *env) securedConfig(t *testing.T, s secured) string {
	t.Helper()
	path := e.configFile(t, 1000)
	yaml, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	plain := fmt.Sprintf("brokers: [%q]", e.brokers[0])
	if !strings.Contains(string(yaml), plain) {
		t.Fatalf("config %s has no %s", yaml, plain)
	}
	with := fmt.Sprintf("brokers: [%q]", s.addr)
	if s.kafka != "" {
		with += ", " + s.kafka
	}
	out := strings.Replace(string(yaml), plain, with, 1)
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pipelineThrough runs the binary on listener s over 200 events and expects every record
// at the emulator, the dead letters on their topic and a clean exit on SIGTERM: the
// consumer groups, the producers and the admin client all went through s.
func pipelineThrough(t *testing.T, s secured) {
	bin := binary(t)
	e := newEnv(t, 0)
	values, bad := sampleEvents(200)
	want := expected(t, values)
	e.produce(t, values...)
	p := start(t, bin, []string{"OMETRIA_KEY_ACME=key-acme"}, "run", "--config", e.securedConfig(t, s), "--listen", "127.0.0.1:0")
	deadline := time.Now().Add(90 * time.Second)
	for {
		n, wrong := e.atEmulator(t, want)
		if len(wrong) > 0 {
			t.Fatalf("records differ from the mapper's:\n%s", strings.Join(wrong, "\n"))
		}
		if n == len(want) {
			break
		}
		select {
		case <-p.Done():
			t.Fatalf("kafka-ometria exited with %d of %d records pushed:\n%s", n, len(want), p.tail())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d records at the emulator after 90s:\n%s", n, len(want), p.tail())
		}
		time.Sleep(200 * time.Millisecond)
	}
	itest.Eventually(t, 30*time.Second, "offsets committed at the end", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0]) && e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records)
	})
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(30 * time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, p.tail())
	}
	if n := len(e.readAll(t, e.cfg.Topics.DeadLetter)); n != len(bad) {
		t.Fatalf("%d dead letters, want %d", n, len(bad))
	}
}

// failsAtStart runs the binary on listener s and expects it to exit non-zero within 20 s
// with a last line that names every string of want.
func failsAtStart(t *testing.T, s secured, want ...string) {
	bin := binary(t)
	e := newEnv(t, 0)
	p := start(t, bin, []string{"OMETRIA_KEY_ACME=key-acme"}, "run", "--config", e.securedConfig(t, s), "--listen", "127.0.0.1:0")
	t0 := time.Now()
	code := p.wait(20 * time.Second)
	if code == -1 {
		t.Fatalf("still running after 20s: wrong credentials must fail at start\n%s", p.tail())
	}
	if code == 0 {
		t.Fatalf("exit code 0, want non-zero\n%s", p.tail())
	}
	last := p.tail()
	if i := strings.LastIndex(last, "\n"); i >= 0 {
		last = last[i+1:]
	}
	for _, w := range append([]string{"kafka-ometria: ", s.addr}, want...) {
		if !strings.Contains(last, w) {
			t.Errorf("the error %q does not mention %q", last, w)
		}
	}
	if strings.Contains(p.Out.String(), secretOf(t, s)) {
		t.Errorf("the output shows the secret:\n%s", p.Out.String())
	}
	t.Logf("exit %d after %v: %s", code, time.Since(t0).Round(time.Millisecond), last)
}

// secretOf returns the SASL password of s, or a string no output contains.
func secretOf(t *testing.T, s secured) string {
	i := strings.Index(s.kafka, "password_file: ")
	if i < 0 {
		return "\x00no secret\x00"
	}
	var file string
	fmt.Sscanf(s.kafka[i+len("password_file: "):], "%q", &file)
	b, err := os.ReadFile(file)
	if err != nil || len(strings.TrimSpace(string(b))) == 0 {
		return "\x00no secret\x00"
	}
	return strings.TrimSpace(string(b))
}

// TestSASLSCRAMPipeline runs the whole pipeline through the SASL/SCRAM listener.
func TestSASLSCRAMPipeline(t *testing.T) {
	pipelineThrough(t, saslListener(t, config.SASLScramSHA512))
}

// TestSASLSCRAMMechanisms connects with each SCRAM mechanism and reads the topics.
func TestSASLSCRAMMechanisms(t *testing.T) {
	for _, mech := range []string{config.SASLScramSHA256, config.SASLScramSHA512} {
		t.Run(mech, func(t *testing.T) {
			s := saslListener(t, mech)
			user, file := os.Getenv("KAFKA_SASL_USERNAME"), os.Getenv("KAFKA_SASL_PASSWORD_FILE")
			pw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			conn, err := processor.Connect(config.Kafka{Brokers: []string{s.addr},
				SASL: config.SASL{Mechanism: mech, Username: user, PasswordFile: file}}, strings.TrimSpace(string(pw)))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			topic := fmt.Sprintf("sasl-%d", time.Now().UnixNano())
			if _, err := processor.EnsureTopics(ctx, conn, []string{topic}, true, 1); err != nil {
				t.Fatalf("creating a topic over %s: %v", mech, err)
			}
			if _, err := processor.EnsureTopics(ctx, conn, []string{topic}, false, 1); err != nil {
				t.Fatalf("the topic created over %s is not there: %v", mech, err)
			}
		})
	}
}

// TestSASLWrongPassword: a wrong password stops kafka-ometria at start, with an error
// that says authentication failed, and without the password in its output.
func TestSASLWrongPassword(t *testing.T) {
	s := saslListener(t, config.SASLScramSHA256)
	wrong := filepath.Join(t.TempDir(), "wrong-password")
	if err := os.WriteFile(wrong, []byte("not-the-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(s.kafka, "password_file: ")
	s.kafka = s.kafka[:i] + fmt.Sprintf("password_file: %q}", wrong)
	failsAtStart(t, s, "SASL", "uthentication", "kafka.sasl.username")
}

// TestSASLUnknownUser: a user the broker does not know is refused the same way.
func TestSASLUnknownUser(t *testing.T) {
	s := saslListener(t, config.SASLScramSHA512)
	s.kafka = strings.Replace(s.kafka, "username: "+os.Getenv("KAFKA_SASL_USERNAME"), "username: nobody", 1)
	failsAtStart(t, s, "SASL", "uthentication", "kafka.sasl.username")
}

// TestTLSPipeline runs the whole pipeline through the TLS listener, with the CA and the
// client certificate of kafka-local.
func TestTLSPipeline(t *testing.T) {
	s, _, _, _ := tlsListener(t)
	pipelineThrough(t, s)
}

// TestTLSUnknownCA: without ca_file the broker's certificate (signed by kafka-local's own
// CA) is not trusted, and kafka-ometria says so at start.
func TestTLSUnknownCA(t *testing.T) {
	_, _, cert, key := tlsListener(t)
	s := secured{addr: os.Getenv("KAFKA_TLS_BROKERS"), kafka: fmt.Sprintf("tls: {enabled: true, cert_file: %q, key_file: %q}", cert, key)}
	failsAtStart(t, s, "certificate", "kafka.tls.ca_file")
}

// TestTLSNoClientCertificate: the listener requires a client certificate; without one
// kafka-ometria stops at start with the TLS error.
func TestTLSNoClientCertificate(t *testing.T) {
	_, ca, _, _ := tlsListener(t)
	s := secured{addr: os.Getenv("KAFKA_TLS_BROKERS"), kafka: fmt.Sprintf("tls: {enabled: true, ca_file: %q}", ca)}
	failsAtStart(t, s, "tls", "kafka.tls.cert_file")
}

// TestListenerMismatch: a config without the security a listener needs stops at start
// with an error that points at the settings.
func TestListenerMismatch(t *testing.T) {
	t.Run("no SASL for the SASL listener", func(t *testing.T) {
		s := saslListener(t, config.SASLScramSHA256)
		failsAtStart(t, secured{addr: s.addr}, "kafka.sasl")
	})
	t.Run("no TLS for the TLS listener", func(t *testing.T) {
		s, _, _, _ := tlsListener(t)
		failsAtStart(t, secured{addr: s.addr}, "kafka.tls")
	})
}
