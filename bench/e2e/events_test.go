package main

import (
	"testing"

	"github.com/kafka-ometria/kafka-ometria/config"
)

func TestUniquify(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"messageId":"m1","x":1}`, `{"messageId":"m1-u3","x":1}`},
		{`{"context":{"traits":{"listingId":"ol_1"}},"messageId":"m\"2"}`, `{"context":{"traits":{"listingId":"ol_1-u3"}},"messageId":"m\"2-u3"}`},
		{`{"properties":{"order_id":"o-9","event_id":"e"}}`, `{"properties":{"order_id":"o-9-u3","event_id":"e-u3"}}`},
		{`{"properties":{"order_id":42}}`, `{"properties":{"order_id":42}}`},
		{`{"type":"page"}`, `{"type":"page"}`},
		{`{"messageId":"unterminated`, `{"messageId":"unterminated`},
	} {
		if got := string(uniquify([]byte(c.in), "-u3")); got != c.want {
			t.Errorf("uniquify(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestPlanAccountsEven(t *testing.T) {
	p := &plan{samples: [][]byte{[]byte(`{}`)}, recs: []sampleRecord{{}}, accounts: make([]string, 8)}
	count := make([]int, 8)
	for i := range 80000 {
		count[p.accountOf(i)]++
	}
	for a, n := range count {
		if n < 9600 || n > 10400 {
			t.Errorf("account %d has %d of 80,000 events, want about 10,000", a, n)
		}
	}
}

// TestMapSamples maps a few events with a generated config: one record each, and the
// uniquified copies make records of their own.
func TestMapSamples(t *testing.T) {
	evs := [][]byte{
		[]byte(`{"type":"track","event":"Product Viewed","messageId":"m1","userId":"u1","timestamp":"2024-05-01T08:00:00Z","properties":{"email":"a@example.com"}}`),
		[]byte(`{"type":"page","messageId":"m2","userId":"u1","timestamp":"2024-05-01T08:00:00Z"}`),
	}
	cfg := koConfig(koConfigArgs{brokers: []string{"127.0.0.1:9092"}, groupID: "g", topics: topicNames("t"), url: "http://127.0.0.1:1/v2",
		accounts: []string{"acct01", "acct02"}, rate: 4})
	recs, err := mapSamples(evs, cfg, "acct01")
	if err != nil {
		t.Fatal(err)
	}
	if !recs[0].ok || recs[0].typ != "custom_event" || recs[0].id != "m1" || !recs[0].suffixed {
		t.Errorf("event 1: %+v, want a custom_event m1 whose copies are suffixed", recs[0])
	}
	if recs[1].ok {
		t.Errorf("event 2 (a page): %+v, want no record", recs[1])
	}
	p := &plan{samples: evs, recs: recs, accounts: []string{"acct01", "acct02"}, unique: true}
	_, _, k, ok := p.event(4) // the third copy of event 1
	if !ok || k.id != "m1-u2" {
		t.Errorf("event 5: %v %v, want id m1-u2", k, ok)
	}
	records, distinct := p.expected(10, true)
	if records != 5 || distinct != 5 {
		t.Errorf("10 events: %d records, %d distinct; want 5 and 5", records, distinct)
	}
	p.unique = false
	records, distinct = p.expected(10, true)
	if records != 5 || distinct > 2 {
		t.Errorf("10 events, not unique: %d records, %d distinct; want 5 and at most 2", records, distinct)
	}
}

// -ko-kafka's settings land in kafka-ometria's kafka section.
func TestKoConfigKafkaExtra(t *testing.T) {
	cfgYAML := koConfig(koConfigArgs{brokers: []string{"127.0.0.1:9092"}, groupID: "g", topics: topicNames("t"), url: "http://127.0.0.1:1/v2",
		accounts: []string{"acct01"}, kafkaExtra: "partition_unfinished: 700; max_unfinished: 9000"})
	cfg, err := config.ParseEnv(cfgYAML, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("%v\n%s", err, cfgYAML)
	}
	if cfg.Kafka.PartitionUnfinished != 700 || cfg.Kafka.MaxUnfinished != 9000 {
		t.Fatalf("kafka %+v, want partition_unfinished 700 and max_unfinished 9000", cfg.Kafka)
	}
}
