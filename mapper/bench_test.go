package mapper

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"os"
	"testing"
)

// benchEvents are the 2,000 events of shared/bench/events-2k.jsonl (40% identify, 40%
// custom events, 20% orders with 1-5 products, about 1.8 KB each, a few invalid),
// stored compressed in testdata so the benchmark runs from a clean clone.
func benchEvents(tb testing.TB) [][]byte {
	tb.Helper()
	f, err := os.Open("testdata/events-2k.jsonl.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			lines = append(lines, bytes.Clone(l))
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return lines
}

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
