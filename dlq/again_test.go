package dlq

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/mapper"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// captured is a processor.Producer that keeps what it is given and acknowledges it.
type captured struct {
	mu   sync.Mutex
	msgs []kafka.Message
}

func (c *captured) Produce(msgs []kafka.Message, done func(error)) {
	c.mu.Lock()
	c.msgs = append(c.msgs, msgs...)
	c.mu.Unlock()
	done(nil)
}

// mapOnce runs m through a map stage for account acme and returns what it produced.
func mapOnce(t *testing.T, m kafka.Message) []kafka.Message {
	t.Helper()
	acct, err := mapper.NewAccount(mapper.Settings{Name: "acme", PhoneRegion: "GB"})
	if err != nil {
		t.Fatal(err)
	}
	p := &captured{}
	s := &processor.MapStage{RecordsTopic: "records", DeadLetterTopic: "dlq", Group: "ko-map",
		Resolve:  func(*kafka.Message) (string, error) { return "acme", nil },
		Accounts: map[string]*mapper.Account{"acme": acct}, Producer: p, Metrics: processor.NewMetrics(nil), Log: zap.NewNop()}
	acked := make(chan error, 1)
	s.Handle(context.Background(), m, func(err error) { acked <- err })
	select {
	case err := <-acked:
		if err != nil {
			t.Fatalf("map stage: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the map stage did not finish the message")
	}
	return p.msgs
}

// TestReplayFailingAgainKeepsTheOriginalTimestamp: an event dead-lettered by the map
// stage, replayed and dead-lettered again, still carries the original event's timestamp
// (and its coordinates), not the replay's.
func TestReplayFailingAgainKeepsTheOriginalTimestamp(t *testing.T) {
	e := newReplayEnv(t)
	eventAt := time.Date(2026, 3, 4, 5, 6, 7, 890e6, time.UTC)
	event := kafka.Message{Topic: "rudder.events", Partition: 2, Offset: 41, Time: eventAt, Key: []byte("u1"),
		Value: []byte(`{"type":"identify","userId":"u1"}`)} // no email: dead-lettered, then again
	first := mapOnce(t, event)
	if len(first) != 1 || first[0].Topic != "dlq" {
		t.Fatalf("the map stage produced %v", first)
	}
	reason := hdr(first[0], processor.HeaderReason)
	const want = "2026-03-04T05:06:07.890Z"
	if got := hdr(first[0], processor.HeaderSourceTimestamp); got != want {
		t.Fatalf("the first dead letter's source timestamp %q, want %q", got, want)
	}
	first[0].Topic = ""
	e.k.produce(t, e.dlq, first[0])

	e.run(t, e.opts(Flags{}))
	replayed := e.k.readAll(t, e.replay)
	if len(replayed) != 1 {
		t.Fatalf("%d replayed", len(replayed))
	}
	again := mapOnce(t, replayed[0])
	if len(again) != 1 || again[0].Topic != "dlq" || hdr(again[0], processor.HeaderReason) != reason {
		t.Fatalf("the replayed event gave %v", again)
	}
	dl := NewEntry(again[0])
	if got := hdr(again[0], processor.HeaderSourceTimestamp); got != want || dl.SourceTopic != "rudder.events" ||
		dl.SourcePartition != 2 || dl.SourceOffset != 41 || dl.ReplayCount != 1 {
		t.Errorf("the second dead letter: source timestamp %q (want %q), headers %s", got, want, headerList(again[0].Headers))
	}
}
