package processor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	dto "github.com/prometheus/client_model/go"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

// TestMessageSizeIsKafkaGos: messageSize is the count kafka-go checks against BatchBytes:
// a writer whose BatchBytes is a message's messageSize takes it, one byte less refuses it.
func TestMessageSizeIsKafkaGos(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, m := range []kafka.Message{
		{Topic: "t"},
		{Topic: "t", Key: []byte("k"), Value: []byte("v")},
		{Topic: "t", Value: bytes.Repeat([]byte("x"), 300), Headers: []kafka.Header{h("a", "b"), {Key: strings.Repeat("k", 200)}, h("c", strings.Repeat("v", 70000))}},
	} {
		n := messageSize(&m)
		for _, bb := range []int{n, n - 1} {
			w := &kafka.Writer{Addr: kafka.TCP(c.ListenAddrs()...), BatchBytes: int64(bb), BatchTimeout: time.Millisecond}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := w.WriteMessages(ctx, m)
			cancel()
			w.Close()
			var tooLarge kafka.MessageTooLargeError
			if got := errors.As(err, &tooLarge); got != (bb < n) {
				t.Errorf("message of messageSize %d, BatchBytes %d: %v", n, bb, err)
			}
		}
	}
}

// TestProducerFillsBatchesTheBrokerTakes: KafkaProducer, sized from a topic's
// max.message.bytes, writes the largest message it allows one byte more would refuse,
// and fills batches of many messages that the broker takes (the broker counts the wire's
// bytes, not kafka-go's).
func TestProducerFillsBatchesTheBrokerTakes(t *testing.T) {
	const limit = 100_000
	brokers := kfakeCluster(t, limit)
	p := newTestProducer(t, brokers, "ometria.dlq")
	max := p.MaxMessageSize("ometria.dlq")
	if max != limit-61 {
		t.Fatalf("MaxMessageSize %d, want %d", max, limit-61)
	}
	sized := func(n int) kafka.Message {
		m := kafka.Message{Topic: "ometria.dlq", Key: []byte("k"), Headers: []kafka.Header{h(HeaderReason, "x")}}
		m.Value = bytes.Repeat([]byte("v"), n-messageSize(&m))
		return m
	}
	produce := func(msgs ...kafka.Message) error {
		ch := make(chan error, 1)
		p.Produce(msgs, func(err error) { ch <- err })
		select {
		case err := <-ch:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Produce did not call done")
			return nil
		}
	}
	if err := produce(sized(max)); err != nil {
		t.Fatalf("a message of the largest size: %v", err)
	}
	if err := produce(sized(max + 1)); !permanent(err) {
		t.Fatalf("a message one byte larger: %v, want a permanent error", err)
	}
	// 500 messages of 1,000 bytes: five batches, each filled to BatchBytes by kafka-go.
	var many []kafka.Message
	for range 500 {
		many = append(many, sized(1000))
	}
	if err := produce(many...); err != nil {
		t.Fatalf("500 messages of 1,000 bytes: %v", err)
	}
	if n := len(readRaw(t, brokers, "ometria.dlq", 501)); n != 501 {
		t.Fatalf("%d messages on the topic, want 501", n)
	}
}

// TestMessageLimits reads each topic's max.message.bytes, the broker's message.max.bytes
// for a topic it cannot describe, and 1 MiB when it cannot reach the cluster.
func TestMessageLimits(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "plain"), kfake.BrokerConfigs(map[string]string{"message.max.bytes": "3000000"}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conn := &Connection{Brokers: c.ListenAddrs()}
	ctx := context.Background()
	resp, err := (&kafka.Client{Addr: kafka.TCP(conn.Brokers...)}).CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
		Topic: "roomy", NumPartitions: 1, ReplicationFactor: -1,
		ConfigEntries: []kafka.ConfigEntry{{ConfigName: "max.message.bytes", ConfigValue: "20971520"}}}}})
	if err != nil || resp.Errors["roomy"] != nil {
		t.Fatal(err, resp.Errors)
	}
	got := MessageLimits(ctx, conn, []string{"plain", "roomy", "missing"}, zap.NewNop())
	// kfake describes a topic without a value of its own with Kafka's default, where Kafka
	// gives the broker's: both are what the topic takes, or less.
	if want := map[string]int{"plain": 1048588, "roomy": 20971520, "missing": 3000000}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("limits %v, want %v", got, want)
	}
	down := &Connection{Brokers: []string{closedAddr(t)}}
	if got := MessageLimits(ctx, down, []string{"plain"}, zap.NewNop()); got["plain"] != DefaultMaxMessageBytes {
		t.Fatalf("limits with no cluster %v, want %d", got, DefaultMaxMessageBytes)
	}
}

// closedAddr is an address where nothing listens.
func closedAddr(t *testing.T) string {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	addr := c.ListenAddrs()[0]
	c.Close()
	return addr
}

// TestFitDeadLetter cuts the value first, then leaves out the source's headers, then cuts
// the key; what cannot fit even so is returned whole, false.
func TestFitDeadLetter(t *testing.T) {
	src := kafka.Message{Topic: "rudder.events", Partition: 1, Offset: 9, Key: []byte("key"),
		Headers: []kafka.Header{h("trace", "t1"), h(HeaderAccount, "acme")}}
	f := failure{stage: config.StageMap, reason: "invalid_json", message: "invalid_json: unexpected end", account: "acme"}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	value := bytes.Repeat([]byte("x"), 10_000)

	dl, reason := deadLetter("ometria.dlq", 20_000, &src, value, f, now)
	if reason != "invalid_json" || !bytes.Equal(dl.Value, value) || hdr(dl, HeaderTruncated) != "" {
		t.Fatalf("a dead letter that fits: reason %s, %d bytes, headers %v", reason, len(dl.Value), dl.Headers)
	}

	dl, reason = deadLetter("ometria.dlq", 2_000, &src, value, f, now)
	if reason != ReasonMessageTooLarge || messageSize(&dl) != 2_000 || !bytes.HasPrefix(value, dl.Value) ||
		hdr(dl, HeaderOriginalReason) != "invalid_json" || hdr(dl, HeaderOriginalSize) != "10000" || hdr(dl, HeaderTruncated) != "true" ||
		hdr(dl, "trace") != "t1" || hdr(dl, HeaderSourceOffset) != "9" || string(dl.Key) != "key" ||
		!strings.HasPrefix(hdr(dl, HeaderMessage), "message_too_large: ") || !strings.Contains(hdr(dl, HeaderMessage), "; it was invalid_json: unexpected end") {
		t.Fatalf("cut: reason %s, size %d, headers %v", reason, messageSize(&dl), dl.Headers)
	}

	big := src
	big.Headers = append([]kafka.Header{h("huge", strings.Repeat("h", 5_000))}, src.Headers...)
	dl, _ = deadLetter("ometria.dlq", 2_000, &big, value, f, now)
	if messageSize(&dl) != 2_000 || hdr(dl, "huge") != "" || hdr(dl, "trace") != "" || hdr(dl, HeaderAccount) != "acme" ||
		hdr(dl, HeaderSourceOffset) != "9" || !strings.Contains(hdr(dl, HeaderMessage), "and 2 of its 12 headers are left out") {
		t.Fatalf("headers over the limit: size %d, headers %v, message %q", messageSize(&dl), len(dl.Headers), hdr(dl, HeaderMessage))
	}

	long := src
	long.Key = bytes.Repeat([]byte("k"), 5_000)
	dl, _ = deadLetter("ometria.dlq", 2_000, &long, value, f, now)
	if messageSize(&dl) != 2_000 || len(dl.Value) != 0 || dl.Value == nil || !bytes.HasPrefix(long.Key, dl.Key) || len(dl.Key) == 0 {
		t.Fatalf("key over the limit: size %d, key %d bytes, value %d bytes", messageSize(&dl), len(dl.Key), len(dl.Value))
	}

	if _, ok := fitDeadLetter(kafka.Message{Topic: "t", Value: value, Headers: failureHeaders(&src, f, now, nil)}, 100); ok {
		t.Fatal("a dead letter fit in 100 bytes")
	}
}

func TestBoundMessage(t *testing.T) {
	for _, s := range []string{"short", strings.Repeat("é", 2000), strings.Repeat("x", 5000)} {
		b := boundMessage(s)
		if len(b) > maxMessageHeader || !utf8.ValidString(b) || !strings.HasPrefix(s, strings.TrimSuffix(b, "…")) || (len(s) <= maxMessageHeader) != (b == s) {
			t.Errorf("boundMessage of %d bytes: %d bytes, %q...", len(s), len(b), b[:min(len(b), 20)])
		}
	}
	f := failure{stage: config.StagePush, reason: ReasonRejected, message: strings.Repeat("rejected ", 1000)}
	if n := len(hdr(kafka.Message{Headers: failureHeaders(&kafka.Message{}, f, time.Now(), nil)}, HeaderMessage)); n > maxMessageHeader {
		t.Fatalf("ometria-message of %d bytes", n)
	}
}

// TestRecordTooLargeForRecordsTopic: a record over the records topic's limit is not
// produced there; its event is dead-lettered, message_too_large, counted.
func TestRecordTooLargeForRecordsTopic(t *testing.T) {
	p := &limitedProducer{limits: map[string]int{"ometria.records": 200}}
	s := newMapStage(t, p)
	done, ch := doneOnce(t)
	s.Handle(context.Background(), kafka.Message{Topic: "rudder.events", Offset: 5, Value: []byte(identifyEvent)}, done)
	waitDone(t, ch)
	recs, dls := p.topic("ometria.records"), p.topic("ometria.dlq")
	if len(recs) != 0 || len(dls) != 1 || hdr(dls[0], HeaderReason) != ReasonMessageTooLarge || string(dls[0].Value) != identifyEvent ||
		!strings.Contains(hdr(dls[0], HeaderMessage), "ometria.records") || hdr(dls[0], HeaderTruncated) != "" {
		t.Fatalf("records %v, dead letters %v", recs, dls)
	}
	var c dto.Metric
	if err := s.Metrics.deadLettered.WithLabelValues(string(config.StageMap), ReasonMessageTooLarge).Write(&c); err != nil || c.GetCounter().GetValue() != 1 {
		n := c.GetCounter().GetValue()
		t.Fatalf("dead_lettered_total{map,message_too_large} %v, want 1", n)
	}
}

// TestRetryTooLargeForRetryTopic: a record whose retry is over the retry topic's limit is
// dead-lettered instead, message_too_large.
func TestRetryTooLargeForRetryTopic(t *testing.T) {
	s, _, srv := pushSetup(t, config.StagePush)
	p := &limitedProducer{limits: map[string]int{"ometria.retry": 300}}
	s.Producer = p
	srv.SetFaults(ometriatest.Faults{Forbidden: []string{"acme"}})
	done, ch := doneOnce(t)
	s.Handle(context.Background(), recordMsg("acme", "c1", `{"@type":"contact","id":"c1","email":"a@example.com"}`), done)
	waitDone(t, ch)
	if rs, dls := p.topic("ometria.retry"), p.topic("ometria.dlq"); len(rs) != 0 || len(dls) != 1 || hdr(dls[0], HeaderReason) != ReasonMessageTooLarge ||
		!strings.Contains(hdr(dls[0], HeaderMessage), "ometria.retry") {
		t.Fatalf("retries %v, dead letters %v", rs, dls)
	}
}

// limitedProducer is a fakeProducer with message size limits, which it enforces as
// kafka-go does (a topic it has no limit of takes DefaultMaxMessageBytes).
type limitedProducer struct {
	fakeProducer
	limits map[string]int
}

func (p *limitedProducer) MaxMessageSize(topic string) int {
	if l, ok := p.limits[topic]; ok {
		return batchBytes(l)
	}
	return batchBytes(DefaultMaxMessageBytes)
}

func (p *limitedProducer) Produce(msgs []kafka.Message, done func(error)) {
	for i := range msgs {
		if messageSize(&msgs[i]) > p.MaxMessageSize(msgs[i].Topic) {
			go done(kafka.MessageTooLargeError{Message: msgs[i]})
			return
		}
	}
	p.fakeProducer.Produce(msgs, done)
}
