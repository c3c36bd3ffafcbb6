//go:build reliability

package reliability

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// setup is one suite's kafka-ometria configuration.
type setup struct {
	prefix         string // of the topics and the group id
	brokers        string // the listener kafka-ometria connects to
	kafkaExtra     string // more YAML flow members of kafka: (sasl: {...})
	partitions     int
	sessionTimeout time.Duration
	commitInterval time.Duration
	accounts       []account
	ometriaURL     string
	ometriaTimeout time.Duration
	retry          string // the retry: section, YAML flow style
	accountExtra   string // more YAML flow members of every account
}

var prefixSeq int

// newSetup returns a setup with topics and groups of their own, accounts named
// <name>00... with random keys at rate, and the defaults of the suites.
func newSetup(t *testing.T, name string, accounts, rate int) *setup {
	prefixSeq++
	s := &setup{
		prefix:         fmt.Sprintf("rel-%s-%d-%d", name, time.Now().Unix()%100000, prefixSeq),
		brokers:        strings.Split(os.Getenv("KAFKA_BROKERS"), ",")[0],
		partitions:     6,
		sessionTimeout: 6 * time.Second,
		commitInterval: time.Second,
		ometriaTimeout: 10 * time.Second,
		retry:          "{initial_delay: 1s, max_delay: 2s, max_attempts: 10}",
	}
	for i := 0; i < accounts; i++ {
		s.accounts = append(s.accounts, account{name: fmt.Sprintf("%s%02d", name, i), key: secret("key"), rate: rate})
	}
	return s
}

// secret returns a random string that nothing else contains, starting with what.
func secret(what string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return what + "-" + hex.EncodeToString(b)
}

func (s *setup) events() string  { return s.prefix + ".events" }
func (s *setup) records() string { return s.prefix + ".records" }
func (s *setup) retryT() string  { return s.prefix + ".retry" }
func (s *setup) dlq() string     { return s.prefix + ".dlq" }
func (s *setup) group(stage string) string {
	return s.prefix + "-" + stage
}

func keyVar(account string) string { return "OMETRIA_KEY_" + strings.ToUpper(account) }

// yaml is the configuration file's text.
func (s *setup) yaml() string {
	var b strings.Builder
	kafkaExtra := ""
	if s.kafkaExtra != "" {
		kafkaExtra = ", " + s.kafkaExtra
	}
	fmt.Fprintf(&b, "kafka: {brokers: [%q], group_id: %s, create_topics: true, topic_partitions: %d, session_timeout: %v, commit_interval: %v%s}\n",
		s.brokers, s.prefix, s.partitions, s.sessionTimeout, s.commitInterval, kafkaExtra)
	fmt.Fprintf(&b, "topics: {events: [%s], records: %s, retry: %s, dead_letter: %s, replay: %s.replay, replays: %s.replays}\n",
		s.events(), s.records(), s.retryT(), s.dlq(), s.prefix, s.prefix)
	fmt.Fprintf(&b, "ometria: {base_url: %q, timeout: %v}\n", s.ometriaURL, s.ometriaTimeout)
	fmt.Fprintf(&b, "retry: %s\n", s.retry)
	b.WriteString("accounts:\n")
	for _, a := range s.accounts {
		extra := ""
		if s.accountExtra != "" {
			extra = ", " + s.accountExtra
		}
		fmt.Fprintf(&b, "  %s: {api_key_env: %s, rate_limit: %d, phone_region: GB%s}\n", a.name, keyVar(a.name), a.rate, extra)
	}
	return b.String()
}

// write writes the configuration file and returns its path.
func (s *setup) write(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kafka-ometria.yaml")
	if err := os.WriteFile(path, []byte(s.yaml()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// keyEnv holds every account's key variable.
func (s *setup) keyEnv() []string {
	var env []string
	for _, a := range s.accounts {
		env = append(env, keyVar(a.name)+"="+a.key)
	}
	return env
}

// mapperAccounts compiles the accounts' mapping settings as kafka-ometria does.
func (s *setup) mapperAccounts(t *testing.T) map[string]*mapper.Account {
	t.Helper()
	cfg, err := config.Parse([]byte(s.yaml()))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, s.yaml())
	}
	accts, err := cfg.MapperAccounts()
	if err != nil {
		t.Fatal(err)
	}
	return accts
}

// instance is a running kafka-ometria.
type instance struct {
	*proc
	metricsAddr string
	started     time.Time
}

// startPipeline runs kafka-ometria run with the configuration at path and args, and
// waits until it serves its metrics.
func startPipeline(t *testing.T, name, path string, env []string, args ...string) *instance {
	t.Helper()
	args = append([]string{"run", "--config", path, "--listen", "127.0.0.1:0"}, args...)
	in := &instance{proc: start(t, name, bins.pipeline, env, args...), started: time.Now()}
	line := in.waitLine(t, 30*time.Second, `"msg":"serving metrics and health"`)
	var l struct{ Address string }
	if err := json.Unmarshal([]byte(line), &l); err != nil || l.Address == "" {
		t.Fatalf("%s: no address in %q: %v", name, line, err)
	}
	in.metricsAddr = l.Address
	return in
}

// get returns the status and body of an HTTP GET of path on the instance's listener.
func (in *instance) get(path string) (int, string, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + in.metricsAddr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// metrics returns the instance's /metrics.
func (in *instance) metrics(t *testing.T) string {
	t.Helper()
	code, body, err := in.get("/metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("%s /metrics: %d %v", in.name, code, err)
	}
	return body
}

// sample is one Prometheus sample: its name, labels and value.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// samples parses the text exposition format (enough of it for kafka-ometria's metrics).
func samples(text string) []sample {
	var out []sample
	for _, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(line[sp+1:], &v); err != nil {
			continue
		}
		head := line[:sp]
		s := sample{labels: map[string]string{}, value: v}
		if i := strings.IndexByte(head, '{'); i >= 0 {
			s.name = head[:i]
			for _, kv := range strings.Split(strings.TrimSuffix(head[i+1:], "}"), ",") {
				if k, val, ok := strings.Cut(kv, "="); ok {
					s.labels[k] = strings.Trim(val, `"`)
				}
			}
		} else {
			s.name = head
		}
		out = append(out, s)
	}
	return out
}

// sum adds up the samples named name whose labels include match.
func sum(ss []sample, name string, match map[string]string) float64 {
	total := 0.0
next:
	for _, s := range ss {
		if s.name != name {
			continue
		}
		for k, v := range match {
			if s.labels[k] != v {
				continue next
			}
		}
		total += s.value
	}
	return total
}

// maxOf is the largest value of the samples named name.
func maxOf(ss []sample, name string) float64 {
	m := 0.0
	for _, s := range ss {
		if s.name == name && s.value > m {
			m = s.value
		}
	}
	return m
}
