package dlq

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestReadPastMarkers: a partition that ends with a transaction's commit marker is read
// to its end without waiting. (kafka-go hands over the markers themselves as messages;
// kafka-ometria's own topics are never written in transactions.)
func TestReadPastMarkers(t *testing.T) {
	k := newTestKafka(t)
	topic := k.topic(t, "tx", 1)
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.conn.Brokers...), kgo.TransactionalID(k.prefix+"-tx"), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	for range 2 {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte{byte('a' + i)}}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
			t.Fatal(err)
		}
	}
	tp, err := OpenTopic(ctx, k.conn, topic, "test")
	if err != nil {
		t.Fatal(err)
	}
	p := tp.Partitions[0]
	start := time.Now()
	var got string
	if err := tp.Read(ctx, 0, p.Start, p.End, func(m kafka.Message) error {
		if len(m.Value) == 1 {
			got += string(m.Value)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got != "abcabc" || p.End != 8 || time.Since(start) > 5*time.Second {
		t.Fatalf("read %q of a partition ending at %d, in %v", got, p.End, time.Since(start))
	}
}
