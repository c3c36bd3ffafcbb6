package processor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"
)

// kfakeCluster returns a one-broker kfake cluster with the records topic and, unless
// dlqLimit is 0, a dead-letter topic whose max.message.bytes is dlqLimit (else the
// broker default, 1,048,588 bytes).
func kfakeCluster(t *testing.T, dlqLimit int) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.SeedTopics(1, "ometria.records"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cfg := kafka.TopicConfig{Topic: "ometria.dlq", NumPartitions: 1, ReplicationFactor: -1}
	if dlqLimit > 0 {
		cfg.ConfigEntries = []kafka.ConfigEntry{{ConfigName: "max.message.bytes", ConfigValue: strconv.Itoa(dlqLimit)}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := (&kafka.Client{Addr: kafka.TCP(c.ListenAddrs()...)}).CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{cfg}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range resp.Errors {
		if e != nil {
			t.Fatal(e)
		}
	}
	return c.ListenAddrs()
}

// newTestProducer returns a KafkaProducer for brokers sized from the limits of topics.
func newTestProducer(t *testing.T, brokers []string, topics ...string) *KafkaProducer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	limits := MessageLimits(ctx, &Connection{Brokers: brokers}, topics, zap.NewNop())
	p := NewKafkaProducer(brokers, nil, limits)
	t.Cleanup(func() { p.Close() })
	return p
}

// readRaw reads n records of topic with franz-go, which, unlike kafka-go's reader, tells
// an empty value from a null one.
func readRaw(t *testing.T, brokers []string, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(64<<20), kgo.FetchMaxPartitionBytes(64<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%d of %d records read from %s", len(out), n, topic)
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	return out
}

func rawHeader(r *kgo.Record, key string) string {
	v := ""
	for _, h := range r.Headers {
		if h.Key == key {
			v = string(h.Value)
		}
	}
	return v
}

// recordSize is the size of r's record batch on its own, as a broker measures it against
// max.message.bytes (61 bytes of batch header, then the record).
func recordSize(r *kgo.Record) int {
	n := 1 + varintLen(0) + varintLen(0) + varintLen(len(r.Key)) + len(r.Key) + varintLen(len(r.Value)) + len(r.Value) + varintLen(len(r.Headers))
	for _, h := range r.Headers {
		n += varintLen(len(h.Key)) + len(h.Key) + varintLen(len(h.Value)) + len(h.Value)
	}
	return 61 + varintLen(n) + n
}

// TestMapStageOversizeDeadLetters: an event of any size is dead-lettered and the message
// is finished; a dead letter over the dead-letter topic's limit (kafka-go's own check at
// the default 1 MiB, or the broker's max.message.bytes) is written cut, with headers that
// say so.
func TestMapStageOversizeDeadLetters(t *testing.T) {
	big := func(n int) []byte { return bytes.Repeat([]byte("x"), n) }
	// invalid JSON
	invalid := func(n int) []byte { v := big(n); v[0] = '{'; return v }
	// a valid event whose record is over Ometria's 60 KB
	tooLarge := func(n int) []byte {
		head := `{"type":"identify","userId":"u1","traits":{"listingId":"l1","email":"ada@example.com","note":"`
		v := big(n)
		copy(v, head)
		copy(v[n-3:], `"}}`)
		return v
	}
	for _, c := range []struct {
		name     string
		dlqLimit int // 0: the broker default
		value    []byte
		reason   string // the reason it would have had
	}{
		{"1.1 MB invalid JSON", 0, invalid(1_100_000), "invalid_json"},
		{"10 MB invalid JSON", 0, invalid(10 << 20), "invalid_json"},
		{"just under the broker default", 0, invalid(1_048_506), "invalid_json"},
		{"1.1 MB record too large", 0, tooLarge(1_100_000), "record_too_large"},
		{"10 MB record too large", 0, tooLarge(10 << 20), "record_too_large"},
		{"over a 200 KB topic limit", 200_000, invalid(300_000), "invalid_json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			brokers := kfakeCluster(t, c.dlqLimit)
			p := newTestProducer(t, brokers, "ometria.records", "ometria.dlq")
			s := newMapStage(t, p)
			done, ch := doneOnce(t)
			m := kafka.Message{Topic: "rudder.events", Partition: 3, Offset: 7, Key: []byte("k"), Value: c.value}
			s.Handle(context.Background(), m, done)
			select {
			case <-ch:
			case <-time.After(10 * time.Second):
				t.Fatal("the message was not finished: its dead letter was not acknowledged")
			}
			d := readRaw(t, brokers, "ometria.dlq", 1)[0]
			limit := c.dlqLimit
			if limit == 0 {
				limit = 1_048_588
			}
			sum := sha256.Sum256(c.value)
			if rawHeader(d, HeaderReason) != ReasonMessageTooLarge || rawHeader(d, HeaderOriginalReason) != c.reason ||
				rawHeader(d, HeaderTruncated) != "true" || rawHeader(d, HeaderOriginalSize) != strconv.Itoa(len(c.value)) ||
				rawHeader(d, HeaderOriginalSHA256) != hex.EncodeToString(sum[:]) || rawHeader(d, HeaderSourceOffset) != "7" ||
				!strings.Contains(rawHeader(d, HeaderMessage), c.reason) || !strings.Contains(rawHeader(d, HeaderMessage), ReasonMessageTooLarge) {
				t.Fatalf("dead letter headers %v", d.Headers)
			}
			if !bytes.HasPrefix(c.value, d.Value) || len(d.Value) >= len(c.value) || len(d.Value) < limit/2 {
				t.Fatalf("dead letter value of %d bytes, want a prefix of the %d-byte event that fills most of %d bytes", len(d.Value), len(c.value), limit)
			}
			if n := recordSize(d); n > limit {
				t.Fatalf("dead letter of %d bytes, over the topic's limit of %d", n, limit)
			}
			if n := len(rawHeader(d, HeaderMessage)); n > maxMessageHeader {
				t.Fatalf("ometria-message of %d bytes, over %d", n, maxMessageHeader)
			}
		})
	}
}

// TestMapStageEmptyValue: an empty event is dead-lettered with an empty value, not a null
// one, which a compacted dead-letter topic would take for a delete marker.
func TestMapStageEmptyValue(t *testing.T) {
	brokers := kfakeCluster(t, 0)
	p := newTestProducer(t, brokers, "ometria.records", "ometria.dlq")
	s := newMapStage(t, p)
	for i, v := range [][]byte{nil, {}} { // kafka-go's reader gives nil for an empty value
		done, ch := doneOnce(t)
		s.Handle(context.Background(), kafka.Message{Topic: "rudder.events", Offset: int64(i), Key: []byte("k"), Value: v}, done)
		waitDone(t, ch)
	}
	for _, d := range readRaw(t, brokers, "ometria.dlq", 2) {
		if d.Value == nil || len(d.Value) != 0 || rawHeader(d, HeaderReason) != "invalid_json" {
			t.Fatalf("dead letter of offset %s: value %q (nil: %v), reason %s", rawHeader(d, HeaderSourceOffset), d.Value, d.Value == nil, rawHeader(d, HeaderReason))
		}
	}
}
