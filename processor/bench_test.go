package processor

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// benchEvents are the mapper's 2,000 benchmark events (../mapper/testdata/events-2k.jsonl.gz)
// as messages of the events topic, each routed by its ometria-account header as
// bench/e2e sends them.
func benchEvents(tb testing.TB) []kafka.Message {
	tb.Helper()
	f, err := os.Open("../mapper/testdata/events-2k.jsonl.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var msgs []kafka.Message
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			n := len(msgs)
			msgs = append(msgs, kafka.Message{Topic: "rudder.events", Partition: n % 6, Offset: 1_000_000 + int64(n),
				Time: t0.Add(time.Duration(n) * time.Millisecond), Value: bytes.Clone(l),
				Headers: []kafka.Header{{Key: "ometria-account", Value: []byte("acme")}}})
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
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
