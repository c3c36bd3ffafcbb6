package decode

import (
	"context"
	"testing"

	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// BenchmarkDecodeAvro decodes the 2,000 benchmark events, in Avro by
// testdata/rudderstack-event.avsc, into JSON, the schema cached, reusing one buffer as
// the map stage does. Run it on one core:
// go test -run=^$ -bench=BenchmarkDecodeAvro -benchmem -cpu=1 ./decode
func BenchmarkDecodeAvro(b *testing.B) {
	framed, _, _ := avroEvents(b)
	d := New(staticRegistry(eventSchema(b)), Options{})
	ctx := context.Background()
	var size int64
	for _, f := range framed {
		size += int64(len(f))
	}
	b.SetBytes(size / int64(len(framed)))
	b.ReportAllocs()
	var buf []byte
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := d.Decode(ctx, Avro, framed[i%len(framed)], buf)
		if err != nil {
			b.Fatal(err)
		}
		buf = out
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecodeAvroAndMap is BenchmarkDecodeAvro followed by the mapping, the map
// stage's whole work on an Avro event before producing.
func BenchmarkDecodeAvroAndMap(b *testing.B) {
	framed, _, _ := avroEvents(b)
	d := New(staticRegistry(eventSchema(b)), Options{})
	acct, err := mapper.NewAccount(mapper.Settings{Name: "acme", PhoneRegion: "GB"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var m mapper.Mapper
	b.ReportAllocs()
	var buf []byte
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := d.Decode(ctx, Avro, framed[i%len(framed)], buf)
		if err != nil {
			b.Fatal(err)
		}
		m.Map(out, acct)
		buf = out
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
