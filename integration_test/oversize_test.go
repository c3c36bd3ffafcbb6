package integration_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// The values of the oversize tests: invalid JSON, and valid events whose record is over
// Ometria's 60 KB (record_too_large), of any size.
func invalidJSON(n int) []byte { v := bytes.Repeat([]byte("x"), n); v[0] = '{'; return v }

func recordTooLarge(n int) []byte {
	head := `{"type":"identify","userId":"u1","traits":{"listingId":"big","email":"ada@example.com","note":"`
	v := bytes.Repeat([]byte("x"), n)
	copy(v, head)
	copy(v[n-3:], `"}}`)
	return v
}

// oversizeCase is one event of the oversize tests and the dead letter it must become.
type oversizeCase struct {
	name   string
	value  []byte
	reason string // the dead letter's ometria-reason
	cutOf  string // when the dead letter must be cut: the reason it would have had
}

// createTopics creates topics (name -> max.message.bytes, 0: the broker default) with
// the partitions of the pipeline's config.
func (e *env) createTopics(t *testing.T, topics map[string]int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, done := e.client()
	defer done()
	if err := itest.CreateTopics(ctx, c, e.cfg.Kafka.TopicPartitions, topics); err != nil {
		t.Fatal(err)
	}
}

// produceLarge writes msgs to the events topic one record batch each (a batch of several
// 10 MB events would be over the topic's limit), retrying while the new topic is not yet
// known everywhere.
func (e *env) produceLarge(t *testing.T, msgs []kafka.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := &kafka.Writer{Addr: kafka.TCP(e.brokers...), Topic: e.cfg.Topics.Events[0], Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, BatchSize: 1, BatchBytes: 32 << 20, Transport: &kafka.Transport{MetadataTTL: time.Second}}
	defer w.Close()
	for {
		err := w.WriteMessages(ctx, msgs...)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("producing the events: %v", errors.Join(err, ctx.Err()))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// readRaw reads every record of topic with franz-go, which, unlike kafka-go's reader,
// tells an empty value from a null one.
func (e *env) readRaw(t *testing.T, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(64<<20), kgo.FetchMaxPartitionBytes(64<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
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

// batchSize is the size of r alone in a record batch, what a broker measures against
// max.message.bytes: 61 bytes of batch header, then the record (with no timestamp delta).
func batchSize(r *kgo.Record) int {
	n := 1 + varintLen(0) + varintLen(0) + varintLen(len(r.Key)) + len(r.Key) + varintLen(len(r.Value)) + len(r.Value) + varintLen(len(r.Headers))
	for _, h := range r.Headers {
		n += varintLen(len(h.Key)) + len(h.Key) + varintLen(len(h.Value)) + len(h.Value)
	}
	return 61 + varintLen(n) + n
}

func varintLen(n int) int {
	u := uint64(int64(n)<<1) ^ uint64(int64(n)>>63) // zig-zag
	l := 1
	for ; u >= 0x80; u >>= 7 {
		l++
	}
	return l
}

func rawHeaders(r *kgo.Record) map[string]string {
	hs := map[string]string{}
	for _, h := range r.Headers {
		hs[h.Key] = string(h.Value)
	}
	return hs
}

// runOversize produces the cases, each after a good event and all on one partition (one
// key), then one more good event, and expects: every good record at the emulator, the map
// group's commit at the end of the events topic, and one dead letter per case, as the
// case says.
func (e *env) runOversize(t *testing.T, cases []oversizeCase) {
	t.Helper()
	good := func(i int) string {
		return fmt.Sprintf(`{"type":"identify","userId":"u%d","traits":{"listingId":"l%d","email":"u%d@example.com"}}`, i, i, i)
	}
	var msgs []kafka.Message
	var goods []string
	for i, c := range cases {
		goods = append(goods, good(i))
		msgs = append(msgs, kafka.Message{Key: []byte("k"), Value: []byte(good(i))},
			kafka.Message{Key: []byte("k"), Value: c.value, Headers: []kafka.Header{{Key: "it-case", Value: []byte(c.name)}}})
	}
	goods = append(goods, good(len(cases)))
	msgs = append(msgs, kafka.Message{Key: []byte("k"), Value: []byte(good(len(cases)))})
	e.produceLarge(t, msgs)

	start := time.Now()
	stop := e.run(t)
	want := expected(t, goods)
	itest.Eventually(t, 45*time.Second, "every good record at the emulator and the map and push groups committed at the end", func() bool {
		n, _ := e.atEmulator(t, want)
		return n == len(want) && e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0]) &&
			e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records)
	})
	t.Logf("%d events, %d to dead-letter, through in %v", len(msgs), len(cases), time.Since(start).Round(time.Millisecond))
	stop()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	limit := processor.MessageLimits(ctx, &processor.Connection{Brokers: e.brokers}, []string{e.cfg.Topics.DeadLetter}, nil)[e.cfg.Topics.DeadLetter]
	dls := map[string]*kgo.Record{}
	for _, d := range e.readRaw(t, e.cfg.Topics.DeadLetter, len(cases)) {
		name := rawHeaders(d)["it-case"]
		if dls[name] != nil {
			t.Errorf("case %q dead-lettered twice", name)
		}
		dls[name] = d
	}
	for _, c := range cases {
		d := dls[c.name]
		if d == nil {
			t.Errorf("case %q: no dead letter", c.name)
			continue
		}
		hs := rawHeaders(d)
		if hs[processor.HeaderReason] != c.reason || hs[processor.HeaderStage] != "map" || hs[processor.HeaderSourceTopic] != e.cfg.Topics.Events[0] {
			t.Errorf("case %q: dead letter with headers %v", c.name, hs)
			continue
		}
		if d.Value == nil {
			t.Errorf("case %q: a null dead letter (a delete marker on a compacted topic)", c.name)
		}
		if c.cutOf == "" {
			if !bytes.Equal(d.Value, c.value) || hs[processor.HeaderTruncated] != "" {
				t.Errorf("case %q: dead letter of %d bytes (truncated: %q), want the %d-byte event unchanged", c.name, len(d.Value), hs[processor.HeaderTruncated], len(c.value))
			}
			continue
		}
		sum := sha256.Sum256(c.value)
		if hs[processor.HeaderOriginalReason] != c.cutOf || hs[processor.HeaderTruncated] != "true" ||
			hs[processor.HeaderOriginalSize] != strconv.Itoa(len(c.value)) || hs[processor.HeaderOriginalSHA256] != hex.EncodeToString(sum[:]) ||
			!strings.Contains(hs[processor.HeaderMessage], c.cutOf) {
			t.Errorf("case %q: cut dead letter with headers %v", c.name, hs)
		}
		if !bytes.HasPrefix(c.value, d.Value) || len(d.Value) >= len(c.value) {
			t.Errorf("case %q: cut value of %d bytes, not a prefix of the %d-byte event", c.name, len(d.Value), len(c.value))
		}
		// Cut to fill the topic's limit, less the difference between kafka-go's count and the
		// wire's (a few bytes of framing).
		if n := batchSize(d); n > limit || n < limit-64 {
			t.Errorf("case %q: a cut dead letter of %d bytes as a record batch, want at most %d and close to it", c.name, n, limit)
		}
	}
}

// TestOversizeDeadLettersCut: events over the dead-letter topic's limit (the broker
// default: kafka-ometria creates it) are dead-lettered cut to fit, with headers that say
// so; an empty event is dead-lettered empty, not null; the partition goes on.
func TestOversizeDeadLettersCut(t *testing.T) {
	e := newEnv(t, 0)
	e.createTopics(t, map[string]int{e.cfg.Topics.Events[0]: 20 << 20})
	e.runOversize(t, []oversizeCase{
		{"1.1 MB invalid JSON", invalidJSON(1_100_000), processor.ReasonMessageTooLarge, "invalid_json"},
		{"10 MB invalid JSON", invalidJSON(10 << 20), processor.ReasonMessageTooLarge, "invalid_json"},
		{"just under the broker default", invalidJSON(1_048_506), processor.ReasonMessageTooLarge, "invalid_json"},
		{"1.1 MB record too large", recordTooLarge(1_100_000), processor.ReasonMessageTooLarge, "record_too_large"},
		{"10 MB record too large", recordTooLarge(10 << 20), processor.ReasonMessageTooLarge, "record_too_large"},
		{"1.48 MB missing type", []byte(`{"note":"` + strings.Repeat("x", 1_480_000) + `"}`), processor.ReasonMessageTooLarge, "missing_type"},
		{"empty", []byte{}, "invalid_json", ""},
	})
}

// TestOversizeFitsRoomyTopics: on a dead-letter topic that takes 20 MB, a 10 MB event is
// dead-lettered whole; a record too large for a records topic of 4 KB is dead-lettered
// (message_too_large) instead.
func TestOversizeFitsRoomyTopics(t *testing.T) {
	e := newEnv(t, 0)
	e.createTopics(t, map[string]int{e.cfg.Topics.Events[0]: 20 << 20, e.cfg.Topics.DeadLetter: 20 << 20, e.cfg.Topics.Records: 4096})
	e.runOversize(t, []oversizeCase{
		{"10 MB invalid JSON", invalidJSON(10 << 20), "invalid_json", ""},
		{"10 MB record too large", recordTooLarge(10 << 20), "record_too_large", ""},
		{"record over the records topic", recordTooLarge(10_000), processor.ReasonMessageTooLarge, ""},
	})
}
