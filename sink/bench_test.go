package sink_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/sink"
)

// benchSink starts an emulator and a sink over accounts a0..a(n-1), each limited to r.
func benchSink(b testing.TB, n int, r float64, cfg sink.Config) (*ometriatest.Server, *sink.Sink, []string) {
	names := make([]string, n)
	accts := make([]ometriatest.Account, n)
	for i := range names {
		names[i] = fmt.Sprint("a", i)
		accts[i] = ometriatest.Account{Name: names[i], Key: "k" + names[i], RateLimit: r}
	}
	srv := ometriatest.NewServer(ometriatest.Config{BacklogLimit: 1 << 30, BacklogDrain: 1e9}, accts...)
	cfg.BaseURL = srv.URL()
	s, err := sink.New(cfg, func(name string) (sink.Account, bool) { return sink.Account{Key: "k" + name, Rate: r}, true })
	if err != nil {
		b.Fatal(err)
	}
	return srv, s, names
}

// feed writes n records round-robin over the accounts and the three record types (the
// worst case for a batcher that flushes on a change of type) and waits for them all.
func feed(b testing.TB, s *sink.Sink, names []string, n int) {
	done := make(chan error, 1024)
	go func() {
		for i := 0; i < n; i++ {
			id := fmt.Sprint("r", i)
			var typ, js string
			switch i % 3 {
			case 0:
				typ, js = "contact", contact(id)
			case 1:
				typ, js = "custom_event", customEvent(id)
			default:
				typ, js = "order", order(id)
			}
			r := sink.Record{Account: names[i%len(names)], Type: typ, ID: id, JSON: []byte(js), Done: func(err error) { done <- err }}
			if err := s.Write(context.Background(), r); err != nil {
				panic(err)
			}
		}
	}()
	for i := 0; i < n; i++ {
		if err := <-done; err != nil {
			b.Fatalf("record failed: %v", err)
		}
	}
}

// BenchmarkSinkBacklog pushes a backlog for 4 accounts limited to 20 requests/s each and
// reports the records per request and the requests/s each account reached, as a share of
// its rate. go test -run '^$' -bench SinkBacklog -benchtime 12000x ./sink
func BenchmarkSinkBacklog(b *testing.B) {
	const rate = 20
	srv, s, names := benchSink(b, 4, rate, sink.Config{})
	defer srv.Close()
	b.ResetTimer()
	feed(b, s, names, b.N)
	b.StopTimer()
	s.Close(context.Background())
	var reqs, recs int
	var share float64
	for _, n := range names {
		rs := srv.Requests(n)
		for _, r := range rs {
			reqs++
			recs += r.Records
		}
		if len(rs) > 1 {
			span := rs[len(rs)-1].Time.Sub(rs[0].Time).Seconds()
			share += float64(len(rs)-1) / span / rate / float64(len(names))
		}
	}
	b.ReportMetric(float64(recs)/float64(reqs), "records/request")
	b.ReportMetric(100*share, "%rate")
}

// BenchmarkSinkThroughput is records/s through the sink with the emulator's rate limit
// out of the way, 8 accounts. go test -run '^$' -bench SinkThroughput ./sink
func BenchmarkSinkThroughput(b *testing.B) {
	srv, s, names := benchSink(b, 8, 1e6, sink.Config{Linger: 5 * time.Millisecond})
	defer srv.Close()
	b.ReportAllocs()
	b.ResetTimer()
	feed(b, s, names, b.N)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	s.Close(context.Background())
}
