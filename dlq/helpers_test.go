package dlq

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafka-ometria/kafka-ometria/processor"
)

// testKafka is a Kafka for a test: KAFKA_BROKERS when set, else an in-process kfake.
type testKafka struct {
	conn   *processor.Connection
	prefix string
}

var topicSeq int

func newTestKafka(t testing.TB) *testKafka {
	t.Helper()
	brokers := strings.Split(os.Getenv("KAFKA_BROKERS"), ",")
	if os.Getenv("KAFKA_BROKERS") == "" {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(3))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		brokers = c.ListenAddrs()
	}
	topicSeq++
	return &testKafka{conn: &processor.Connection{Brokers: brokers, Dialer: &kafka.Dialer{Timeout: 10 * time.Second}},
		prefix: fmt.Sprintf("dlq%d%d", time.Now().UnixNano()%1e6, topicSeq)}
}

// topic creates a topic of the test with partitions partitions and returns its name.
func (k *testKafka) topic(t testing.TB, name string, partitions int) string {
	t.Helper()
	name = k.prefix + "." + name
	if _, err := processor.EnsureTopics(context.Background(), k.conn, []string{name}, true, partitions); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		tp, err := OpenTopic(context.Background(), k.conn, name, "test")
		if err == nil && len(tp.Partitions) == partitions {
			return name
		}
		if time.Now().After(deadline) {
			t.Fatalf("topic %s: %v", name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// produce writes msgs to topic, each to its Partition, in order.
func (k *testKafka) produce(t testing.TB, topic string, msgs ...kafka.Message) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(k.conn.Brokers...), Topic: topic, RequiredAcks: kafka.RequireAll,
		Balancer:  kafka.BalancerFunc(func(m kafka.Message, _ ...int) int { return m.Partition }),
		BatchSize: 1000, BatchTimeout: time.Millisecond, Transport: &kafka.Transport{}}
	defer w.Close()
	for len(msgs) > 0 {
		n := min(len(msgs), 5000)
		if err := w.WriteMessages(context.Background(), msgs[:n]...); err != nil {
			t.Fatal(err)
		}
		msgs = msgs[n:]
	}
}

// readAll returns every message of topic, partition by partition.
func (k *testKafka) readAll(t testing.TB, topic string) []kafka.Message {
	t.Helper()
	tp, err := OpenTopic(context.Background(), k.conn, topic, "test")
	if err != nil {
		t.Fatal(err)
	}
	var out []kafka.Message
	for _, p := range tp.Partitions {
		if err := tp.Read(context.Background(), p.ID, p.Start, p.End, func(m kafka.Message) error {
			out = append(out, m)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func hdr(m kafka.Message, key string) string { return headerOf(m, key) }

func h(k, v string) kafka.Header { return kafka.Header{Key: k, Value: []byte(v)} }
