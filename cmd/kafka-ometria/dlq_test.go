package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafka-ometria/kafka-ometria/processor"
)

// dlqTopic starts an in-process Kafka with a dead-letter topic holding a few entries
// (two map-stage missing_email letters, one push-stage rejection, one without headers)
// and returns a config file for it.
func dlqTopic(t *testing.T) (cfg string, brokers []string) {
	t.Helper()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "ometria.dlq", "ometria.replay", "ometria.records"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	brokers = cluster.ListenAddrs()
	cfg = writeFile(t, "config.yaml", fmt.Sprintf(`
kafka: {brokers: [%q]}
topics: {events: [rudder.events]}
routing: {default_account: acme}
accounts:
  acme: {api_key_env: OMETRIA_KEY_ACME}
`, brokers[0]))
	hd := func(k, v string) kafka.Header { return kafka.Header{Key: k, Value: []byte(v)} }
	letter := func(reason, stage, value string) kafka.Message {
		return kafka.Message{Key: []byte("k"), Value: []byte(value), Headers: []kafka.Header{
			hd(processor.HeaderReason, reason), hd(processor.HeaderStage, stage), hd(processor.HeaderAccount, "acme"),
			hd(processor.HeaderLastFailed, "2026-01-02T03:04:05.000Z")}}
	}
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: "ometria.dlq", Transport: &kafka.Transport{}, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(context.Background(),
		letter("missing_email", "map", `{"type":"identify","userId":"u1"}`),
		letter("missing_email", "map", `{"type":"identify","userId":"u2"}`),
		letter("rejected_by_ometria", "push", `{"@type":"contact","id":"c1"}`),
		kafka.Message{Value: []byte("by hand")},
	); err != nil {
		t.Fatal(err)
	}
	return cfg, brokers
}

func TestDLQCommands(t *testing.T) {
	cfg, brokers := dlqTopic(t)

	r := runCmd(t, "", "dlq", "stats", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "ometria.dlq: 4 entries") || !strings.Contains(r.stdout, "missing_email") ||
		!strings.Contains(r.stdout, "replays: none recorded") {
		t.Fatalf("stats: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCmd(t, "", "dlq", "stats", "--config", cfg, "--json", "--stage", "map")
	var st struct {
		Entries  int            `json:"entries"`
		ByReason map[string]int `json:"by_reason"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); r.code != 0 || err != nil || st.Entries != 2 || st.ByReason["missing_email"] != 2 {
		t.Fatalf("stats --json: %d %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}

	r = runCmd(t, "", "dlq", "inspect", "--config", cfg, "--page-size", "1", "--page", "2", "--reason", "missing_email")
	if r.code != 0 || strings.Count(r.stdout, "── ometria.dlq") != 1 || !strings.Contains(r.stdout, `"userId": "u`) ||
		!strings.Contains(r.stderr, "page 2 of 2: 2 entries match") {
		t.Fatalf("inspect: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCmd(t, "", "dlq", "inspect", "--config", cfg, "--json", "--stage", "none")
	if lines := outputLines(t, r.stdout); r.code != 0 || len(lines) != 1 || lines[0]["value"] != "by hand" {
		t.Fatalf("inspect --json: %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	out := filepath.Join(t.TempDir(), "dlq.jsonl")
	r = runCmd(t, "", "dlq", "export", "--config", cfg, "--stage", "map", "--output", out)
	data, _ := os.ReadFile(out)
	if r.code != 0 || strings.Count(string(data), "\n") != 2 || !strings.Contains(r.stderr, "exported 2 entries") {
		t.Fatalf("export: %d %s\n%s", r.code, data, r.stderr)
	}
	r = runCmd(t, "", "dlq", "export", "--config", cfg, "--reason", "nope")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "no entry of ometria.dlq matches --reason nope (4 entries read)") {
		t.Fatalf("export matching nothing: %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A filter that matches nothing says so, on every command; a replay of nothing sends
	// nothing (the replay topic stays empty until the import below).
	const noMatch = "no entry of ometria.dlq matches --reason nope (4 entries read)"
	r = runCmd(t, "", "dlq", "stats", "--config", cfg, "--reason", "nope")
	if r.code != 0 || !strings.Contains(r.stderr, noMatch) || !strings.Contains(r.stdout, "ometria.dlq: 0 entries") {
		t.Fatalf("stats matching nothing: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCmd(t, "", "dlq", "stats", "--config", cfg, "--reason", "nope", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &st); r.code != 0 || err != nil || st.Entries != 0 || !strings.Contains(r.stderr, noMatch) {
		t.Fatalf("stats --json matching nothing: %d %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	for _, args := range [][]string{{}, {"--json"}} {
		r = runCmd(t, "", append([]string{"dlq", "inspect", "--config", cfg, "--reason", "nope"}, args...)...)
		if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, noMatch) {
			t.Fatalf("inspect %v matching nothing: %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	for _, args := range [][]string{{"--dry-run"}, {}} {
		r = runCmd(t, "", append([]string{"dlq", "replay", "--config", cfg, "--reason", "nope", "--json"}, args...)...)
		var sum struct {
			DryRun bool `json:"dry_run"`
			Counts struct {
				Examined, Matched, Sent int
			} `json:"counts"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &sum); r.code != 0 || err != nil || !strings.Contains(r.stderr, noMatch+": nothing to replay") ||
			sum.Counts.Examined != 4 || sum.Counts.Matched != 0 || sum.Counts.Sent != 0 || sum.DryRun != (len(args) == 1) {
			t.Fatalf("replay %v matching nothing: %d %v\n%s%s", args, r.code, err, r.stdout, r.stderr)
		}
	}
	r = runCmd(t, "", "dlq", "replay", "--config", cfg, "--reason", "nope", "--restart") // as a table, not from the bookmark
	if r.code != 0 || !strings.Contains(r.stderr, noMatch+": nothing to replay") || !strings.Contains(r.stdout, "matching the filter") {
		t.Fatalf("replay matching nothing (again): %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := countMessages(t, brokers, "ometria.replay") + countMessages(t, brokers, "ometria.records"); n != 0 {
		t.Fatalf("a replay matching nothing wrote %d messages", n)
	}

	r = runCmd(t, "", "dlq", "replay", "--config", cfg, "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "dry run: nothing was written") || !strings.Contains(r.stdout, "would send") ||
		!strings.Contains(r.stdout, "to ometria.replay") || !strings.Contains(r.stdout, "no kafka-ometria headers, no --to") {
		t.Fatalf("replay --dry-run: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCmd(t, "", "dlq", "import", out, "--config", cfg, "--json")
	var sum struct {
		Status string `json:"status"`
		Counts struct {
			Sent int `json:"sent"`
		} `json:"counts"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); r.code != 0 || err != nil || sum.Counts.Sent != 2 || sum.Status != "done" {
		t.Fatalf("import: %d %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	r = runCmd(t, "", "dlq", "replay", "--config", cfg, "--stage", "push")
	if r.code != 0 || !strings.Contains(r.stdout, "to ometria.records") {
		t.Fatalf("replay --stage push: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCmd(t, "", "dlq", "stats", "--config", cfg)
	// Every replay is listed, with its filter: the two that matched nothing too.
	if r.code != 0 || !strings.Contains(r.stdout, "replays (4)") || !strings.Contains(r.stdout, "file:"+out+" (every entry)") ||
		!strings.Contains(r.stdout, "ometria.dlq --stage push\n") || strings.Count(r.stdout, "ometria.dlq --reason nope\n") != 2 {
		t.Fatalf("stats after replays: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// countMessages counts the messages of topic, by its partitions' offsets.
func countMessages(t *testing.T, brokers []string, topic string) int {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{}}
	req := map[string][]kafka.OffsetRequest{topic: {kafka.FirstOffsetOf(0), kafka.LastOffsetOf(0), kafka.FirstOffsetOf(1), kafka.LastOffsetOf(1)}}
	resp, err := c.ListOffsets(context.Background(), &kafka.ListOffsetsRequest{Topics: req})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			t.Fatal(p.Error)
		}
		n += int(p.LastOffset - p.FirstOffset)
	}
	return n
}

// TestDLQBadInput: usage errors name the flag (exit 2), a wrong config names the
// setting (exit 2), a missing topic names its setting (exit 1).
func TestDLQBadInput(t *testing.T) {
	cfg, brokers := dlqTopic(t)
	noTopic := writeFile(t, "notopic.yaml", fmt.Sprintf("kafka: {brokers: [%q]}\ntopics: {events: [e], dead_letter: no.such.topic}\naccounts: {acme: {api_key_env: K}}\n", brokers[0]))
	badCfg := writeFile(t, "bad.yaml", "kafka: {brokers: [nope]}\ntopics: {events: [e]}\n")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"dlq", "stats"}, 2, `required flag(s) "config" not set`},
		{[]string{"dlq", "stats", "--config", cfg, "--offset", "9-1"}, 2, `--offset "9-1"`},
		{[]string{"dlq", "inspect", "--config", cfg, "--since", "last week"}, 2, `--since "last week"`},
		{[]string{"dlq", "replay", "--config", cfg, "--stage", "mapp"}, 2, `--stage "mapp"`},
		{[]string{"dlq", "replay", "--config", cfg, "--rate", "-1"}, 2, "--rate"},
		{[]string{"dlq", "inspect", "--config", cfg, "--page", "0"}, 2, "--page"},
		{[]string{"dlq", "stats", "--config", badCfg}, 2, `kafka.brokers[0]: "nope" is not host:port`},
		{[]string{"dlq", "stats", "--config", noTopic}, 1, "topics.dead_letter: topic no.such.topic: the topic does not exist"},
		{[]string{"dlq", "replay", "--config", noTopic}, 1, "topics.dead_letter"},
		{[]string{"dlq", "import", filepath.Join(t.TempDir(), "none.jsonl"), "--config", cfg}, 1, "--from: open"},
		{[]string{"dlq", "replay", "--config", cfg, "--to", "ometria.dlq"}, 1, "--to ometria.dlq is the dead-letter topic"},
	} {
		r := runCmd(t, "", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", c.args, r.code, c.code, c.want, r.stderr)
		}
	}
}

// TestDLQNoKafka: a broker that does not answer is an error naming the setting and the
// brokers, at once.
func TestDLQNoKafka(t *testing.T) {
	cfg := writeFile(t, "c.yaml", "kafka: {brokers: [\"127.0.0.1:1\"]}\ntopics: {events: [e]}\naccounts: {acme: {api_key_env: K}}\n")
	for _, cmd := range []string{"stats", "inspect", "export", "replay", "import"} {
		args := []string{"dlq", cmd, "--config", cfg}
		if cmd == "import" { // a file: the targets are read from Kafka
			args = append(args, writeFile(t, "e.jsonl", `{"topic":"ometria.dlq","partition":0,"offset":0,"value":"{}","headers":[]}`+"\n"))
		}
		r := runCmd(t, "", args...)
		if r.code != 1 || !strings.Contains(r.stderr, "kafka.brokers") || !strings.Contains(r.stderr, "reading the topics from Kafka (127.0.0.1:1)") {
			t.Errorf("dlq %s: exit %d\n%s", cmd, r.code, r.stderr)
		}
	}
}
