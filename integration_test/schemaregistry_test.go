package integration_test

import (
	"bytes"
	bin "encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/decode"
	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/internal/testevents"
	"github.com/kafka-ometria/kafka-ometria/mapper"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// The schema ids of TestSchemaRegistryEndToEnd's registry. Versions 2 are first used
// while the registry is down, so that no process has them cached.
const (
	idAvroV1 = 101 // decode/testdata/rudderstack-event.avsc
	idAvroV2 = 102 // the same with one more (nullable) field
	idJSONV1 = 201 // a JSON schema
	idJSONV2 = 202
)

// TestSchemaRegistryEndToEnd runs the whole pipeline with an avro events topic and a
// json-schema one, the schema registry served by franz-go's in-process fake (srfake):
//
//   - the mapper's benchmark events, encoded in Avro by rudderstack-event.avsc or framed as
//     JSON, reach the emulator exactly as the mapper maps their JSON form; the mapper's
//     dead letters of them carry the message as it came;
//   - poison (no or a bad magic byte, too short, an unknown schema id, truncated Avro, a
//     schema of the other type) is dead-lettered with its reason and its value as it came;
//   - offsets are committed to the end of both topics and of the records topic;
//   - the registry stops mid-run and events of schema ids no process has cached are
//     produced: their partitions wait (kafka_ometria_schema_registry_waiting,
//     kafka_ometria_schema_registry_retries_total{reason="unavailable"}), nothing of them
//     is pushed, dead-lettered or committed; a registry started again at the same address
//     lets them through.
func TestSchemaRegistryEndToEnd(t *testing.T) {
	reg := startRegistry(t)
	e := newSchemaRegistryEnv(t, reg.url())
	avroTopic, jsonTopic := e.cfg.Topics.Events[0], e.cfg.Topics.Events[1]
	v1, v2 := rudderstackSchemas(t)

	events := distinctEvents(t, 540)
	enc := func(s avro.Schema, id uint32, ev []byte) []byte {
		b, err := encodeAvro(decode.AppendHeader(nil, id), s, ev)
		if err != nil {
			t.Fatalf("encoding %s: %v", ev, err)
		}
		return b
	}
	var (
		up, down         []kafka.Message // before the outage, during it
		upJSON, downJSON []string        // their events as JSON
		poison           []kafka.Message
		// the reasons of the dead letters of each message value, in any order: of the
		// messages produced before the outage, and of those produced during it
		upLetters, downLetters = map[string][]string{}, map[string][]string{}
	)
	add := func(msgs *[]kafka.Message, jsons *[]string, letters map[string][]string, topic string, value, event []byte) {
		*msgs = append(*msgs, kafka.Message{Topic: topic, Key: []byte(strconv.Itoa(len(*msgs))), Value: value})
		*jsons = append(*jsons, string(event))
		for _, r := range mapperDeadLetters(t, event) {
			letters[string(value)] = append(letters[string(value)], r)
		}
	}
	for i, ev := range events {
		switch {
		case i < 300:
			add(&up, &upJSON, upLetters, avroTopic, enc(v1, idAvroV1, ev), ev)
		case i < 400:
			add(&up, &upJSON, upLetters, jsonTopic, append(decode.AppendHeader(nil, idJSONV1), ev...), ev)
		case i < 500:
			add(&down, &downJSON, downLetters, avroTopic, enc(v2, idAvroV2, ev), ev)
		default:
			add(&down, &downJSON, downLetters, jsonTopic, append(decode.AppendHeader(nil, idJSONV2), ev...), ev)
		}
	}
	mapperLetters := 0
	for _, rs := range upLetters {
		mapperLetters += len(rs)
	}
	good := enc(v1, idAvroV1, events[0])
	for _, p := range []struct {
		topic, reason string
		value         []byte
	}{
		{avroTopic, "invalid_wire_format", events[1]},                                              // plain JSON: '{' is no magic byte
		{avroTopic, "invalid_wire_format", []byte{0, 0, 0}},                                        // shorter than the header
		{avroTopic, "invalid_wire_format", append([]byte{1}, good[1:]...)},                         // magic byte 1
		{avroTopic, "unknown_schema", append(decode.AppendHeader(nil, 999), good[5:]...)},          // an id the registry does not have
		{avroTopic, "invalid_avro", good[:len(good)/2]},                                            // truncated
		{avroTopic, "invalid_avro", append(bytes.Clone(good), 0)},                                  // a byte left over
		{avroTopic, "unsupported_schema", append(decode.AppendHeader(nil, idJSONV1), good[5:]...)}, // a JSON schema's id
		{jsonTopic, "invalid_wire_format", events[2]},
		{jsonTopic, "unknown_schema", append(decode.AppendHeader(nil, 998), events[2]...)},
		{jsonTopic, "unsupported_schema", append(decode.AppendHeader(nil, idAvroV1), events[2]...)}, // an Avro schema's id
	} {
		poison = append(poison, kafka.Message{Topic: p.topic, Key: []byte("poison" + strconv.Itoa(len(poison))), Value: p.value})
		upLetters[string(p.value)] = append(upLetters[string(p.value)], p.reason)
	}

	metrics := prometheus.NewRegistry()
	e.produceTopics(t, append(up, poison...))
	stop := e.runWith(t, func(o *processor.Options) { o.Registry = metrics })
	defer stop()

	wantUp := expected(t, upJSON)
	e.waitAll(t, 60*time.Second, "acme", wantUp)
	e.waitDeadLetters(t, 30*time.Second, len(poison)+mapperLetters)
	e.checkFramedDeadLetters(t, upLetters)
	itest.Eventually(t, 30*time.Second, "offsets committed at the end", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), avroTopic) && e.committedAtEnd(t, e.mapGroup(), jsonTopic) &&
			e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records)
	})
	t.Logf("before the outage: %d events (Avro and framed JSON) gave %d records and %d dead letters; %d poison messages",
		len(up), len(wantUp), mapperLetters, len(poison))

	// The registry stops; events of ids no process has cached wait for it.
	reg.stop()
	committed := map[string]map[int]int64{avroTopic: e.committed(t, e.mapGroup(), avroTopic), jsonTopic: e.committed(t, e.mapGroup(), jsonTopic)}
	retriesBefore := metricValue(t, metrics, processor.MetricRegistryRetries, "reason", "unavailable")
	e.produceTopics(t, down)
	itest.Eventually(t, 20*time.Second, "the map stage waiting for the registry", func() bool {
		return metricValue(t, metrics, processor.MetricRegistryWaiting, "", "") >= 1 &&
			metricValue(t, metrics, processor.MetricRegistryRetries, "reason", "unavailable") > retriesBefore
	})
	time.Sleep(2 * time.Second) // long enough for anything wrongly let through to be pushed
	wantDown := expected(t, downJSON)
	if n, _ := e.atAccount("acme", wantDown); n != 0 {
		t.Fatalf("with the registry down, %d records of events of uncached schema ids were pushed", n)
	}
	if n := len(e.readAll(t, e.cfg.Topics.DeadLetter)); n != len(poison)+mapperLetters {
		t.Fatalf("with the registry down, %d dead letters, want the %d of before", n, len(poison)+mapperLetters)
	}
	for topic, before := range committed {
		if after := e.committed(t, e.mapGroup(), topic); !equalOffsets(before, after) {
			t.Fatalf("with the registry down, the map group's offsets on %s moved from %v to %v", topic, before, after)
		}
	}
	t.Logf("registry down: %v retries, %v messages waiting", metricValue(t, metrics, processor.MetricRegistryRetries, "reason", "unavailable")-retriesBefore,
		metricValue(t, metrics, processor.MetricRegistryWaiting, "", ""))

	// A registry with the same schemas at the same address: the waiting events go through.
	reg.start(t)
	e.waitAll(t, 60*time.Second, "acme", wantDown)
	e.waitAll(t, time.Second, "acme", wantUp)
	itest.Eventually(t, 30*time.Second, "offsets committed at the end after the outage", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), avroTopic) && e.committedAtEnd(t, e.mapGroup(), jsonTopic) &&
			e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records)
	})
	if n := metricValue(t, metrics, processor.MetricRegistryWaiting, "", ""); n != 0 {
		t.Errorf("after the outage, %v messages still waiting for the registry", n)
	}
	stop()
	// Only the mapper's dead letters of the events that waited, none for the registry.
	all := maps.Clone(upLetters)
	maps.Copy(all, downLetters)
	e.checkFramedDeadLetters(t, all)
}

// newSchemaRegistryEnv is newEnv with two event topics, <prefix>.events.avro (avro) and
// <prefix>.events.framed (json-schema), and the schema registry at url.
func newSchemaRegistryEnv(t *testing.T, url string) *env {
	t.Helper()
	e := newEnv(t, 0)
	p := e.prefix
	yaml := fmt.Sprintf(`
kafka: {brokers: [%q], group_id: %s, create_topics: true, topic_partitions: 4}
topics:
  events: [%s.events.avro, %s.events.framed]
  formats: {%s.events.avro: avro, %s.events.framed: json-schema}
  records: %s.records
  retry: %s.retry
  dead_letter: %s.dlq
schema_registry: {url: %q, timeout: 2s}
routing: {default_account: acme}
ometria: {base_url: %q}
retry: {initial_delay: 200ms, max_delay: 1s, max_attempts: 5}
accounts:
  acme: {api_key_env: K, rate_limit: 1000, phone_region: GB}
  beta: {api_key_env: K, rate_limit: 1000}
`, e.brokers[0], p, p, p, p, p, p, p, p, url, e.emu.URL())
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = cfg
	return e
}

// produceTopics writes msgs, each to its Topic (acks=all), creating the event topics first.
func (e *env) produceTopics(t *testing.T, msgs []kafka.Message) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(e.brokers...), Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll,
		Transport: &kafka.Transport{MetadataTTL: time.Second}}
	defer w.Close()
	e.produceWith(t, w, msgs)
}

// waitDeadLetters waits until the dead-letter topic holds n messages (no more than d).
func (e *env) waitDeadLetters(t *testing.T, d time.Duration, n int) {
	t.Helper()
	for deadline := time.Now().Add(d); len(e.readAll(t, e.cfg.Topics.DeadLetter)) < n; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("after %v: %d dead letters, want %d", d, len(e.readAll(t, e.cfg.Topics.DeadLetter)), n)
			return
		}
	}
}

// checkFramedDeadLetters fails the test unless the dead-letter topic holds exactly want:
// for each message value as it came, the reasons of its dead letters (any order), each
// from the map stage, naming the topic it was read from.
func (e *env) checkFramedDeadLetters(t *testing.T, want map[string][]string) {
	t.Helper()
	got := map[string][]string{}
	for _, d := range e.readAll(t, e.cfg.Topics.DeadLetter) {
		hs := headers(d)
		if hs[processor.HeaderStage] != "map" || !slices.Contains(e.cfg.Topics.Events, hs[processor.HeaderSourceTopic]) {
			t.Errorf("dead letter of stage %q from topic %q (reason %s)", hs[processor.HeaderStage], hs[processor.HeaderSourceTopic], hs[processor.HeaderReason])
		}
		got[string(d.Value)] = append(got[string(d.Value)], hs[processor.HeaderReason])
	}
	count := func(rs []string) map[string]int {
		m := map[string]int{}
		for _, r := range rs {
			m[r]++
		}
		return m
	}
	for v, rs := range want {
		if g, w := count(got[v]), count(rs); fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("dead letters of %q: reasons %v, want %v", abbrev(v), got[v], rs)
		}
	}
	for v, rs := range got {
		if _, ok := want[v]; !ok {
			t.Errorf("unexpected dead letters %v of %q", rs, abbrev(v))
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

func abbrev(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

func equalOffsets(a, b map[int]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for p, o := range a {
		if b[p] != o {
			return false
		}
	}
	return true
}

// mapperDeadLetters returns the reasons of the dead letters the mapper makes of event.
func mapperDeadLetters(t *testing.T, event []byte) []string {
	acct, err := mapper.NewAccount(mapper.Settings{Name: "acme", PhoneRegion: "GB"})
	if err != nil {
		t.Fatal(err)
	}
	var m mapper.Mapper
	var out []string
	for _, o := range m.Map(event, acct) {
		if o.Kind == mapper.DeadLetter {
			out = append(out, string(o.Err.Reason))
		}
	}
	return out
}

// distinctEvents returns the first n of the mapper's benchmark events
// (mapper/testdata/events-2k.jsonl.gz) whose records share no type and id with an
// earlier one: the emulator merges records of one id, in the order they came, which
// differs from partition to partition.
func distinctEvents(t *testing.T, n int) [][]byte {
	t.Helper()
	acct, err := mapper.NewAccount(mapper.Settings{Name: "acme", PhoneRegion: "GB"})
	if err != nil {
		t.Fatal(err)
	}
	var m mapper.Mapper
	seen := map[string]bool{}
	var out [][]byte
	for _, ev := range testevents.Load(t) {
		if len(out) == n {
			break
		}
		var keys []string
		dup := false
		for _, o := range m.Map(ev, acct) {
			if o.Kind == mapper.Mapped {
				k := o.Record.Type + "/" + o.Record.ID
				dup = dup || seen[k]
				keys = append(keys, k)
			}
		}
		if dup {
			continue
		}
		for _, k := range keys {
			seen[k] = true
		}
		out = append(out, ev)
	}
	if len(out) < n {
		t.Fatalf("%d events with distinct records, want %d", len(out), n)
	}
	return out
}

// rudderstackSchemas returns decode/testdata/rudderstack-event.avsc (version 1) and the
// same with one more field, a nullable string (version 2: a producer's new schema).
func rudderstackSchemas(t *testing.T) (v1, v2 avro.Schema) {
	t.Helper()
	t1, t2 := rudderstackSchemaTexts(t)
	var err error
	if v1, err = avro.ParseWithCache(t1, "", &avro.SchemaCache{}); err != nil {
		t.Fatal(err)
	}
	if v2, err = avro.ParseWithCache(t2, "", &avro.SchemaCache{}); err != nil {
		t.Fatal(err)
	}
	return v1, v2
}

func rudderstackSchemaTexts(t *testing.T) (v1, v2 string) {
	t.Helper()
	b, err := os.ReadFile("../decode/testdata/rudderstack-event.avsc")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	s["fields"] = append(s["fields"].([]any), map[string]any{"name": "schemaVersion", "type": []any{"null", "string"}, "default": nil})
	b2, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), string(b2)
}

// registry is srfake's registry on an address of its own, which stop closes and start
// serves again, with a new registry holding the same schemas (as a real registry keeps
// them in Kafka).
type registry struct {
	addr string
	mu   sync.Mutex
	srv  *http.Server
}

func startRegistry(t *testing.T) *registry {
	r := &registry{addr: "127.0.0.1:0"}
	r.start(t)
	t.Cleanup(r.stop)
	return r
}

func (r *registry) url() string { return "http://" + r.addr }

// start serves a new fake registry with the test's schemas at r's address.
func (r *registry) start(t *testing.T) {
	t.Helper()
	v1, v2 := rudderstackSchemaTexts(t)
	fake := srfake.NewRegistry()
	fake.SeedSchema("events-avro-value", 1, idAvroV1, sr.Schema{Schema: v1, Type: sr.TypeAvro})
	fake.SeedSchema("events-avro-value", 2, idAvroV2, sr.Schema{Schema: v2, Type: sr.TypeAvro})
	fake.SeedSchema("events-framed-value", 1, idJSONV1, sr.Schema{Schema: `{"type":"object","properties":{"type":{"type":"string"}},"required":["type"]}`, Type: sr.TypeJSON})
	fake.SeedSchema("events-framed-value", 2, idJSONV2, sr.Schema{Schema: `{"type":"object","properties":{"type":{"type":"string"},"userId":{"type":"string"}},"required":["type"]}`, Type: sr.TypeJSON})
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if ln, err = net.Listen("tcp", r.addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("the schema registry's address: %v", err)
	}
	srv := &http.Server{Handler: fake.Handler()}
	go srv.Serve(ln)
	r.mu.Lock()
	r.addr, r.srv = ln.Addr().String(), srv
	r.mu.Unlock()
}

// stop closes the registry's listener and connections: requests are refused.
func (r *registry) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv != nil {
		r.srv.Close()
		r.srv = nil
	}
}

// encodeAvro appends the Avro binary encoding of the JSON event by schema s: the test's
// producer. Object keys keep their order; an absent or null record field takes its
// union's null branch; a record named org.apache.avro.data.Json takes any JSON value.
func encodeAvro(out []byte, s avro.Schema, event []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(event))
	d.UseNumber()
	v, err := orderedValue(d)
	if err != nil {
		return nil, err
	}
	return appendAvro(out, s, v)
}

// member is a key and value of a JSON object, in order.
type member struct {
	key string
	val any
}

// orderedValue reads a JSON value: json.Number, string, bool, nil, []any or []member.
func orderedValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('['):
		arr := []any{}
		for d.More() {
			v, err := orderedValue(d)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := d.Token()
		return arr, err
	case json.Delim('{'):
		obj := []member{}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := orderedValue(d)
			if err != nil {
				return nil, err
			}
			obj = append(obj, member{k.(string), v})
		}
		_, err := d.Token()
		return obj, err
	}
	return tok, nil
}

func appendAvro(out []byte, s avro.Schema, v any) ([]byte, error) {
	long := func(x int64) { out = bin.AppendVarint(out, x) }
	switch s := s.(type) {
	case *avro.RefSchema:
		return appendAvro(out, s.Schema(), v)
	case *avro.NullSchema:
		if v != nil {
			return nil, fmt.Errorf("%v is not null", v)
		}
	case *avro.PrimitiveSchema:
		switch s.Type() {
		case avro.Boolean:
			b, ok := v.(bool)
			if !ok {
				return nil, fmt.Errorf("%v is not a boolean", v)
			}
			out = append(out, map[bool]byte{false: 0, true: 1}[b])
		case avro.Long, avro.Int:
			n, _ := v.(json.Number)
			x, err := n.Int64()
			if err != nil {
				return nil, fmt.Errorf("%v is not an integer", v)
			}
			long(x)
		case avro.Double:
			n, _ := v.(json.Number)
			f, err := n.Float64()
			if err != nil {
				return nil, fmt.Errorf("%v is not a number", v)
			}
			out = bin.LittleEndian.AppendUint64(out, math.Float64bits(f))
		case avro.String:
			str, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("%v is not a string", v)
			}
			long(int64(len(str)))
			out = append(out, str...)
		default:
			return nil, fmt.Errorf("the test encoder does not write %s", s.Type())
		}
	case *avro.RecordSchema:
		if s.FullName() == "org.apache.avro.data.Json" {
			return appendAvro(out, s.Fields()[0].Type(), v)
		}
		obj, ok := v.([]member)
		if !ok {
			return nil, fmt.Errorf("%v is not an object", v)
		}
		used := 0
		for _, f := range s.Fields() {
			var fv any
			for _, m := range obj {
				if m.key == f.Name() {
					fv = m.val
					used++
				}
			}
			var err error
			if out, err = appendAvro(out, f.Type(), fv); err != nil {
				return nil, fmt.Errorf("%s: %w", f.Name(), err)
			}
		}
		if used != len(obj) {
			return nil, fmt.Errorf("the object has keys that are not fields of %s, or repeats one", s.FullName())
		}
	case *avro.UnionSchema:
		for i, b := range s.Types() {
			if fits(b, v) {
				long(int64(i))
				return appendAvro(out, b, v)
			}
		}
		return nil, fmt.Errorf("no branch of the union takes %v", v)
	case *avro.ArraySchema:
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%v is not an array", v)
		}
		if len(arr) > 0 {
			long(int64(len(arr)))
			for _, x := range arr {
				var err error
				if out, err = appendAvro(out, s.Items(), x); err != nil {
					return nil, err
				}
			}
		}
		long(0)
	case *avro.MapSchema:
		obj, ok := v.([]member)
		if !ok {
			return nil, fmt.Errorf("%v is not an object", v)
		}
		if len(obj) > 0 {
			long(int64(len(obj)))
			for _, m := range obj {
				long(int64(len(m.key)))
				out = append(out, m.key...)
				var err error
				if out, err = appendAvro(out, s.Values(), m.val); err != nil {
					return nil, err
				}
			}
		}
		long(0)
	default:
		return nil, errors.New("the test encoder does not write " + string(s.Type()))
	}
	return out, nil
}

// fits reports whether v is of the union branch b: an integer literal is a long, any other
// number a double; an object a map, a record or any JSON value.
func fits(b avro.Schema, v any) bool {
	if r, ok := b.(*avro.RefSchema); ok {
		b = r.Schema()
	}
	if r, ok := b.(*avro.RecordSchema); ok && r.FullName() == "org.apache.avro.data.Json" {
		return true
	}
	switch v := v.(type) {
	case nil:
		return b.Type() == avro.Null
	case bool:
		return b.Type() == avro.Boolean
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return b.Type() == avro.Long || b.Type() == avro.Int
		}
		return b.Type() == avro.Double
	case string:
		return b.Type() == avro.String
	case []any:
		return b.Type() == avro.Array
	case []member:
		return b.Type() == avro.Map || b.Type() == avro.Record
	}
	return false
}
