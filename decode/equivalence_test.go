package decode

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/hamba/avro/v2"

	"github.com/kafka-ometria/kafka-ometria/internal/testevents"
	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// benchEvents are the mapper's 2,000 benchmark events (mapper/testdata/events-2k.jsonl.gz).
func benchEvents(tb testing.TB) [][]byte { return testevents.Load(tb) }

func eventSchema(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("testdata/rudderstack-event.avsc")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// avroEvents encodes each benchmark event by testdata/rudderstack-event.avsc and frames
// it with schema id 1.
func avroEvents(tb testing.TB) (framed [][]byte, events [][]byte, root *node) {
	tb.Helper()
	root, err := compile(eventSchema(tb), nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i, ev := range benchEvents(tb) {
		v, err := parseOrdered(ev)
		if err != nil {
			tb.Fatalf("event %d: %v", i, err)
		}
		enc, err := encodeAvro(AppendHeader(nil, 1), root, v)
		if err != nil {
			tb.Fatalf("event %d does not fit the schema: %v", i, err)
		}
		framed = append(framed, enc)
		events = append(events, ev)
	}
	return framed, events, root
}

// staticRegistry knows one schema, id 1.
type staticRegistry string

func (s staticRegistry) Schema(_ context.Context, id uint32) (Schema, error) {
	if id != 1 {
		return Schema{}, fail(mapper.ReasonUnknownSchema, "no schema %d", id)
	}
	return Schema{Text: string(s)}, nil
}

// outcomes is what mapping ev gives, as text, for comparing.
func outcomes(m *mapper.Mapper, ev []byte, acct *mapper.Account) string {
	var b bytes.Buffer
	for _, o := range m.Map(ev, acct) {
		fmt.Fprintf(&b, "%s %d %s|", o.Kind, o.Index, o.Skip)
		if o.Err != nil {
			fmt.Fprintf(&b, "%s|", o.Err.Error())
		}
		fmt.Fprintf(&b, "%s %s %s %s|%v\n", o.Record.Account, o.Record.Type, o.Record.ID, o.Record.JSON, o.Warnings)
	}
	return b.String()
}

// TestAvroMapsAsJSON: each of the 2,000 benchmark events, encoded in Avro by
// testdata/rudderstack-event.avsc and decoded back, maps to exactly what its JSON form
// maps to: the same records, byte for byte, the same dead letters, skips and warnings.
// The other way, the JSON decoded from the Avro encodes to the same Avro bytes, and an
// independent Avro decoder (hamba/avro's) reads the same values from them.
func TestAvroMapsAsJSON(t *testing.T) {
	framed, events, root := avroEvents(t)
	d := New(staticRegistry(eventSchema(t)), Options{})
	acct, err := mapper.NewAccount(mapper.Settings{Name: "acme", PhoneRegion: "GB"})
	if err != nil {
		t.Fatal(err)
	}
	hamba := avro.MustParse(eventSchema(t))
	var m mapper.Mapper
	kinds := map[mapper.Kind]int{}
	for i := range events {
		dec, err := d.Decode(context.Background(), Avro, framed[i], nil)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		want, got := outcomes(&m, events[i], acct), outcomes(&m, dec, acct)
		if got != want {
			t.Fatalf("event %d maps differently from Avro:\n json %s\n avro %s\nJSON event: %s\ndecoded:    %s", i, want, got, events[i], dec)
		}
		for _, o := range m.Map(dec, acct) {
			kinds[o.Kind]++
		}

		// Avro -> JSON -> Avro gives the same bytes.
		v, err := parseOrdered(dec)
		if err != nil {
			t.Fatalf("event %d: the decoded JSON does not parse: %v", i, err)
		}
		again, err := encodeAvro(AppendHeader(nil, 1), root, v)
		if err != nil || !bytes.Equal(again, framed[i]) {
			t.Fatalf("event %d: the decoded JSON encodes to other Avro bytes (%v)", i, err)
		}

		// hamba/avro reads the same values.
		var hv any
		if err := avro.Unmarshal(hamba, framed[i][headerSize:], &hv); err != nil {
			t.Fatalf("event %d: hamba/avro cannot read the payload: %v", i, err)
		}
		ov, _ := parseOrdered(dec)
		if a, b := plain(hv), plainOrdered(ov); !reflect.DeepEqual(a, b) {
			t.Fatalf("event %d: hamba/avro reads\n %v\nthe decoder wrote\n %v", i, a, b)
		}
	}
	t.Logf("2,000 events: %d mapped, %d dead letters, %d skipped", kinds[mapper.Mapped], kinds[mapper.DeadLetter], kinds[mapper.Skipped])
}

// plain turns hamba/avro's generic values into plain ones: the union wrappers
// ({"string": "x"}, {"org.apache.avro.data.Json": ...}) and Json records unwrapped, null
// record fields left out, integers as int64.
func plain(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for k, x := range v {
				switch k {
				case "value", "string", "long", "double", "boolean", "array", "map", "org.apache.avro.data.Json":
					return plain(x)
				}
			}
		}
		out := map[string]any{}
		for k, x := range v {
			if x != nil || !isEventField(k) {
				out[k] = plain(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = plain(x)
		}
		return out
	case int:
		return int64(v)
	}
	return v
}

func isEventField(k string) bool {
	switch k {
	case "anonymousId", "channel", "context", "event", "integrations", "messageId", "originalTimestamp", "properties",
		"receivedAt", "request_ip", "rudderId", "sentAt", "timestamp", "traits", "type", "userId":
		return true
	}
	return false
}

func plainOrdered(v jv) any {
	switch v := v.(type) {
	case []kv:
		out := map[string]any{}
		for _, m := range v {
			out[m.key] = plainOrdered(m.val)
		}
		return out
	case []jv:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = plainOrdered(x)
		}
		return out
	case interface{ Int64() (int64, error) }:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.(interface{ Float64() (float64, error) }).Float64()
		return f
	}
	return v
}
