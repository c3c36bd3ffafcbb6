// Package integration_test runs the whole pipeline (processor.Run) against a Kafka broker
// and the Ometria emulator, on the Kafka that chooseBroker picks (broker_choice_test.go):
// KAFKA_BROKERS, else a testcontainers-go container when Docker answers, else kfake.
package integration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/group"
	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/mapper"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/processor"
	"github.com/kafka-ometria/kafka-ometria/sink"
)

// env is one pipeline under test.
type env struct {
	brokers []string
	emu     *ometriatest.Server
	cfg     *config.Config
	prefix  string
}

var topicsSeq int

func newEnv(t *testing.T, accountRate float64) *env {
	t.Helper()
	brokers := strings.Split(os.Getenv("KAFKA_BROKERS"), ",")
	if os.Getenv("KAFKA_BROKERS") == "" {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(4))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		brokers = c.ListenAddrs()
	}
	topicsSeq++
	prefix := fmt.Sprintf("it%d%d", time.Now().UnixNano()%1e6, topicsSeq)
	rate := accountRate
	if rate == 0 {
		rate = math.Inf(1)
	}
	emu := ometriatest.NewServer(ometriatest.Config{},
		ometriatest.Account{Name: "acme", Key: "key-acme", RateLimit: rate}, ometriatest.Account{Name: "beta", Key: "key-beta", RateLimit: rate})
	t.Cleanup(emu.Close)
	sinkRate := accountRate
	if sinkRate == 0 {
		sinkRate = 1000
	}
	yaml := fmt.Sprintf(`
kafka: {brokers: [%q], group_id: %s, create_topics: true, topic_partitions: 4}
topics: {events: [%s.events], records: %s.records, retry: %s.retry, dead_letter: %s.dlq}
routing: {default_account: acme}
ometria: {base_url: %q}
retry: {initial_delay: 200ms, max_delay: 1s, max_attempts: 5}
accounts:
  acme: {api_key_env: K, rate_limit: %v, phone_region: GB}
  beta: {api_key_env: K, rate_limit: %v}
`, brokers[0], prefix, prefix, prefix, prefix, prefix, emu.URL(), sinkRate, sinkRate)
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return &env{brokers: brokers, emu: emu, cfg: cfg, prefix: prefix}
}

// run starts the pipeline; the returned stop cancels it and waits for it.
func (e *env) run(t *testing.T) (stop func()) {
	return e.runWith(t, nil)
}

// runWith starts the pipeline with the options run uses, changed by tune (nil: none).
func (e *env) runWith(t *testing.T, tune func(*processor.Options)) (stop func()) {
	stop, _ = e.runBG(t, tune)
	return stop
}

// runBG starts the pipeline with the options run uses, changed by tune (nil: none), and
// also returns a channel that receives its result, so that a test sees it give up.
func (e *env) runBG(t *testing.T, tune func(*processor.Options)) (stop func(), done <-chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	opts := processor.Options{
		Config: e.cfg,
		Keys:   func(a string) (string, error) { return "key-" + a, nil },
		Group:  group.Config{CommitInterval: 100 * time.Millisecond},
		Sink:   sinkForTests,
	}
	if tune != nil {
		tune(&opts)
	}
	go func() { ch <- processor.Run(ctx, opts) }()
	var stopped bool
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-ch:
			if err != nil && !strings.Contains(err.Error(), "context canceled") {
				t.Errorf("processor.Run: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Error("processor.Run did not stop within 60s")
		}
	}
	t.Cleanup(stop)
	return stop, ch
}

func (e *env) produce(t *testing.T, values ...string) {
	t.Helper()
	e.produceMsgs(t, routed(values, nil))
}

// produceMsgs writes msgs to the events topic (acks=all).
func (e *env) produceMsgs(t *testing.T, msgs []kafka.Message) {
	t.Helper()
	w := e.eventsWriter()
	defer w.Close()
	e.produceWith(t, w, msgs)
}

// produceWith writes msgs with w, creating the event topics first: a real broker creates
// an auto-created topic asynchronously, and kafka-go's Writer does not retry its first
// "unknown topic" answer. Processes starting at the same time may be creating it too: a
// failed attempt is tried again.
func (e *env) produceWith(t *testing.T, w *kafka.Writer, msgs []kafka.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn := &processor.Connection{Brokers: e.brokers}
	for attempt := 1; ; attempt++ {
		_, err := processor.EnsureTopics(ctx, conn, e.cfg.Topics.Events, true, e.cfg.Kafka.TopicPartitions)
		if err == nil {
			err = w.WriteMessages(ctx, msgs...)
		}
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("producing the events: %v", err)
		}
		t.Logf("producing the events, attempt %d: %v; trying again", attempt, err)
		time.Sleep(300 * time.Millisecond)
	}
}

// routed returns one message per value, keyed by its index, with the routing header
// (ometria-account) set to account(i) when account is not nil and returns a name.
func routed(values []string, account func(i int) string) []kafka.Message {
	msgs := make([]kafka.Message, len(values))
	for i, v := range values {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprint(i)), Value: []byte(v)}
		if account == nil {
			continue
		}
		if a := account(i); a != "" {
			msgs[i].Headers = []kafka.Header{{Key: config.DefaultAccountHeader, Value: []byte(a)}}
		}
	}
	return msgs
}

// alternate routes values to two accounts in turn: even positions to even (no header
// when it is ""), odd ones to odd. It returns the messages and each account's values.
func alternate(values []string, even, odd string) (msgs []kafka.Message, evens, odds []string) {
	var parts [2][]string
	for i, v := range values {
		parts[i%2] = append(parts[i%2], v)
	}
	accounts := [2]string{even, odd}
	return routed(values, func(i int) string { return accounts[i%2] }), parts[0], parts[1]
}

// sampleEvents returns n events: identify, custom events and orders, and a bad one in 20.
func sampleEvents(n int) (values []string, bad map[int]string) {
	bad = map[int]string{}
	for i := 0; i < n; i++ {
		var v string
		switch {
		case i%20 == 19:
			v = fmt.Sprintf(`{"type":"identify","userId":"u%d","traits":{"listingId":"l%d"}}`, i, i)
			bad[i] = "missing_email"
		case i%3 == 0:
			v = fmt.Sprintf(`{"type":"identify","userId":"u%d","traits":{"listingId":"l%d","email":"u%d@example.com","phone":"07911 %06d"}}`, i, i, i, 100000+i)
		case i%3 == 1:
			v = fmt.Sprintf(`{"type":"track","event":"Product Viewed","messageId":"m%d","userId":"u%d","timestamp":"2026-01-01T00:00:00Z","traits":{"email":"u%d@example.com"},"properties":{"sku":"s%d"}}`, i, i, i, i)
		default:
			v = fmt.Sprintf(`{"type":"track","event":"Order Completed","userId":"u%d","timestamp":"2026-01-01T00:00:00Z","traits":{"email":"u%d@example.com"},"properties":{"order_id":"o%d","total":%d.5,"currency":"GBP"}}`, i, i, i, i)
		}
		values = append(values, v)
	}
	return values, bad
}

// expected maps each good event with the mapper, as the pipeline must have.
func expected(t *testing.T, values []string) map[string]json.RawMessage {
	return expectedFor(t, mapper.Settings{Name: "acme", PhoneRegion: "GB"}, values)
}

// expectedFor maps each good event with the mapper for the account of settings (the
// settings newEnv's config gives it).
func expectedFor(t *testing.T, settings mapper.Settings, values []string) map[string]json.RawMessage {
	acct, err := mapper.NewAccount(settings)
	if err != nil {
		t.Fatal(err)
	}
	var m mapper.Mapper
	out := map[string]json.RawMessage{}
	for _, v := range values {
		for _, o := range m.Map([]byte(v), acct) {
			if o.Kind == mapper.Mapped {
				out[o.Record.Type+"/"+o.Record.ID] = o.Record.JSON
			}
		}
	}
	return out
}

var sinkForTests = sink.Config{Linger: 50 * time.Millisecond, RetryInitial: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond, Unavailable: 300 * time.Millisecond}

// atEmulator reports which expected records the emulator holds, exactly as expected.
func (e *env) atEmulator(t *testing.T, want map[string]json.RawMessage) (ok int, wrong []string) {
	got := map[string]json.RawMessage{}
	for _, a := range []string{"acme", "beta"} {
		for _, r := range e.emu.Records(a) {
			got[r.Type+"/"+r.ID] = r.JSON
		}
	}
	for k, w := range want {
		g, found := got[k]
		if !found {
			continue
		}
		if !sameJSON(g, w) {
			wrong = append(wrong, fmt.Sprintf("%s: got %s, want %s", k, g, w))
			continue
		}
		ok++
	}
	return ok, wrong
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}

// kafka-go uses a transport's MetadataTTL both as the refresh interval and as the
// metadata request's timeout: a 100 ms TTL failed on a real broker on two busy cores
// ("read tcp ...: i/o timeout"), so no transport here goes below a second.

// client returns a Kafka client with a transport of its own, whose first request reads
// fresh metadata (kafka-go's shared default transport would not see the topics the
// pipeline made). The returned function stops the transport's background refresh and
// closes its connections.
func (e *env) client() (*kafka.Client, func()) {
	tr := &kafka.Transport{}
	return &kafka.Client{Addr: kafka.TCP(e.brokers...), Transport: tr}, tr.CloseIdleConnections
}

// eventsWriter writes to the events topic, keyed, acknowledged by all replicas, with
// metadata refreshed every second so that it finds a partition's new leader soon after
// a broker restart.
func (e *env) eventsWriter() *kafka.Writer {
	return &kafka.Writer{Addr: kafka.TCP(e.brokers...), Topic: e.cfg.Topics.Events[0], Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, Transport: &kafka.Transport{MetadataTTL: time.Second}}
}

// readAll returns every message of topic.
func (e *env) readAll(t *testing.T, topic string) []kafka.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, done := e.client()
	defer done()
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		t.Fatal(err)
	}
	var out []kafka.Message
	for _, tp := range meta.Topics {
		for _, p := range tp.Partitions {
			lo, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: {kafka.LastOffsetOf(p.ID)}}})
			if err != nil {
				t.Fatal(err)
			}
			end := lo.Topics[topic][0].LastOffset
			if end <= 0 {
				continue
			}
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: e.brokers, Topic: topic, Partition: p.ID, MaxWait: 100 * time.Millisecond})
			for {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, m)
				if m.Offset >= end-1 {
					break
				}
			}
			r.Close()
		}
	}
	return out
}

// committedAtEnd reports whether group has committed the end offset of every partition of topic.
func (e *env) committedAtEnd(t *testing.T, group, topic string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, done := e.client()
	defer done()
	parts, err := partitionsOf(ctx, c, topic)
	if err != nil {
		return false
	}
	lo, err := c.ListOffsets(ctx, itest.LastOffsetsRequest(topic, parts))
	if err != nil {
		return false
	}
	of, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		return false
	}
	committed := map[int]int64{}
	for _, po := range of.Topics[topic] {
		committed[po.Partition] = po.CommittedOffset
	}
	for _, po := range lo.Topics[topic] {
		if po.LastOffset > 0 && committed[po.Partition] != po.LastOffset {
			return false
		}
	}
	return true
}

func TestEndToEnd(t *testing.T) {
	e := newEnv(t, 0)
	values, bad := sampleEvents(300)
	want := expected(t, values)
	e.produce(t, values...)
	stop := e.run(t)
	itest.Eventually(t, 60*time.Second, "every record at the emulator", func() bool { n, _ := e.atEmulator(t, want); return n == len(want) })
	if _, wrong := e.atEmulator(t, want); len(wrong) > 0 {
		t.Fatalf("records differ from the mapper's:\n%s", strings.Join(wrong, "\n"))
	}
	itest.Eventually(t, 30*time.Second, "offsets committed at the end", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0]) && e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records)
	})
	stop()
	dls := e.readAll(t, e.cfg.Topics.DeadLetter)
	if len(dls) != len(bad) {
		t.Fatalf("%d dead letters, want %d", len(dls), len(bad))
	}
	for _, d := range dls {
		hs := map[string]string{}
		for _, h := range d.Headers {
			hs[h.Key] = string(h.Value)
		}
		off := 0
		fmt.Sscan(hs[processor.HeaderSourceOffset], &off)
		var idx int
		if !strings.Contains(string(d.Value), `"listingId":"l`) || hs[processor.HeaderReason] != "missing_email" ||
			hs[processor.HeaderStage] != "map" || hs[processor.HeaderSourceTopic] != e.cfg.Topics.Events[0] ||
			hs[processor.HeaderAttempt] != "1" || hs[processor.HeaderFirstFailed] == "" || hs[processor.HeaderAccount] != "acme" {
			t.Fatalf("dead letter %s with headers %v", d.Value, hs)
		}
		fmt.Sscanf(string(d.Value), `{"type":"identify","userId":"u%d"`, &idx)
		if values[idx] != string(d.Value) {
			t.Fatalf("dead letter %s is not the original event %s", d.Value, values[idx])
		}
	}
}

// TestMapStageAlone: with only the map stage, records wait on the records topic and
// nothing is pushed.
func TestMapStageAlone(t *testing.T) {
	e := newEnv(t, 0)
	e.cfg.Stages = []config.Stage{config.StageMap}
	values, bad := sampleEvents(100)
	want := expected(t, values)
	e.produce(t, values...)
	stop := e.run(t)
	itest.Eventually(t, 60*time.Second, "the map group committed the events", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0])
	})
	stop()
	if n := len(e.readAll(t, e.cfg.Topics.Records)); n != len(want) {
		t.Fatalf("%d records on the records topic, want %d", n, len(want))
	}
	if n := len(e.readAll(t, e.cfg.Topics.DeadLetter)); n != len(bad) {
		t.Fatalf("%d dead letters, want %d", n, len(bad))
	}
	if n := e.emu.RequestCount("acme"); n != 0 {
		t.Fatalf("%d pushes with the push stage off", n)
	}
}
