package mapper

import "testing"

// BenchmarkParse measures the validating scan alone, the floor under BenchmarkMap.
func BenchmarkParse(b *testing.B) {
	events := benchEvents(b)
	var ev event
	var arena []member
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		arena = arena[:0]
		if err := parseEvent(events[i%len(events)], &ev, &arena); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
