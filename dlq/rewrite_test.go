package dlq

import (
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/processor"
)

func headerList(hs []kafka.Header) string {
	var b strings.Builder
	for _, x := range hs {
		b.WriteString(x.Key + "=" + string(x.Value) + ";")
	}
	return b.String()
}

func TestReplayMessage(t *testing.T) {
	at := time.Date(2026, 5, 6, 7, 8, 9, 10e6, time.UTC)
	letter := kafka.Message{Topic: "ometria.dlq", Partition: 1, Offset: 42, Key: []byte("k"), Value: []byte(`{"type":"identify"}`),
		Headers: []kafka.Header{
			h("x-trace", "t1"), h("ometria-account", "acme"), // the user's headers (the routing header among them)
			h(processor.HeaderSourceTopic, "ev"), h(processor.HeaderSourcePartition, "3"), h(processor.HeaderSourceOffset, "99"),
			h(processor.HeaderSourceTimestamp, "2026-05-01T00:00:00.123Z"), h(processor.HeaderBatchIndex, "2"),
			h(processor.HeaderReason, "missing_email"), h(processor.HeaderMessage, "m"), h(processor.HeaderStage, "map"),
			h(processor.HeaderAttempt, "1"), h(processor.HeaderFirstFailed, "x"), h(processor.HeaderLastFailed, "y"),
			h(processor.HeaderTruncated, "false"), h("ometria-original-reason", "r"), h("ometria-some-future-header", "z"),
			h(processor.HeaderReplayCount, "1"), h(processor.HeaderReplayedAt, "old"), h(processor.HeaderReplayID, "old"),
			h(processor.HeaderReplayOf, "old"), h(processor.HeaderAccount, "beta"),
		}}
	e := NewEntry(letter)
	m := ReplayMessage(e, "ometria.replay", "ometria-account", "id1", at)
	want := "x-trace=t1;ometria-source-topic=ev;ometria-source-partition=3;ometria-source-offset=99;" +
		"ometria-source-timestamp=2026-05-01T00:00:00.123Z;ometria-batch-index=2;" +
		"ometria-account=beta;ometria-replay-count=2;ometria-replayed-at=2026-05-06T07:08:09.010Z;ometria-replay-id=id1;" +
		"ometria-replay-of=ometria.dlq/1/42;"
	if got := headerList(m.Headers); got != want {
		t.Errorf("a map letter's headers:\n%s\nwant\n%s", got, want)
	}
	if m.Topic != "ometria.replay" || string(m.Key) != "k" || string(m.Value) != string(letter.Value) || !m.Time.Equal(at) {
		t.Errorf("%+v", m)
	}

	// A routing header of the user's own is replaced by the letter's account.
	m = ReplayMessage(NewEntry(kafka.Message{Topic: "d", Value: []byte("{}"), Headers: []kafka.Header{
		h("x-account", "old"), h(processor.HeaderStage, "map"), h(processor.HeaderAccount, "acme")}}), "r", "x-account", "id", at)
	if got := headerList(m.Headers); !strings.HasPrefix(got, "x-account=acme;ometria-replay-count=1;") {
		t.Errorf("routing header: %s", got)
	}
	// Without an account, the map stage resolves it as usual: nothing is set.
	m = ReplayMessage(NewEntry(kafka.Message{Topic: "d", Value: []byte("{}"), Headers: []kafka.Header{
		h("x-account", "u"), h(processor.HeaderStage, "map")}}), "r", "x-account", "id", at)
	if got := headerList(m.Headers); !strings.HasPrefix(got, "x-account=u;ometria-replay-count=1;") {
		t.Errorf("no account: %s", got)
	}

	// A record keeps what the push stage needs, and is keyed by its account.
	rec := spec{stage: "push", reason: "rejected_by_ometria", account: "beta", recordType: "contact", source: "ometria.records", failed: at}.message(5)
	rec.Key = nil
	m = ReplayMessage(NewEntry(rec), "ometria.records", "ometria-account", "id", at)
	if got := headerList(m.Headers); string(m.Key) != "beta" || !strings.Contains(got, "ometria-record-type=contact;ometria-record-id=r5;") ||
		!strings.Contains(got, "ometria-account=beta;") || strings.Contains(got, "ometria-reason") || strings.Contains(got, "ometria-stage") {
		t.Errorf("a record: key %q headers %s", m.Key, got)
	}
}

func TestTargets(t *testing.T) {
	ts := Targets{Replay: "rp", Records: "rc"}
	for _, c := range []struct {
		stage, want string
	}{{"map", "rp"}, {"push", "rc"}, {"retry", "rc"}, {"", ""}, {"mystery", ""}} {
		e := NewEntry(kafka.Message{Headers: []kafka.Header{h(processor.HeaderStage, c.stage)}})
		if c.stage == "" {
			e = NewEntry(kafka.Message{})
		}
		if got := ts.Target(e); got != c.want {
			t.Errorf("stage %q: %q, want %q", c.stage, got, c.want)
		}
	}
	if got := ts.String(); got != "map->rp push,retry->rc" { // part of the replay id: it must not change
		t.Errorf("targets %q", got)
	}
	ts.To = "x"
	if ts.Target(NewEntry(kafka.Message{})) != "x" || ts.String() != "all->x" {
		t.Error("--to")
	}
}
