package mapper

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kafka-ometria/kafka-ometria/internal/testevents"
)

// benchEvents are the 2,000 events of testdata/events-2k.jsonl.gz (40% identify, 40%
// custom events, 20% orders with 1-5 products, about 1.8 KB each, a few invalid).
func benchEvents(tb testing.TB) [][]byte { return testevents.Load(tb) }

func benchAccount(tb testing.TB) *Account {
	a, err := NewAccount(Settings{Name: "acme", PhoneRegion: "GB"})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// BenchmarkMap maps the realistic mix from raw bytes to serialized records on one
// goroutine. Run it on one core: go test -run=^$ -bench=BenchmarkMap -benchmem -cpu=1 ./mapper
func BenchmarkMap(b *testing.B) {
	events := benchEvents(b)
	acct := benchAccount(b)
	var m Mapper
	var size int64
	for _, e := range events {
		size += int64(len(e))
	}
	b.SetBytes(size / int64(len(events)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Map(events[i%len(events)], acct)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkMapParallel maps the same events the way processor.MapStage does: goroutines
// take a Mapper from a sync.Pool for each message and put it back, all mapping one shared
// Account, while the garbage collector runs as it will (a pooled Mapper left unused for a
// whole cycle is dropped). The mappers metric counts the Mappers the pool had to make.
// go test -run=^$ -bench=BenchmarkMapParallel -benchmem ./mapper
func BenchmarkMapParallel(b *testing.B) {
	events := benchEvents(b)
	acct := benchAccount(b)
	var size int64
	for _, e := range events {
		size += int64(len(e))
	}
	var mappers sync.Pool
	var goroutine, made atomic.Int64
	b.SetBytes(size / int64(len(events)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(goroutine.Add(1)) * 997 // each goroutine starts elsewhere in the events
		for pb.Next() {
			m, _ := mappers.Get().(*Mapper)
			if m == nil {
				m = new(Mapper)
				made.Add(1)
			}
			m.Map(events[i%len(events)], acct)
			mappers.Put(m)
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(made.Load()), "mappers")
}

// BenchmarkMapColdPhones is BenchmarkMap with an empty phone cache (a new Account) at
// every pass over the 2,000 events, so every phone number is parsed by libphonenumber
// (about 40 µs each): the rate for a stream where no contact is seen twice.
func BenchmarkMapColdPhones(b *testing.B) {
	events := benchEvents(b)
	var acct *Account
	var m Mapper
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(events) == 0 {
			b.StopTimer()
			acct = benchAccount(b)
			b.StartTimer()
		}
		m.Map(events[i%len(events)], acct)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecodeStdlib decodes the same events with encoding/json into maps, and maps
// nothing: the usual way to read such events, as a reference point for BenchmarkMap.
func BenchmarkDecodeStdlib(b *testing.B) {
	events := benchEvents(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var ev map[string]any
		if err := json.Unmarshal(events[i%len(events)], &ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkParse is the validating scan alone: the floor under BenchmarkMap.
func BenchmarkParse(b *testing.B) {
	events := benchEvents(b)
	var ev event
	var a arena
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.reset()
		if err := parseEvent(events[i%len(events)], &ev, &a); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
