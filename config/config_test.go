package config

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kafka-ometria/kafka-ometria/mapper"
)

const minimalYAML = `
kafka: {brokers: ["127.0.0.1:9092"]}
topics: {events: [rudder.events]}
accounts:
  acme: {api_key_env: OMETRIA_KEY_ACME}
`

func mustParse(t *testing.T, doc string) *Config {
	t.Helper()
	c, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestParseDefaults(t *testing.T) {
	c := mustParse(t, minimalYAML)
	tru := true
	want := &Config{
		Kafka: Kafka{Brokers: []string{"127.0.0.1:9092"}, GroupID: "kafka-ometria", TopicPartitions: 12, SessionTimeout: DefaultSessionTimeout, StallTimeout: DefaultStallTimeout, CommitInterval: DefaultCommitInterval, MaxUnfinished: DefaultMaxUnfinished, PartitionUnfinished: DefaultPartitionUnfinished,
			StartOffset: StartEarliest},
		Retry:          Retry{MaxAttempts: 10, MaxAge: 24 * time.Hour, InitialDelay: time.Minute, MaxDelay: time.Hour},
		DLQ:            DLQ{MaxReplays: DefaultMaxReplays},
		SchemaRegistry: SchemaRegistry{Timeout: DefaultSchemaRegistryTimeout, CacheSize: DefaultSchemaRegistryCacheSize},
		Topics: Topics{Events: []string{"rudder.events"}, Records: "ometria.records", Retry: "ometria.retry", DeadLetter: "ometria.dlq",
			Replay: DefaultReplayTopic, Replays: DefaultReplaysTopic},
		Stages:  []Stage{StageMap, StagePush, StageRetry},
		Ometria: Ometria{BaseURL: "https://api.ometria.com/v2", Timeout: 10 * time.Second, Linger: DefaultLinger, MaxLinger: DefaultMaxLinger},
		Routing: Routing{Header: "ometria-account"},
		Accounts: map[string]*Account{"acme": {
			APIKeyEnv:      "OMETRIA_KEY_ACME",
			RateLimit:      4,
			MarketingOptin: mapper.OptedOut,
			PIICheck:       &tru,
			EventTypeCase:  EventTypeLower,
			Unsupported:    UnsupportedSkip,

			DeriveProductsInterval: mapper.DefaultDeriveProductsInterval,
		}},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Parse(minimal) =\n%#v\nwant\n%#v", c, want)
	}
	for _, topic := range []string{"rudder.events", "ometria.records", "ometria.retry", "not.configured"} {
		if got := c.StartOffsetFor(topic); got != StartEarliest {
			t.Errorf("StartOffsetFor(%q) = %q, want earliest by default", topic, got)
		}
	}
	if got := (&Config{}).StartOffsetFor("t"); got != StartEarliest {
		t.Errorf("StartOffsetFor on a Config not parsed = %q, want earliest", got)
	}
	if c.Retry != DefaultRetry() {
		t.Errorf("retry defaults %+v, DefaultRetry() %+v", c.Retry, DefaultRetry())
	}
	s := c.Accounts["acme"].Settings("acme")
	if s.Name != "acme" || s.AllowPIIInIDs || s.KeepEventCase || s.DeadLetterUnsupported || s.DeriveProducts || s.DeriveProductsInterval != 0 {
		t.Errorf("default settings = %+v", s)
	}
}

const fullYAML = `
kafka:
  brokers: ["k1:9093", "k2:9093"]
  tls: {enabled: true, ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem}
  sasl: {mechanism: SCRAM-SHA-512, username: svc, password_file: /run/pw}
  start_offset: latest
  start_offsets: {rudder.events: earliest, r: earliest}
topics:
  events: [rudder.events, segment.events]
  formats: {segment.events: avro}
  records: r
  retry: rt
  dead_letter: d
schema_registry:
  url: https://sr.example.com:8081/
  username: sr-user
  password_env: SR_PASSWORD
  timeout: 2s
  cache_size: 50
stages: [push, map]
ometria:
  base_url: http://127.0.0.1:8080/v2/
  timeout: 1m30s
routing:
  header: x-account
  topics: {rudder.events: acme, segment.events: beta}
  default_account: beta
accounts:
  acme:
    api_key_env: KEY_ACME
    rate_limit: 2.5
    marketing_optin: EXPLICITLY_OPTEDIN
    sms_allow_marketing: true
    sms_allow_transactional: true
    collection: shop
    phone_region: gb
    pii_check: false
    event_type_case: keep
    order_events: {"order refunded": refunded}
    product_events: ["catalog item changed"]
    derive_products: true
    derive_products_interval: 6h
    skip_events: ["page viewed"]
    unsupported: dead_letter
    field_mappings:
      - {from: traits.loyalty.tier, to: loyalty_tier}
      - {from: properties.store_code, to: store, record: order}
      - {from: properties.item.code, to: id, record: product}
  beta:
    api_key_file: /run/beta
`

func TestParseFull(t *testing.T) {
	c := mustParse(t, fullYAML)
	fals := false
	want := &Config{
		Kafka: Kafka{
			Brokers: []string{"k1:9093", "k2:9093"},
			TLS:     TLS{Enabled: true, CAFile: "/ca.pem", CertFile: "/c.pem", KeyFile: "/k.pem"},
			SASL:    SASL{Mechanism: SASLScramSHA512, Username: "svc", PasswordFile: "/run/pw"},
			GroupID: "kafka-ometria", TopicPartitions: 12, SessionTimeout: DefaultSessionTimeout, StallTimeout: DefaultStallTimeout, CommitInterval: DefaultCommitInterval, MaxUnfinished: DefaultMaxUnfinished, PartitionUnfinished: DefaultPartitionUnfinished,
			StartOffset: StartLatest, StartOffsets: map[string]StartOffset{"rudder.events": StartEarliest, "r": StartEarliest},
		},
		Retry: Retry{MaxAttempts: 10, MaxAge: 24 * time.Hour, InitialDelay: time.Minute, MaxDelay: time.Hour},
		DLQ:   DLQ{MaxReplays: DefaultMaxReplays},
		Topics: Topics{Events: []string{"rudder.events", "segment.events"}, Records: "r", Retry: "rt", DeadLetter: "d",
			Replay: DefaultReplayTopic, Replays: DefaultReplaysTopic, Formats: map[string]string{"segment.events": FormatAvro}},
		SchemaRegistry: SchemaRegistry{URL: "https://sr.example.com:8081", Username: "sr-user", PasswordEnv: "SR_PASSWORD",
			Timeout: 2 * time.Second, CacheSize: 50},
		Stages:  []Stage{StagePush, StageMap},
		Ometria: Ometria{BaseURL: "http://127.0.0.1:8080/v2", Timeout: 90 * time.Second, Linger: DefaultLinger, MaxLinger: DefaultMaxLinger},
		Routing: Routing{Header: "x-account", Topics: map[string]string{"rudder.events": "acme", "segment.events": "beta"}, DefaultAccount: "beta"},
		Accounts: map[string]*Account{
			"acme": {
				APIKeyEnv: "KEY_ACME", RateLimit: 2.5, MarketingOptin: mapper.OptedIn,
				SMSAllowMarketing: true, SMSAllowTransactional: true, Collection: "shop",
				PhoneRegion: "gb", PIICheck: &fals, EventTypeCase: EventTypeKeep,
				OrderEvents:   map[string]string{"order refunded": "refunded"},
				ProductEvents: []string{"catalog item changed"}, DeriveProducts: true, DeriveProductsInterval: 6 * time.Hour,
				SkipEvents: []string{"page viewed"}, Unsupported: UnsupportedDeadLetter,
				FieldMappings: []FieldMapping{
					{From: "traits.loyalty.tier", To: "loyalty_tier", Record: "contact"},
					{From: "properties.store_code", To: "store", Record: "order"},
					{From: "properties.item.code", To: "id", Record: "product"},
				},
			},
			"beta": c.Accounts["beta"], // defaults: checked by TestParseDefaults
		},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Parse(full) =\n%#v\nwant\n%#v", c, want)
	}
	if !c.HasStage(StageMap) || c.HasStage(StageRetry) {
		t.Errorf("HasStage wrong for %v", c.Stages)
	}
	if g := StagePush.GroupID(c.Kafka.GroupID); g != c.Kafka.GroupID+"-push" {
		t.Errorf("StagePush.GroupID(%q) = %q, want %q", c.Kafka.GroupID, g, c.Kafka.GroupID+"-push")
	}

	s := c.Accounts["acme"].Settings("acme")
	wantS := mapper.Settings{
		Name: "acme", MarketingOptin: mapper.OptedIn, SMSAllowMarketing: true, SMSAllowTransactional: true,
		Collection: "shop", PhoneRegion: "gb", AllowPIIInIDs: true, KeepEventCase: true,
		OrderEvents: map[string]string{"order refunded": "refunded"}, SkipEvents: []string{"page viewed"},
		ProductEvents: []string{"catalog item changed"}, DeriveProducts: true, DeriveProductsInterval: 6 * time.Hour,
		DeadLetterUnsupported: true,
		FieldMappings: []mapper.FieldMapping{
			{From: "traits.loyalty.tier", To: "loyalty_tier", Record: "contact"},
			{From: "properties.store_code", To: "store", Record: "order"},
			{From: "properties.item.code", To: "id", Record: "product"},
		},
	}
	if !reflect.DeepEqual(s, wantS) {
		t.Errorf("Settings =\n%+v\nwant\n%+v", s, wantS)
	}

	// kafka.start_offsets wins over kafka.start_offset, topic by topic.
	for topic, want := range map[string]StartOffset{"rudder.events": StartEarliest, "r": StartEarliest, "segment.events": StartLatest, "rt": StartLatest} {
		if got := c.StartOffsetFor(topic); got != want {
			t.Errorf("StartOffsetFor(%q) = %q, want %q", topic, got, want)
		}
	}
	accts, err := c.MapperAccounts()
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != 2 || accts["acme"].Name() != "acme" || accts["beta"].Name() != "beta" {
		t.Errorf("MapperAccounts = %v", accts)
	}
	if got := c.Summary(); got != "2 accounts, stages [push map]" {
		t.Errorf("Summary = %q", got)
	}
}

// TestRoundTrip checks that a parsed config, written back as YAML, parses to the same config.
func TestRoundTrip(t *testing.T) {
	for name, doc := range map[string]string{"minimal": minimalYAML, "full": fullYAML} {
		t.Run(name, func(t *testing.T) {
			c := mustParse(t, doc)
			out, err := yaml.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			c2, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse(Marshal(c)): %v\n%s", err, out)
			}
			if !reflect.DeepEqual(c, c2) {
				t.Errorf("round trip differs:\n%#v\n%#v\n%s", c, c2, out)
			}
		})
	}
}

func TestExampleYAML(t *testing.T) {
	c, err := Load("example.yaml")
	if err != nil {
		t.Fatalf("example.yaml: %v", err)
	}
	if len(c.Accounts) != 2 || c.Routing.DefaultAccount != "acme" {
		t.Errorf("example.yaml parsed to %+v", c)
	}
	// Every key of the Config type appears in the example, so that it documents them all.
	data, _ := os.ReadFile("example.yaml")
	for _, key := range allKeys(reflect.TypeFor[Config]()) {
		if !strings.Contains(string(data), key+":") {
			t.Errorf("example.yaml does not document %q", key)
		}
	}
}

// allKeys lists the YAML keys of a type, recursively.
func allKeys(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Duration]() {
		return nil
	}
	var keys []string
	for name, ft := range yamlFields(t) {
		keys = append(keys, name)
		keys = append(keys, allKeys(ft)...)
	}
	return keys
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("does-not-exist.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want ErrNotExist", err)
	}
}

func TestEmptyConfig(t *testing.T) {
	_, err := Parse(nil)
	for _, want := range []string{"kafka.brokers: at least one broker is required", "accounts: at least one account is required", "topics.events:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(empty) = %v, want %q", err, want)
		}
	}
}

func TestEnvOverrides(t *testing.T) {
	env := map[string]string{
		"KAFKA_OMETRIA_BROKERS":             "b1:9092, b2:9092",
		"KAFKA_OMETRIA_GROUP_ID":            "g",
		"KAFKA_OMETRIA_CREATE_TOPICS":       "true",
		"KAFKA_OMETRIA_START_OFFSET":        " latest ",
		"KAFKA_OMETRIA_STAGES":              "push",
		"KAFKA_OMETRIA_OMETRIA_BASE_URL":    "http://127.0.0.1:9/v2",
		"KAFKA_OMETRIA_DEFAULT_ACCOUNT":     "acme",
		"KAFKA_OMETRIA_SCHEMA_REGISTRY_URL": "https://registry.example:8081/",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	c, err := ParseEnv([]byte(minimalYAML), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Kafka.Brokers, ",") != "b1:9092,b2:9092" || c.Kafka.GroupID != "g" || !c.Kafka.CreateTopics ||
		len(c.Stages) != 1 || c.Stages[0] != StagePush || c.Ometria.BaseURL != "http://127.0.0.1:9/v2" || c.Routing.DefaultAccount != "acme" ||
		c.StartOffsetFor("rudder.events") != StartLatest || c.SchemaRegistry.URL != "https://registry.example:8081" {
		t.Fatalf("overrides not applied: %+v", c)
	}
	env = map[string]string{"KAFKA_OMETRIA_CREATE_TOPICS": "maybe", "KAFKA_OMETRIA_STAGES": "map,nope"}
	_, err = ParseEnv([]byte(minimalYAML), lookup)
	if err == nil || !strings.Contains(err.Error(), "KAFKA_OMETRIA_CREATE_TOPICS") || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("bad overrides: %v", err)
	}
	// Problems come out in the variables' order, whatever the map's order: the same
	// config gives the same message every time.
	for range 20 {
		_, again := ParseEnv([]byte(minimalYAML), lookup)
		if again == nil || again.Error() != err.Error() {
			t.Fatalf("the same bad overrides gave\n%v\nthen\n%v", err, again)
		}
	}
	if i, j := strings.Index(err.Error(), "KAFKA_OMETRIA_CREATE_TOPICS"), strings.Index(err.Error(), "nope"); i > j {
		t.Fatalf("KAFKA_OMETRIA_CREATE_TOPICS's problem comes after KAFKA_OMETRIA_STAGES's:\n%v", err)
	}
}

// TestOverrides: a flag's override and an environment variable go through one path: the
// whole config is validated once, and a problem with the value names where it was set.
func TestOverrides(t *testing.T) {
	noEvents := `
kafka: {brokers: ["127.0.0.1:9092"]}
stages: [push]
accounts:
  acme: {api_key_env: OMETRIA_KEY_ACME}
`
	flag := func(v string) Override { return Override{Name: "--stages", Path: "stages", Value: v} }
	tests := []struct {
		name      string
		doc       string
		env       map[string]string
		overrides []Override
		want      []string // the problems, in order; none: valid
		stages    []Stage  // when valid
	}{
		{"flag sets the stages", minimalYAML, nil, []Override{flag("push, retry")}, nil, []Stage{StagePush, StageRetry}},
		{"flag wins over the environment", minimalYAML, map[string]string{"KAFKA_OMETRIA_STAGES": "nope"}, []Override{flag("push")}, nil, []Stage{StagePush}},
		{"the later flag wins", minimalYAML, nil, []Override{flag("push"), flag("retry")}, nil, []Stage{StageRetry}},
		{"flag: map without event topics", noEvents, nil, []Override{flag("map")},
			[]string{"topics.events: at least one event topic is required when the map stage runs"}, nil},
		{"env: map without event topics", noEvents, map[string]string{"KAFKA_OMETRIA_STAGES": "map"}, nil,
			[]string{"topics.events: at least one event topic is required when the map stage runs"}, nil},
		{"flag: listed twice", minimalYAML, nil, []Override{flag("map,push,map")}, []string{`--stages: "map" is listed twice`}, nil},
		{"env: listed twice", minimalYAML, map[string]string{"KAFKA_OMETRIA_STAGES": "map,map"}, nil,
			[]string{`KAFKA_OMETRIA_STAGES: "map" is listed twice`}, nil},
		{"flag: not a stage", minimalYAML, nil, []Override{flag("map,nope")}, []string{`--stages: "nope" is not a stage (map, push, retry)`}, nil},
		{"flag: empty", minimalYAML, nil, []Override{flag(" , ")}, []string{"--stages: at least one stage is required (map, push, retry)"}, nil},
		{"env: empty", minimalYAML, map[string]string{"KAFKA_OMETRIA_STAGES": ""}, nil,
			[]string{"KAFKA_OMETRIA_STAGES: at least one stage is required (map, push, retry)"}, nil},
		{"env: bad broker", minimalYAML, map[string]string{"KAFKA_OMETRIA_BROKERS": "b1:9092,b2"}, nil,
			[]string{`KAFKA_OMETRIA_BROKERS: "b2" is not host:port`}, nil},
		{"env: start offset", minimalYAML, map[string]string{"KAFKA_OMETRIA_START_OFFSET": "newest"}, nil,
			[]string{`KAFKA_OMETRIA_START_OFFSET: "newest" is not earliest or latest`}, nil},
		{"env: empty start offset", minimalYAML, map[string]string{"KAFKA_OMETRIA_START_OFFSET": ""}, nil,
			[]string{`KAFKA_OMETRIA_START_OFFSET: "" is not earliest or latest`}, nil},
		{"a path that cannot be overridden", minimalYAML, nil, []Override{{Name: "--topic", Path: "topics.records", Value: "x"}},
			[]string{`--topic: "topics.records" is not a setting that can be overridden`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			c, err := ParseEnv([]byte(tt.doc), lookup, tt.overrides...)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(c.Stages, tt.stages) {
					t.Fatalf("stages %v, want %v", c.Stages, tt.stages)
				}
				return
			}
			var got []string
			for _, p := range Problems(err) {
				got = append(got, p.Error())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("problems\n%q\nwant\n%q", got, tt.want)
			}
		})
	}

	// The problem keeps the config path at fault, and says where the value came from.
	_, err := ParseEnv([]byte(minimalYAML), nil, flag("map,map"))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "stages[1]" || fe.From != "--stages" {
		t.Fatalf("ParseEnv(--stages map,map) = %#v, want a *FieldError at stages[1] from --stages", err)
	}
}
