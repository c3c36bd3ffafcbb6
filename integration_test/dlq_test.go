package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/dlq"
	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/mapper"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// newDLQEnv is newEnv with replay topics of the test's own.
func newDLQEnv(t *testing.T) *env {
	e := newEnv(t, 0)
	e.cfg.Topics.Replay, e.cfg.Topics.Replays = e.prefix+".replay", e.prefix+".replays"
	return e
}

func (e *env) conn() *processor.Connection {
	return &processor.Connection{Brokers: e.brokers, Dialer: &kafka.Dialer{Timeout: 10 * time.Second}}
}

// replayOpts are the options `kafka-ometria dlq replay` builds from e's config.
func (e *env) replayOpts(t *testing.T, flags dlq.Flags) dlq.ReplayOptions {
	f, err := flags.Filter()
	if err != nil {
		t.Fatal(err)
	}
	c := e.cfg
	return dlq.ReplayOptions{Conn: e.conn(), DeadLetter: c.Topics.DeadLetter, Replays: c.Topics.Replays,
		Targets: dlq.Targets{Replay: c.Topics.Replay, Records: c.Topics.Records, RoutingHeader: c.Routing.Header},
		Filter:  f, MaxReplays: c.DLQ.MaxReplays, User: "it", Host: "test"}
}

func (e *env) replay(t *testing.T, flags dlq.Flags) *dlq.Summary {
	t.Helper()
	sum, err := dlq.Replay(context.Background(), e.replayOpts(t, flags))
	if err != nil {
		t.Fatalf("replay %+v: %v", flags, err)
	}
	return sum
}

// deadLetters counts the dead letters on the topic by reason and returns their coordinates.
func (e *env) deadLetters(t *testing.T) (counts map[string]int, coords map[string][]string) {
	counts, coords = map[string]int{}, map[string][]string{}
	for _, m := range e.readAll(t, e.cfg.Topics.DeadLetter) {
		r := headers(m)[processor.HeaderReason]
		counts[r]++
		coords[r] = append(coords[r], fmt.Sprintf("%s/%d/%d", m.Topic, m.Partition, m.Offset))
	}
	return counts, coords
}

// TestDLQReplayAfterTheAccountIsFixed: events for an account missing from the config are
// dead-lettered as unknown_account, bad events as missing_email; the read-only commands
// (the binary) report exactly the topic's contents and leave every consumer group
// alone; once the account is configured, replay --reason unknown_account sends exactly
// those entries and their records arrive; replaying the missing_email ones dead-letters
// them again, pointing at the original events, with a replay count.
func TestDLQReplayAfterTheAccountIsFixed(t *testing.T) {
	e := newDLQEnv(t)
	beta := e.cfg.Accounts["beta"]
	delete(e.cfg.Accounts, "beta")
	values, bad := sampleEvents(200)
	msgs, forBeta, forAcme := alternate(values, "beta", "") // the bad events (every 20th, odd) are acme's
	e.produceMsgs(t, msgs)
	stop := e.run(t)
	e.waitAll(t, 60*time.Second, "acme", expected(t, forAcme))
	nBad := len(bad)
	itest.Eventually(t, 30*time.Second, "the dead letters written", func() bool {
		c, _ := e.deadLetters(t)
		return c["unknown_account"] == len(forBeta) && c["missing_email"] == nBad
	})
	itest.Eventually(t, 30*time.Second, "offsets committed", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0]) && e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records)
	})
	stop()
	counts, coords := e.deadLetters(t)
	e.checkReadOnly(t, counts)

	e.cfg.Accounts["beta"] = beta
	stop = e.run(t)
	defer stop()
	sum := e.replay(t, dlq.Flags{Reasons: []string{"unknown_account"}})
	replayed := map[string]bool{}
	for _, m := range e.readAll(t, e.cfg.Topics.Replay) {
		replayed[headers(m)[processor.HeaderReplayOf]] = true
	}
	if sum.Counts.Sent != int64(len(forBeta)) || !maps.Equal(replayed, setOf(coords["unknown_account"])) {
		t.Fatalf("replay --reason unknown_account: %+v; %d replayed, want the %d unknown_account entries", sum.Counts, len(replayed), len(forBeta))
	}
	e.waitAll(t, 60*time.Second, "beta", expectedFor(t, mapper.Settings{Name: "beta"}, forBeta))

	sum = e.replay(t, dlq.Flags{Reasons: []string{"missing_email"}})
	if sum.Counts.Sent != int64(nBad) {
		t.Fatalf("replay --reason missing_email: %+v", sum.Counts)
	}
	itest.Eventually(t, 30*time.Second, "the replayed missing_email events dead-lettered again", func() bool {
		c, _ := e.deadLetters(t)
		return c["missing_email"] == 2*nBad
	})
	for _, m := range e.readAll(t, e.cfg.Topics.DeadLetter) {
		hs := headers(m)
		if hs[processor.HeaderReplayCount] == "" {
			continue
		}
		if hs[processor.HeaderReplayCount] != "1" || hs[processor.HeaderReason] != "missing_email" || hs[processor.HeaderStage] != "map" ||
			hs[processor.HeaderSourceTopic] != e.cfg.Topics.Events[0] || hs[processor.HeaderAccount] != "acme" {
			t.Errorf("a replayed entry dead-lettered again: %v", hs)
		}
	}
	if c, _ := e.deadLetters(t); c["unknown_account"] != len(forBeta) {
		t.Errorf("unknown_account entries after the fix: %d, want the %d of before", c["unknown_account"], len(forBeta))
	}
}

func setOf(vs []string) map[string]bool {
	out := map[string]bool{}
	for _, v := range vs {
		out[v] = true
	}
	return out
}

// checkReadOnly runs dlq stats, inspect, export and replay --dry-run (the binary) and
// checks that they report the topic's contents and leave the consumer groups and their
// offsets as they were.
func (e *env) checkReadOnly(t *testing.T, counts map[string]int) {
	t.Helper()
	bin := binary(t)
	cfg := e.dlqConfigFile(t)
	groups := e.groupOffsets(t)
	exec1 := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		cmd := exec.Command(bin, append(args, "--config", cfg)...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
		return out.String()
	}
	var st dlq.Stats
	if err := json.Unmarshal([]byte(exec1("dlq", "stats", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	if !maps.Equal(st.ByReason, counts) || st.Entries != total || st.ByStage["map"] != total {
		t.Errorf("stats: %+v; the topic holds %v", st, counts)
	}
	if n := strings.Count(exec1("dlq", "inspect", "--json", "--page-size", "0"), "\n"); n != total {
		t.Errorf("inspect: %d entries, the topic holds %d", n, total)
	}
	exported := exec1("dlq", "export")
	all := e.readAll(t, e.cfg.Topics.DeadLetter)
	lines := strings.Split(strings.TrimSuffix(exported, "\n"), "\n")
	if len(lines) != len(all) {
		t.Fatalf("export: %d lines, the topic holds %d", len(lines), len(all))
	}
	for i, l := range lines {
		m, err := dlq.DecodeLine([]byte(l))
		if err != nil || string(m.Value) != string(all[i].Value) || m.Offset != all[i].Offset || len(m.Headers) != len(all[i].Headers) {
			t.Fatalf("export line %d: %v %+v, the topic holds %+v", i+1, err, m, all[i])
		}
	}
	if out := exec1("dlq", "replay", "--dry-run"); !strings.Contains(out, "dry run: nothing was written") {
		t.Errorf("replay --dry-run:\n%s", out)
	}
	if n := len(e.readAll(t, e.cfg.Topics.Replay)); n != 0 {
		t.Errorf("after the read-only commands, %d messages on the replay topic", n)
	}
	if after := e.groupOffsets(t); !maps.Equal(groups, after) {
		t.Errorf("consumer groups and offsets before %v, after %v", groups, after)
	}
}

// groupOffsets lists every consumer group with its committed offsets on the topics the
// stages read ("group topic/partition" -> offset).
func (e *env) groupOffsets(t *testing.T) map[string]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, done := e.client()
	defer done()
	lg, err := c.ListGroups(ctx, &kafka.ListGroupsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, g := range lg.Groups {
		out[g.GroupID] = -2 // listed
		for _, topic := range append(slices.Clone(e.cfg.Topics.Events), e.cfg.Topics.Records, e.cfg.Topics.Retry, e.cfg.Topics.Replay, e.cfg.Topics.DeadLetter) {
			for p, off := range e.committed(t, g.GroupID, topic) {
				out[fmt.Sprintf("%s %s/%d", g.GroupID, topic, p)] = off
			}
		}
	}
	return out
}

// dlqConfigFile writes e's config for the binary's dlq commands.
func (e *env) dlqConfigFile(t *testing.T) string {
	c := e.cfg
	yaml := fmt.Sprintf(`
kafka: {brokers: [%q], group_id: %s}
topics: {events: [%s], records: %s, retry: %s, dead_letter: %s, replay: %s, replays: %s}
accounts:
  acme: {api_key_env: OMETRIA_KEY_ACME}
`, e.brokers[0], e.prefix, c.Topics.Events[0], c.Topics.Records, c.Topics.Retry, c.Topics.DeadLetter, c.Topics.Replay, c.Topics.Replays)
	path := filepath.Join(t.TempDir(), "kafka-ometria.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDLQPushStageLettersReplayed: records Ometria rejects are dead-lettered by the push
// stage; replayed once Ometria takes them, they go to the records topic and arrive.
func TestDLQPushStageLettersReplayed(t *testing.T) {
	e := newDLQEnv(t)
	values, _ := sampleEvents(60)
	want := expected(t, values)
	e.emu.SetFaults(ometriatest.Faults{Rate400: 1})
	e.produce(t, values...)
	stop := e.run(t)
	defer stop()
	itest.Eventually(t, 60*time.Second, "every record dead-lettered by the push stage", func() bool {
		return e.deadLetterCount(t, "push") == len(want)
	})
	e.emu.SetFaults(ometriatest.Faults{})
	sum := e.replay(t, dlq.Flags{Stages: []string{string(config.StagePush)}})
	if sum.Counts.Sent != int64(len(want)) || sum.Counts.SentTo[e.cfg.Topics.Records] != int64(len(want)) {
		t.Fatalf("replay --stage push: %+v", sum.Counts)
	}
	itest.Eventually(t, 60*time.Second, "every replayed record at the emulator", func() bool { n, _ := e.atEmulator(t, want); return n == len(want) })
	if _, wrong := e.atEmulator(t, want); len(wrong) > 0 {
		t.Fatalf("records differ from the mapper's:\n%s", strings.Join(wrong, "\n"))
	}
}

func (e *env) deadLetterCount(t *testing.T, stage string) int {
	n := 0
	for _, m := range e.readAll(t, e.cfg.Topics.DeadLetter) {
		if headers(m)[processor.HeaderStage] == stage {
			n++
		}
	}
	return n
}

// TestDLQReplayKilledAndRestarted kills `kafka-ometria dlq replay` (SIGKILL) half way
// and runs it again: every entry is sent exactly once.
func TestDLQReplayKilledAndRestarted(t *testing.T) {
	bin := binary(t)
	e := newDLQEnv(t)
	const n = 600
	conn := e.conn()
	c := e.cfg.Topics
	if _, err := processor.EnsureTopics(context.Background(), conn, []string{c.DeadLetter, c.Replay, c.Records}, true, 4); err != nil {
		t.Fatal(err)
	}
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprint(i)), Value: fmt.Appendf(nil, `{"type":"identify","userId":"u%d"}`, i),
			Headers: []kafka.Header{{Key: processor.HeaderReason, Value: []byte("missing_email")}, {Key: processor.HeaderStage, Value: []byte("map")},
				{Key: processor.HeaderAccount, Value: []byte("acme")}}}
	}
	w := &kafka.Writer{Addr: kafka.TCP(e.brokers...), Topic: c.DeadLetter, RequiredAcks: kafka.RequireAll, Transport: &kafka.Transport{},
		BatchTimeout: time.Millisecond, BatchSize: 1000}
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	w.Close()
	cfg := e.dlqConfigFile(t)
	args := []string{"dlq", "replay", "--config", cfg, "--rate", "200"}
	p := start(t, bin, nil, args...)
	itest.Eventually(t, 30*time.Second, "the replay half way", func() bool {
		select {
		case <-p.Done():
			t.Fatalf("the replay ended before it was killed: %v\n%s", p.Err(), p.tail())
		default:
		}
		return len(e.readAll(t, c.Replay)) >= n/3
	})
	p.Cmd.Process.Kill()
	p.wait(10 * time.Second)
	killed := len(e.readAll(t, c.Replay))
	p2 := start(t, bin, nil, args...)
	if code := p2.wait(60 * time.Second); code != 0 {
		t.Fatalf("the second run: exit %d\n%s", code, p2.tail())
	}
	seen := map[string]int{}
	for _, m := range e.readAll(t, c.Replay) {
		seen[headers(m)[processor.HeaderReplayOf]]++
	}
	dups := 0
	for _, k := range seen {
		dups += k - 1
	}
	t.Logf("killed after %d sent; then %d in all, %d distinct, %d duplicates\n%s", killed, len(e.readAll(t, c.Replay)), len(seen), dups, p2.tail())
	if len(seen) != n || dups != 0 || killed >= n {
		t.Fatalf("%d distinct entries of %d replayed, %d duplicates", len(seen), n, dups)
	}
}
