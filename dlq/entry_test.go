package dlq

import (
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/processor"
)

func TestNewEntry(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 890e6, time.UTC)
	m := spec{stage: "map", reason: "invalid_currency", account: "acme", typ: "track", name: "Order Completed",
		source: "ev", failed: at, replays: 2}.message(7)
	e := NewEntry(m)
	if !e.Managed || e.Reason != "invalid_currency" || e.Stage != "map" || e.Account != "acme" || e.Attempt != 1 ||
		!e.LastFailed.Equal(at) || !e.FailedAt().Equal(at) || e.SourceTopic != "ev" || e.SourceOffset != 107 ||
		e.EventType != "track" || e.EventName != "Order Completed" || e.ReplayCount != 2 || e.Truncated || e.BatchIndex != -1 {
		t.Errorf("%+v", e)
	}
	if l := e.EventLabel(); l != `track "Order Completed"` {
		t.Errorf("event label %q", l)
	}

	rec := NewEntry(spec{stage: "retry", reason: "retries_exhausted", account: "beta", recordType: "order", failed: at}.message(1))
	if rec.RecordType != "order" || rec.RecordID != "r1" || rec.EventType != "" || rec.EventLabel() != "order" || string(rec.Key) != "beta" {
		t.Errorf("a record: %+v", rec)
	}

	// By hand: no kafka-ometria headers; the failure time is the message's.
	bare := NewEntry(kafka.Message{Value: []byte(`{"type":"identify"}`), Time: at})
	if bare.Managed || bare.StageLabel() != "(none)" || !bare.FailedAt().Equal(at) || bare.EventType != "identify" {
		t.Errorf("an entry without headers: %+v", bare)
	}

	// Unreadable headers and values are empty, never a panic.
	odd := NewEntry(kafka.Message{Value: []byte{0xff, '{'}, Headers: []kafka.Header{
		h(processor.HeaderStage, "map"), h(processor.HeaderAttempt, "x"), h(processor.HeaderLastFailed, "yesterday"),
		h(processor.HeaderReplayCount, ""), h(processor.HeaderTruncated, " TRUE "), h(processor.HeaderReason, "a"), h(processor.HeaderReason, "b"),
	}})
	if !odd.Managed || odd.Attempt != 0 || !odd.LastFailed.IsZero() || odd.ReplayCount != 0 || !odd.Truncated || odd.Reason != "b" || odd.EventType != "" {
		t.Errorf("odd headers: %+v", odd)
	}
	if typ, name := eventFields([]byte(`{"type":1,"event":["x"]}`)); typ != "" || name != "" {
		t.Errorf("non-string fields: %q %q", typ, name)
	}
	if c := NewEntry(kafka.Message{Topic: "ometria.dlq", Partition: 2, Offset: 17}).Coordinates(); c != "ometria.dlq/2/17" {
		t.Errorf("coordinates %q", c)
	}
}

func TestFlagsErrorsNameTheFlag(t *testing.T) {
	for _, c := range []struct {
		flags Flags
		want  string
	}{
		{Flags{Stages: []string{"mapp"}}, `--stage "mapp": not map, push, retry or none`},
		{Flags{Since: "yesterday"}, `--since "yesterday"`},
		{Flags{Until: "2026-13-01"}, `--until "2026-13-01"`},
		{Flags{Since: "2026-01-02", Until: "2026-01-01"}, "is not before --until"},
		{Flags{Partitions: []int{-1}}, "--partition -1"},
		{Flags{Offset: "9-3"}, `--offset "9-3"`},
		{Flags{Offset: "a-"}, `--offset "a-"`},
		{Flags{Headers: []string{"novalue"}}, `--header "novalue"`},
		{Flags{Headers: []string{"=v"}}, `--header "=v"`},
	} {
		if _, err := c.flags.Filter(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.flags, err, c.want)
		}
	}
}

func TestFilterCanonical(t *testing.T) {
	a, err := Flags{Reasons: []string{"b", "a,b"}, EventTypes: []string{"Identify"}, Partitions: []int{2, 1, 2},
		Since: "2026-01-01T01:00:00+01:00", Headers: []string{"y=2", "x=1"}, Offset: "5-"}.Filter()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Flags{Reasons: []string{"a", "b"}, EventTypes: []string{"identify"}, Partitions: []int{1, 2},
		Since: "2026-01-01", Headers: []string{"x=1", "y=2"}, Offset: "5-"}.Filter()
	if err != nil {
		t.Fatal(err)
	}
	if a.Canonical() != b.Canonical() {
		t.Errorf("the same filter, two forms:\n%s\n%s", a.Canonical(), b.Canonical())
	}
	c, _ := Flags{Reasons: []string{"a"}}.Filter()
	if c.Canonical() == a.Canonical() || (&Filter{}).Canonical() == c.Canonical() {
		t.Error("different filters, one form")
	}
	if s := b.String(); s != "--reason a,b --event-type identify --since 2026-01-01T00:00:00Z --partition 1,2 --offset 5- --header x=1 --header y=2" {
		t.Errorf("String: %s", s)
	}
	if !(&Filter{}).IsZero() || c.IsZero() {
		t.Error("IsZero")
	}
	if from, to, ok := b.Range(2, 0, 100); !ok || from != 5 || to != 100 {
		t.Errorf("range %d-%d %v", from, to, ok)
	}
	if _, _, ok := b.Range(0, 0, 100); ok {
		t.Error("a partition not selected has a range")
	}
	one, _ := Flags{Offset: "7"}.Filter()
	if from, to, ok := one.Range(0, 0, 100); !ok || from != 7 || to != 8 {
		t.Errorf("one offset: %d-%d", from, to)
	}
	if _, _, ok := one.Range(0, 0, 5); ok {
		t.Error("an offset past the end has a range")
	}
}
