package processor

import (
	"context"
	"testing"

	"github.com/segmentio/kafka-go"
)

// A map-stage dead letter replayed (read from the replay topic with the headers the dlq
// tool keeps) that now maps: its record names the original event, not the replay topic,
// and keeps the replay's count, so that if its push fails too, the dead letter says where
// the event is and max_replays still counts.
func TestMapStageRecordOfAReplayKeepsTheOriginal(t *testing.T) {
	p := &fakeProducer{}
	s := newMapStage(t, p)
	m := kafka.Message{Topic: "ometria.replay", Partition: 1, Offset: 7, Value: []byte(identifyEvent), Headers: []kafka.Header{
		{Key: HeaderSourceTopic, Value: []byte("rudder.events")}, {Key: HeaderSourcePartition, Value: []byte("3")},
		{Key: HeaderSourceOffset, Value: []byte("1234")}, {Key: HeaderSourceTimestamp, Value: []byte("2026-01-02T03:00:00.000Z")},
		{Key: HeaderReplayCount, Value: []byte("2")}, {Key: HeaderReplayID, Value: []byte("r1")},
		{Key: HeaderReplayOf, Value: []byte("ometria.dlq/0/55")}, {Key: HeaderReplayedAt, Value: []byte("2026-01-03T00:00:00.000Z")},
		{Key: "x-tenant", Value: []byte("eu")},
	}}
	done, ch := doneOnce(t)
	s.Handle(context.Background(), m, done)
	waitDone(t, ch)
	recs := p.topic("ometria.records")
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	r := recs[0]
	for key, want := range map[string]string{
		HeaderSourceTopic: "rudder.events", HeaderSourcePartition: "3", HeaderSourceOffset: "1234",
		HeaderSourceTimestamp: "2026-01-02T03:00:00.000Z", HeaderReplayCount: "2", HeaderReplayID: "r1",
		HeaderReplayOf: "ometria.dlq/0/55", HeaderReplayedAt: "2026-01-03T00:00:00.000Z", HeaderAccount: "acme",
	} {
		if got := hdr(r, key); got != want {
			t.Errorf("record header %s = %q, want %q (headers %v)", key, got, want, r.Headers)
		}
	}
	seen := map[string]int{}
	for _, x := range r.Headers {
		seen[x.Key]++
		if seen[x.Key] > 1 {
			t.Errorf("record header %s given twice: %v", x.Key, r.Headers)
		}
	}
}
