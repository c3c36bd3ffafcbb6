package processor

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/decode"
)

const avroIdentifySchema = `{"type":"record","name":"Identify","fields":[
 {"name":"type","type":"string"},
 {"name":"userId","type":["null","string"],"default":null},
 {"name":"traits","type":{"type":"map","values":"string"}}]}`

type avroIdentify struct {
	Type   string            `avro:"type"`
	UserID *string           `avro:"userId"`
	Traits map[string]string `avro:"traits"`
}

// avroMessage is identify event in Avro, framed with schema id 1.
func avroMessage(t *testing.T, traits map[string]string) []byte {
	t.Helper()
	u := "u1"
	b, err := avro.Marshal(avro.MustParse(avroIdentifySchema), avroIdentify{Type: "identify", UserID: &u, Traits: traits})
	if err != nil {
		t.Fatal(err)
	}
	return append(decode.AppendHeader(nil, 1), b...)
}

// registry answers GET /schemas/ids/1 as the Confluent Schema Registry documents it, 404
// {"error_code":40403} for other ids; while down, it drops connections, or answers
// status when that is set.
type registry struct {
	*httptest.Server
	down     atomic.Bool
	status   atomic.Int64
	requests atomic.Int64
}

func newRegistry(t *testing.T) *registry {
	r := &registry{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		if r.down.Load() {
			if st := r.status.Load(); st != 0 {
				w.WriteHeader(int(st))
				_, _ = w.Write([]byte(`{"error_code":50001,"message":"down"}`))
				return
			}
			if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
				c.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		if req.URL.Path != "/schemas/ids/1" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error_code":40403,"message":"Schema not found"}`))
			return
		}
		_, _ = w.Write([]byte(`{"schema":` + quoteJSON(avroIdentifySchema) + `}`))
	}))
	t.Cleanup(r.Close)
	return r
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// newAvroStage is a map stage whose topic "rudder.avro" is avro, through reg.
func newAvroStage(t *testing.T, p Producer, reg *registry) *MapStage {
	s := newMapStage(t, p)
	r, err := decode.NewRegistry(decode.RegistryConfig{URL: reg.URL, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	topics := &config.Topics{Events: []string{"rudder.events", "rudder.avro"}, Replay: "ometria.replay",
		Formats: map[string]string{"rudder.avro": config.FormatAvro}}
	s.Format, s.Decoder = FormatOf(topics), decode.New(r, decode.Options{})
	s.RegistryWait.Initial, s.RegistryWait.Max = 5*time.Millisecond, 20*time.Millisecond
	return s
}

var goodTraits = map[string]string{"listingId": "l1", "email": "ada@example.com"}

func TestMapStageAvro(t *testing.T) {
	reg := newRegistry(t)
	p := &fakeProducer{}
	s := newAvroStage(t, p, reg)
	good := avroMessage(t, goodTraits)
	noEmail := avroMessage(t, map[string]string{"listingId": "l1"})
	bad := append([]byte{0, 0, 0, 0, 9}, good[5:]...)
	for i, c := range []struct {
		name   string
		m      kafka.Message
		reason string // "" : mapped
	}{
		{"avro", kafka.Message{Topic: "rudder.avro", Value: good}, ""},
		{"unknown schema id", kafka.Message{Topic: "rudder.avro", Value: bad}, "unknown_schema"},
		{"bad magic byte", kafka.Message{Topic: "rudder.avro", Value: append([]byte{1}, good[1:]...)}, "invalid_wire_format"},
		{"plain JSON on an avro topic", kafka.Message{Topic: "rudder.avro", Value: []byte(identifyEvent)}, "invalid_wire_format"},
		{"truncated", kafka.Message{Topic: "rudder.avro", Value: good[:len(good)-3]}, "invalid_avro"},
		{"mapper dead letter of an avro event", kafka.Message{Topic: "rudder.avro", Value: noEmail}, "missing_email"},
		{"json topic unchanged", kafka.Message{Topic: "rudder.events", Value: []byte(identifyEvent)}, ""},
		{"replay of an avro event", kafka.Message{Topic: "ometria.replay", Value: good,
			Headers: []kafka.Header{h(HeaderSourceTopic, "rudder.avro")}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p.mu.Lock()
			p.msgs = nil
			p.mu.Unlock()
			c.m.Offset = int64(i)
			ack, ch := doneOnce(t)
			s.Handle(context.Background(), c.m, ack)
			waitDone(t, ch)
			recs, dls := p.topic("ometria.records"), p.topic("ometria.dlq")
			if c.reason == "" {
				if len(recs) != 1 || len(dls) != 0 || !bytes.Contains(recs[0].Value, []byte(`"email":"ada@example.com"`)) {
					t.Fatalf("records %v, dead letters %v", recs, dls)
				}
				return
			}
			if len(recs) != 0 || len(dls) != 1 || hdr(dls[0], HeaderReason) != c.reason {
				t.Fatalf("records %d, dead letters %d (reason %q), want one dead letter %s", len(recs), len(dls), hdr(dls[0], HeaderReason), c.reason)
			}
			if !bytes.Equal(dls[0].Value, c.m.Value) {
				t.Errorf("the dead letter's value is not the message's, as it came")
			}
			if hdr(dls[0], HeaderSourceTopic) != "rudder.avro" || hdr(dls[0], HeaderStage) != "map" {
				t.Errorf("headers %v", dls[0].Headers)
			}
		})
	}
	if n := reg.requests.Load(); n != 2 {
		t.Errorf("%d registry requests, want 2 (ids 1 and 9, each once)", n)
	}
}

// TestMapStageWaitsForTheRegistry: while the registry does not answer (connections
// dropped, 503, 401), the message waits, nothing is dead-lettered, and it maps once the
// registry answers; a generation that ends first gets it back (ack with an error).
func TestMapStageWaitsForTheRegistry(t *testing.T) {
	for _, status := range []int{0, http.StatusServiceUnavailable, http.StatusUnauthorized} {
		reg := newRegistry(t)
		p := &fakeProducer{}
		s := newAvroStage(t, p, reg)
		reg.down.Store(true)
		reg.status.Store(int64(status))
		ack, ch := doneOnce(t)
		var wg sync.WaitGroup
		wg.Add(1)
		msg := avroMessage(t, goodTraits)
		go func() {
			defer wg.Done()
			s.Handle(context.Background(), kafka.Message{Topic: "rudder.avro", Value: msg}, ack)
		}()
		for reg.requests.Load() < 3 {
			time.Sleep(2 * time.Millisecond)
		}
		select {
		case err := <-ch:
			t.Fatalf("status %d: acked (%v) while the registry is down", status, err)
		default:
		}
		if n := len(p.topic("ometria.dlq")); n != 0 {
			t.Fatalf("status %d: %d dead letters while the registry is down", status, n)
		}
		if testutil.ToFloat64(s.Metrics.registryWaiting) != 1 {
			t.Errorf("status %d: waiting gauge %v, want 1", status, testutil.ToFloat64(s.Metrics.registryWaiting))
		}
		reg.down.Store(false)
		waitDone(t, ch)
		wg.Wait()
		if len(p.topic("ometria.records")) != 1 || len(p.topic("ometria.dlq")) != 0 {
			t.Errorf("status %d: after the registry is back: records %d, dead letters %d", status, len(p.topic("ometria.records")), len(p.topic("ometria.dlq")))
		}
		want := registryUnavailable
		if status == http.StatusUnauthorized {
			want = registryUnauthorized
		}
		if n := testutil.ToFloat64(s.Metrics.registryRetries.WithLabelValues(want)); n < 2 {
			t.Errorf("status %d: %s retries %v, want at least 2", status, want, n)
		}
		if testutil.ToFloat64(s.Metrics.registryWaiting) != 0 {
			t.Errorf("status %d: waiting gauge not back to 0", status)
		}
	}

	// The generation ends while the registry is down: the message is given back.
	reg := newRegistry(t)
	p := &fakeProducer{}
	s := newAvroStage(t, p, reg)
	reg.down.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	ack, ch := doneOnce(t)
	msg := avroMessage(t, goodTraits)
	go s.Handle(ctx, kafka.Message{Topic: "rudder.avro", Value: msg}, ack)
	for reg.requests.Load() < 2 {
		time.Sleep(2 * time.Millisecond)
	}
	cancel()
	if err := waitAck(t, ch); err == nil || !decode.IsUnavailable(err) && !errors.Is(err, context.Canceled) {
		t.Errorf("ack(%v), want the registry's error (given back)", err)
	}
	if len(p.topic("ometria.dlq")) != 0 || len(p.topic("ometria.records")) != 0 {
		t.Error("something was produced for a message given back")
	}
}

func TestFormatOfReplay(t *testing.T) {
	f := FormatOf(&config.Topics{Events: []string{"a", "b"}, Replay: "r", Formats: map[string]string{"b": "avro"}})
	for _, c := range []struct {
		m    kafka.Message
		want decode.Format
	}{
		{kafka.Message{Topic: "a"}, decode.JSON},
		{kafka.Message{Topic: "b"}, decode.Avro},
		{kafka.Message{Topic: "r", Headers: []kafka.Header{h(HeaderSourceTopic, "b")}}, decode.Avro},
		{kafka.Message{Topic: "r", Headers: []kafka.Header{h(HeaderSourceTopic, "a")}}, decode.JSON},
		{kafka.Message{Topic: "r"}, decode.JSON},
	} {
		if got := f(&c.m); got != c.want {
			t.Errorf("%s %v: %s, want %s", c.m.Topic, c.m.Headers, got, c.want)
		}
	}
}
