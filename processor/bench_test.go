package processor

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/internal/testevents"
	"github.com/kafka-ometria/kafka-ometria/mapper"
	"github.com/kafka-ometria/kafka-ometria/sink"
)

// benchEvents are the mapper's 2,000 benchmark events (mapper/testdata/events-2k.jsonl.gz)
// as messages of the events topic, each routed by its ometria-account header as
// bench/e2e sends them.
func benchEvents(tb testing.TB) []kafka.Message {
	tb.Helper()
	var msgs []kafka.Message
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	for n, ev := range testevents.Load(tb) {
		msgs = append(msgs, kafka.Message{Topic: "rudder.events", Partition: n % 6, Offset: 1_000_000 + int64(n),
			Time: t0.Add(time.Duration(n) * time.Millisecond), Value: ev,
			Headers: []kafka.Header{{Key: "ometria-account", Value: []byte("acme")}}})
	}
	return msgs
}

// ackProducer acknowledges every Produce call at once, on the caller's goroutine, and
// keeps the last messages it was given when keep is set.
type ackProducer struct {
	keep bool
	msgs []kafka.Message
}

func (p *ackProducer) Produce(msgs []kafka.Message, done func(error)) {
	if p.keep {
		p.msgs = append(p.msgs, msgs...)
	}
	done(nil)
}

// benchMapStage is the map stage of one account, acme, routed as Run routes it.
func benchMapStage(tb testing.TB, p Producer) *MapStage {
	acct, err := mapper.NewAccount(mapper.Settings{Name: "acme", PhoneRegion: "GB"})
	if err != nil {
		tb.Fatal(err)
	}
	cfg := &config.Config{
		Routing:  config.Routing{Header: config.DefaultAccountHeader},
		Accounts: map[string]*config.Account{"acme": {}},
	}
	m := NewMetrics(nil)
	m.zero(config.StageMap, []string{"rudder.events"}, []string{"acme"})
	return &MapStage{
		RecordsTopic: "ometria.records", DeadLetterTopic: "ometria.dlq", Group: "ko-map",
		Resolve: resolver(cfg), Accounts: map[string]*mapper.Account{"acme": acct},
		Producer: p, Metrics: m, Log: zap.NewNop(),
	}
}

// BenchmarkMapStage is the map stage's own cost per event, Kafka aside: MapStage.Handle
// over the 2,000 benchmark events (records and dead letters, headers and metrics), with
// a producer that acknowledges at once. Run it on one core:
// go test -run '^$' -bench MapStage -benchmem -cpu 1 ./processor
func BenchmarkMapStage(b *testing.B) {
	events := benchEvents(b)
	s := benchMapStage(b, &ackProducer{})
	ctx := context.Background()
	acked := 0
	ack := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
		acked++
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Handle(ctx, events[i%len(events)], ack)
	}
	b.StopTimer()
	if acked != b.N {
		b.Fatalf("%d of %d messages acked", acked, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// acceptAll is an Ometria that accepts every push at once, without a network.
type acceptAll struct{}

func (acceptAll) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusAccepted, Header: http.Header{"Content-Type": {"application/json"}},
		Body:    io.NopCloser(strings.NewReader(`{"status":"OK","request_id":"r1","accepted":100,"rejected":0}`)),
		Request: r}, nil
}

// BenchmarkPushStage is the push stage's own cost per record, Kafka and Ometria aside:
// PushStage.Handle over the records the map stage makes of the benchmark events, through
// a sink (rate limit off, its account warm) to an HTTP transport that accepts every push
// at once. Run it on one core: go test -run '^$' -bench PushStage -benchmem -cpu 1 ./processor
func BenchmarkPushStage(b *testing.B) {
	events := benchEvents(b)
	p := &ackProducer{keep: true}
	ms := benchMapStage(b, p)
	for _, m := range events {
		ms.Handle(context.Background(), m, func(error) {})
	}
	var records []kafka.Message
	for i, m := range p.msgs {
		if m.Topic == ms.RecordsTopic {
			m.Topic, m.Partition, m.Offset, m.WriterData = "ometria.records", i%6, int64(i), nil
			records = append(records, m)
		}
	}
	sk, err := sink.New(sink.Config{BaseURL: "http://127.0.0.1:1", Linger: time.Millisecond, MaxLinger: time.Millisecond},
		func(string) (sink.Account, bool) { return sink.Account{Key: "k", Rate: 1e9}, true },
		sink.WithHTTPClient(&http.Client{Transport: acceptAll{}}))
	if err != nil {
		b.Fatal(err)
	}
	m := NewMetrics(nil)
	m.zero(config.StagePush, []string{"ometria.records"}, []string{"acme"})
	s := &PushStage{Stage: config.StagePush, RetryTopic: "ometria.retry", DeadLetterTopic: "ometria.dlq", Group: "ko-push",
		Retry: config.DefaultRetry(), Sink: sk, Producer: &ackProducer{}, Metrics: m, Log: zap.NewNop()}
	ctx := context.Background()
	// An account's first push waits a second (sink/window.go): made before the timer.
	warm := make(chan error, 1)
	s.Handle(ctx, records[0], func(err error) { warm <- err })
	if err := <-warm; err != nil {
		b.Fatal(err)
	}
	var acked atomic.Int64
	all := make(chan struct{})
	ack := func(err error) {
		if err != nil {
			b.Error(err)
		}
		if acked.Add(1) == int64(b.N) {
			close(all)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Handle(ctx, records[i%len(records)], ack)
	}
	<-all
	b.StopTimer()
	sk.Close(ctx)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
