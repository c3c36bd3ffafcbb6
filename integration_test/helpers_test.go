package integration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// atAccount reports which of want the emulator holds for account, exactly as expected.
func (e *env) atAccount(account string, want map[string]json.RawMessage) (ok int, wrong []string) {
	got := map[string]json.RawMessage{}
	for _, r := range e.emu.Records(account) {
		got[r.Type+"/"+r.ID] = r.JSON
	}
	for k, w := range want {
		g, found := got[k]
		switch {
		case !found:
		case !sameJSON(g, w):
			wrong = append(wrong, fmt.Sprintf("%s/%s: got %s, want %s", account, k, g, w))
		default:
			ok++
		}
	}
	sort.Strings(wrong)
	return ok, wrong
}

// missing lists (at most 10 of) the keys of want the emulator does not hold for account.
func (e *env) missing(account string, want map[string]json.RawMessage) []string {
	got := map[string]bool{}
	for _, r := range e.emu.Records(account) {
		got[r.Type+"/"+r.ID] = true
	}
	var out []string
	for k := range want {
		if !got[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("... (%d in all)", len(out)))
	}
	return out
}

// waitAll waits until the emulator holds every record of want for account, then checks
// that each is exactly as the mapper made it.
func (e *env) waitAll(t *testing.T, d time.Duration, account string, want map[string]json.RawMessage) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		n, wrong := e.atAccount(account, want)
		if len(wrong) > 0 {
			t.Fatalf("records of %s differ from the mapper's:\n%s", account, strings.Join(wrong, "\n"))
		}
		if n == len(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %d of %d records of %s at the emulator; missing %v", d, n, len(want), account, e.missing(account, want))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// committed returns the offsets group has committed for each partition of topic (-1: none).
func (e *env) committed(t *testing.T, group, topic string) map[int]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, done := e.client()
	defer done()
	parts, err := partitionsOf(ctx, c, topic)
	if err != nil {
		t.Fatal(err)
	}
	of, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		t.Fatalf("offsets of %s on %s: %v", group, topic, err)
	}
	out := map[int]int64{}
	for _, po := range of.Topics[topic] {
		out[po.Partition] = po.CommittedOffset
	}
	return out
}

// checkCommittedPushed fails the test when the push group has committed the offset of a
// record (on the records topic) that the emulator does not hold: everything committed must
// be done, and with no faults and good keys done means at the emulator. It returns how many
// records lie below the committed offsets.
func (e *env) checkCommittedPushed(t *testing.T) int {
	t.Helper()
	committed := e.committed(t, e.pushGroup(), e.cfg.Topics.Records)
	have := map[string]bool{}
	for _, a := range []string{"acme", "beta"} {
		for _, r := range e.emu.Records(a) {
			have[a+"/"+r.Type+"/"+r.ID] = true
		}
	}
	var lost []string
	n := 0
	for _, m := range e.readAll(t, e.cfg.Topics.Records) {
		if m.Offset >= committed[m.Partition] {
			continue
		}
		n++
		hs := headers(m)
		k := string(m.Key) + "/" + hs[processor.HeaderRecordType] + "/" + hs[processor.HeaderRecordID]
		if !have[k] {
			lost = append(lost, fmt.Sprintf("%s (partition %d offset %d, committed %d)", k, m.Partition, m.Offset, committed[m.Partition]))
		}
	}
	if len(lost) > 0 {
		if len(lost) > 10 {
			lost = append(lost[:10], fmt.Sprintf("... (%d in all)", len(lost)))
		}
		t.Fatalf("the push group committed offsets past records that are not at the emulator:\n%s", strings.Join(lost, "\n"))
	}
	return n
}

// headers returns the headers of m by name (the last of each name).
func headers(m kafka.Message) map[string]string {
	hs := map[string]string{}
	for _, h := range m.Headers {
		hs[h.Key] = string(h.Value)
	}
	return hs
}

// checkDeadLetters fails the test unless the dead-letter topic holds exactly the map
// stage's missing_email dead letters of the bad events (each distinct event once) and
// nothing else. It allows duplicates only when dupsOK (a stage that was cut short reads
// its last events again).
func (e *env) checkDeadLetters(t *testing.T, values []string, bad map[int]string, dupsOK bool) {
	t.Helper()
	seen := map[string]int{}
	var unexpected []string
	for _, d := range e.readAll(t, e.cfg.Topics.DeadLetter) {
		hs := headers(d)
		if hs[processor.HeaderStage] != "map" || hs[processor.HeaderReason] != "missing_email" {
			unexpected = append(unexpected, fmt.Sprintf("stage %s reason %s account %s: %s (%s)", hs[processor.HeaderStage],
				hs[processor.HeaderReason], hs[processor.HeaderAccount], d.Value, hs[processor.HeaderMessage]))
			continue
		}
		seen[string(d.Value)]++
	}
	if len(unexpected) > 0 {
		if len(unexpected) > 10 {
			unexpected = append(unexpected[:10], fmt.Sprintf("... (%d in all)", len(unexpected)))
		}
		t.Fatalf("unexpected dead letters:\n%s", strings.Join(unexpected, "\n"))
	}
	for i := range bad {
		if seen[values[i]] == 0 {
			t.Errorf("event %d (%s) was not dead-lettered", i, values[i])
		}
		if seen[values[i]] > 1 && !dupsOK {
			t.Errorf("event %d was dead-lettered %d times", i, seen[values[i]])
		}
		delete(seen, values[i])
	}
	for v := range seen {
		t.Errorf("dead letter of an event that is not bad: %s", v)
	}
}

// endOffsets returns the end offset of each partition of topic.
func (e *env) endOffsets(t *testing.T, topic string) map[int]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, done := e.client()
	defer done()
	parts, err := partitionsOf(ctx, c, topic)
	if err != nil {
		t.Fatal(err)
	}
	lo, err := c.ListOffsets(ctx, itest.LastOffsetsRequest(topic, parts))
	if err != nil {
		t.Fatalf("end offsets of %s: %v", topic, err)
	}
	out := map[int]int64{}
	for _, po := range lo.Topics[topic] {
		out[po.Partition] = max(po.LastOffset, 0)
	}
	return out
}

// partitionsOf returns the partition ids of topic.
func partitionsOf(ctx context.Context, c *kafka.Client, topic string) ([]int, error) {
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil || len(meta.Topics) == 0 {
		return nil, fmt.Errorf("metadata of %s: %v", topic, err)
	}
	var parts []int
	for _, p := range meta.Topics[0].Partitions {
		parts = append(parts, p.ID)
	}
	return parts, nil
}

// mapGroup, pushGroup and retryGroup are the consumer groups of the pipeline's stages.
func (e *env) mapGroup() string   { return config.StageMap.GroupID(e.prefix) }
func (e *env) pushGroup() string  { return config.StagePush.GroupID(e.prefix) }
func (e *env) retryGroup() string { return config.StageRetry.GroupID(e.prefix) }

// metricValue is the value of the gauge or counter name whose label is value (the first
// series when label is ""); 0 when there is none.
func metricValue(t *testing.T, g prometheus.Gatherer, name, label, value string) float64 {
	t.Helper()
	var labels map[string]string
	if label != "" {
		labels = map[string]string{label: value}
	}
	v, _ := itest.Metric(t, g, name, labels)
	return v
}
