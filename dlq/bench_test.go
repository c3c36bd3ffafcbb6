package dlq

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// BenchmarkReplay replays 100,000 map-stage dead letters (about 300 bytes of event and
// 11 headers each) from a dead-letter topic of 3 partitions to a replay topic, bookmarks
// included: on kfake, or on KAFKA_BROKERS. Each iteration is one whole replay (--restart).
//
//	go test -run '^$' -bench Replay -benchtime 3x ./dlq
func BenchmarkReplay(b *testing.B) {
	const n = 100_000
	k := newTestKafka(b)
	e := &replayEnv{k: k, dlq: k.topic(b, "dlq", 3), replay: k.topic(b, "replay", 3), records: k.topic(b, "records", 3),
		replays: k.prefix + ".replays"}
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		s := spec{partition: i % 3, stage: "map", reason: "missing_email", account: "acme", typ: "identify", source: "rudder.events",
			tenant: "a", failed: mixDay}
		msgs[i] = s.message(i)
		msgs[i].Value = fmt.Appendf(nil, `{"type":"identify","messageId":"m%08d","userId":"u%d","anonymousId":"a%d",`+
			`"timestamp":"2026-01-01T00:00:00Z","context":{"library":{"name":"rudder-sdk","version":"1.2.3"}},`+
			`"traits":{"listingId":"l%d","firstName":"Ann","lastName":"Smith","phone":"07911 123456"}}`, i, i, i, i)
	}
	k.produce(b, e.dlq, msgs...)
	o := e.opts(Flags{})
	o.Restart = true
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		sum, err := Replay(context.Background(), o)
		if err != nil || sum.Counts.Sent != n {
			b.Fatalf("%v: %+v", err, sum)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkScan reads 100,000 dead letters as dlq stats does.
//
//	go test -run '^$' -bench Scan -benchtime 3x ./dlq
func BenchmarkScan(b *testing.B) {
	const n = 100_000
	k := newTestKafka(b)
	topic := k.topic(b, "dlq", 3)
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = spec{partition: i % 3, stage: "map", reason: "missing_email", account: "acme", typ: "identify",
			source: "rudder.events", tenant: "a", failed: mixDay}.message(i)
	}
	k.produce(b, topic, msgs...)
	tp, err := OpenTopic(context.Background(), k.conn, topic, "topics.dead_letter")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if st, err := CountTopic(context.Background(), tp, nil, &Filter{}, 3); err != nil || st.Entries != n {
			b.Fatalf("%v: %+v", err, st)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "entries/s")
}
