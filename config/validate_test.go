package config

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// doc returns minimalYAML with the key at path set to v (or deleted when v is nil), as YAML.
func doc(t *testing.T, edits ...edit) []byte {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(minimalYAML), &m); err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		cur := m
		for _, k := range e.path[:len(e.path)-1] {
			next, ok := cur[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[k] = next
			}
			cur = next
		}
		last := e.path[len(e.path)-1]
		if e.v == nil {
			delete(cur, last)
		} else {
			cur[last] = e.v
		}
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type edit struct {
	path []string
	v    any
}

func set(v any, path ...string) edit { return edit{path, v} }

func TestValidationErrors(t *testing.T) {
	acme := func(v any, key ...string) edit { return set(v, append([]string{"accounts", "acme"}, key...)...) }
	tests := []struct {
		name  string
		edits []edit
		want  []string // each must appear in the error, one per problem
	}{
		{"no brokers", []edit{set([]string{}, "kafka", "brokers")}, []string{"kafka.brokers: at least one broker is required"}},
		{"bad broker", []edit{set([]string{"k1", "k2:0", "k3:x"}, "kafka", "brokers")}, []string{
			`kafka.brokers[0]: "k1" is not host:port`, `kafka.brokers[1]: "k2:0" has an invalid port`, `kafka.brokers[2]: "k3:x" has an invalid port`}},
		{"tls cert without key", []edit{set(map[string]any{"enabled": true, "cert_file": "/c"}, "kafka", "tls")}, []string{"kafka.tls: set both cert_file and key_file"}},
		{"tls files but disabled", []edit{set(map[string]any{"ca_file": "/ca"}, "kafka", "tls")}, []string{"kafka.tls.enabled: is false but"}},
		{"sasl bad mechanism", []edit{set(map[string]any{"mechanism": "GSSAPI", "username": "u"}, "kafka", "sasl")}, []string{`kafka.sasl.mechanism: "GSSAPI" is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512`}},
		{"sasl without user or password", []edit{set(map[string]any{"mechanism": "PLAIN"}, "kafka", "sasl")}, []string{
			"kafka.sasl.username: is required", "kafka.sasl: set password_env or password_file (not both)"}},
		{"sasl both passwords", []edit{set(map[string]any{"mechanism": "PLAIN", "username": "u", "password_env": "P", "password_file": "/p"}, "kafka", "sasl")}, []string{
			"kafka.sasl: set password_env or password_file (not both)"}},
		{"sasl user without mechanism", []edit{set(map[string]any{"username": "u", "password_env": "1BAD"}, "kafka", "sasl")}, []string{
			"kafka.sasl.mechanism: is required", `kafka.sasl.password_env: "1BAD" is not an environment variable name`}},
		{"negative retry durations", []edit{set("-1s", "retry", "max_delay"), set("-1m", "retry", "initial_delay"), set("-1h", "retry", "max_age")}, []string{
			"retry.max_age: must not be negative, got -1h0m0s", "retry.initial_delay: must not be negative, got -1m0s", "retry.max_delay: must not be negative, got -1s"}},
		{"max replays", []edit{set(-1, "dlq", "max_replays")}, []string{"dlq.max_replays: must be positive, got -1"}},
		{"replay topic reused", []edit{set("ometria.dlq", "topics", "replay")}, []string{`topics.replay: "ometria.dlq" is already used by topics.dead_letter`}},
		{"negative commit interval", []edit{set("-1s", "kafka", "commit_interval")}, []string{"kafka.commit_interval: must not be negative, got -1s"}},
		{"linger", []edit{set("0s", "ometria", "linger")}, []string{"ometria.linger: must be positive, got 0s"}},
		{"max linger below linger", []edit{set("5s", "ometria", "linger"), set("2s", "ometria", "max_linger")}, []string{
			"ometria.max_linger: 2s is shorter than ometria.linger (5s)"}},
		{"registry ca_file with http", []edit{set(map[string]any{"url": "http://127.0.0.1:8081", "ca_file": "/ca.pem"}, "schema_registry")}, []string{
			"schema_registry.ca_file: is set but schema_registry.url is not https"}},
		{"negative unfinished bounds", []edit{set(-1, "kafka", "max_unfinished"), set(-5, "kafka", "partition_unfinished")}, []string{
			"kafka.max_unfinished: must be positive, got -1", "kafka.partition_unfinished: must be positive, got -5"}},
		{"partition bound above the process's", []edit{set(100, "kafka", "max_unfinished"), set(200, "kafka", "partition_unfinished")}, []string{
			"kafka.partition_unfinished: 200 is more than kafka.max_unfinished (100)"}},
		{"negative stall timeout", []edit{set("-1m", "kafka", "stall_timeout")}, []string{"kafka.stall_timeout: must not be negative, got -1m0s"}},
		{"bad start offset", []edit{set("newest", "kafka", "start_offset")}, []string{`kafka.start_offset: "newest" is not earliest or latest`}},
		{"bad start offsets", []edit{set(map[string]any{
			"rudder.events": "Latest", "ometria.records": "latest", "ometria.retry": "earliest", "ometria.dlq": "latest", "other": "latest",
		}, "kafka", "start_offsets")}, []string{
			`kafka.start_offsets.ometria.dlq: topic "ometria.dlq" is not one the stages read (topics.events, topics.records, topics.retry, topics.replay)`,
			`kafka.start_offsets.other: topic "other" is not one the stages read`,
			`kafka.start_offsets.rudder.events: "Latest" is not earliest or latest`}},
		{"start offsets of renamed topics", []edit{set("recs", "topics", "records"),
			set(map[string]any{"recs": "latest"}, "kafka", "start_offsets")}, nil},
		// The map stage reads topics.replay besides the event topics: its start can be set too.
		{"start offset of the replay topic", []edit{set(map[string]any{"ometria.replay": "latest"}, "kafka", "start_offsets")}, nil},
		{"start offset of a renamed replay topic", []edit{set("replays.in", "topics", "replay"),
			set(map[string]any{"replays.in": "latest", "ometria.replay": "latest"}, "kafka", "start_offsets")}, []string{
			`kafka.start_offsets.ometria.replay: topic "ometria.replay" is not one the stages read (topics.events, topics.records, topics.retry, topics.replay)`}},
		{"no event topics", []edit{set(nil, "topics", "events")}, []string{"topics.events: at least one event topic is required"}},
		{"no event topics needed without map", []edit{set(nil, "topics", "events"), set([]string{"push"}, "stages")}, nil},
		{"bad topics", []edit{set([]string{"a b", "ometria.dlq"}, "topics", "events"), set("ometria.dlq", "topics", "retry")}, []string{
			`topics.events[0]: "a b" may contain only`, `topics.retry: "ometria.dlq" is already used by topics.events[1]`,
			`topics.dead_letter: "ometria.dlq" is already used by topics.events[1]`}},
		{"bad stages", []edit{set([]string{"map", "mop", "map"}, "stages")}, []string{
			`stages[1]: "mop" is not a stage`, `stages[2]: "map" is listed twice`}},
		{"empty stages", []edit{set([]string{}, "stages")}, []string{"stages: at least one stage is required"}},
		{"http base url", []edit{set("http://api.ometria.com/v2", "ometria", "base_url")}, []string{
			"ometria.base_url: must be https (http is allowed only for loopback hosts)"}},
		{"relative base url", []edit{set("api.ometria.com", "ometria", "base_url")}, []string{"ometria.base_url: is not an absolute URL"}},
		{"base url with credentials", []edit{set("https://user:hunter2@api.ometria.com", "ometria", "base_url")}, []string{
			"ometria.base_url: must not contain credentials"}},
		{"short session timeout", []edit{set("2s", "kafka", "session_timeout")}, []string{"kafka.session_timeout: 2s is outside 6s to 30m"}},
		{"long session timeout", []edit{set("1h", "kafka", "session_timeout")}, []string{"kafka.session_timeout: 1h0m0s is outside 6s to 30m"}},
		{"zero timeout", []edit{set("0s", "ometria", "timeout")}, []string{"ometria.timeout: must be positive"}},
		{"negative timeout", []edit{set("-1s", "ometria", "timeout")}, []string{"ometria.timeout: must be positive"}},
		{"bad header", []edit{set("my header", "routing", "header")}, []string{`routing.header: "my header" is not a valid header name`}},
		{"unknown default account", []edit{set("nope", "routing", "default_account")}, []string{`routing.default_account: "nope" is not an account`}},
		{"unknown routed account", []edit{set(map[string]any{"rudder.events": "x"}, "routing", "topics")}, []string{`routing.topics.rudder.events: "x" is not an account`}},
		{"route for a topic not consumed", []edit{set(map[string]any{"other": "acme"}, "routing", "topics")}, []string{`routing.topics.other: topic "other" is not in topics.events`}},
		{"no accounts", []edit{set(nil, "accounts")}, []string{"accounts: at least one account is required"}},
		{"account name with space", []edit{set(map[string]any{"api_key_env": "K"}, "accounts", "ac me")}, []string{`accounts.ac me: "ac me" is not a valid account name`}},
		{"no api key source", []edit{set(nil, "accounts", "acme", "api_key_env")}, []string{"accounts.acme: set api_key_env or api_key_file (not both)"}},
		{"both api key sources", []edit{acme("/k", "api_key_file")}, []string{"accounts.acme: set api_key_env or api_key_file (not both)"}},
		{"bad env name", []edit{acme("MY-KEY", "api_key_env")}, []string{`accounts.acme.api_key_env: "MY-KEY" is not an environment variable name`}},
		{"zero rate", []edit{acme(0, "rate_limit")}, []string{"accounts.acme.rate_limit: must be a number of requests per second > 0"}},
		{"negative rate", []edit{acme(-1, "rate_limit")}, []string{"accounts.acme.rate_limit: must be"}},
		{"bad event case", []edit{acme("upper", "event_type_case")}, []string{`accounts.acme.event_type_case: "upper" is not lower or keep`}},
		{"bad unsupported", []edit{acme("drop", "unsupported")}, []string{`accounts.acme.unsupported: "drop" is not skip or dead_letter`}},
		{"bad phone region", []edit{acme("XX", "phone_region")}, []string{`accounts.acme.phone_region: "XX" is not a region`}},
		{"bad optin", []edit{acme("YES", "marketing_optin")}, []string{`accounts.acme.marketing_optin: "YES" is not one of`}},
		{"bad collection", []edit{acme("a b", "collection")}, []string{`accounts.acme.collection: "a b" contains whitespace`}},
		{"bad skip event", []edit{acme([]string{"ok", " "}, "skip_events")}, []string{"accounts.acme.skip_events[1]: an empty event name"}},
		{"bad product event", []edit{acme([]string{"order completed"}, "product_events")}, []string{`accounts.acme.product_events[0]: "order completed" is an order event`}},
		{"zero derive interval", []edit{acme("0s", "derive_products_interval")}, []string{"accounts.acme.derive_products_interval: must be a duration > 0, got 0s"}},
		{"negative derive interval", []edit{acme("-1h", "derive_products_interval")}, []string{"accounts.acme.derive_products_interval: must be a duration > 0, got -1h0m0s"}},
		{"bad field mappings", []edit{acme([]any{
			map[string]any{"from": "traits.a", "to": "a"},
			map[string]any{"from": "traits.b", "to": "b"},
			map[string]any{"from": "traits.c", "to": ""},
		}, "field_mappings")}, []string{"accounts.acme.field_mappings[2].to"}},
		{"many problems at once", []edit{
			set([]string{}, "kafka", "brokers"), acme("XX", "phone_region"), set("nope", "routing", "default_account"),
			set("http://example.com", "ometria", "base_url"),
		}, []string{
			"kafka.brokers: at least one broker is required", "ometria.base_url: must be https",
			`accounts.acme.phone_region: "XX" is not a region`, `routing.default_account: "nope" is not an account`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := doc(t, tt.edits...)
			c, err := Parse(data)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Parse:\n%s\nerror: %v", data, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse:\n%s\nsucceeded (%+v), want errors %q", data, c, tt.want)
			}
			problems := Problems(err)
			last := -1 // problems come out in a stable order, the order of want
			for _, want := range tt.want {
				i := strings.Index(err.Error(), want)
				if i < 0 {
					t.Errorf("error does not contain %q:\n%v", want, err)
				} else if i < last {
					t.Errorf("%q comes before the problem listed ahead of it:\n%v", want, err)
				}
				last = max(last, i)
			}
			if len(problems) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%v", len(problems), len(tt.want), err)
			}
			for _, p := range problems {
				var fe *FieldError
				if !errors.As(p, &fe) || fe.Path == "" {
					t.Errorf("problem %q is not a *FieldError with a path", p)
				}
			}
		})
	}
}

func TestLoopbackHTTPAllowed(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080/v2", "http://localhost:1/v2", "http://[::1]:9/v2", "https://ometria.example/v2"} {
		if _, err := Parse(doc(t, set(u, "ometria", "base_url"))); err != nil {
			t.Errorf("base_url %s: %v", u, err)
		}
	}
}

func TestStrictDecoding(t *testing.T) {
	const block = `
kafka:
  brokers: ["127.0.0.1:9092"]
  sasl: {mechanism: PLAIN, username: u, password_env: P}
topics: {events: [rudder.events]}
accounts:
  acme:
    api_key_env: OMETRIA_KEY_ACME
`
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"unknown top-level key", minimalYAML + "extra: 1\n", []string{"extra: unknown key (line"}},
		{"typo with suggestion", strings.Replace(minimalYAML, "brokers", "brokerz", 1), []string{
			`kafka.brokerz: unknown key (line 2); did you mean "brokers"?`, "kafka.brokers: at least one broker is required"}},
		{"unknown account key", block + "    colour: red\n", []string{"accounts.acme.colour: unknown key"}},
		{"unknown field mapping key", block + "    field_mappings: [{from: a, to: b, kind: x}]\n", []string{
			"accounts.acme.field_mappings[0].kind: unknown key"}},
		{"api key in the file", block + "    api_key: sk_live_123\n", []string{
			"accounts.acme.api_key: the API key must not be written in the config file: set api_key_env (an environment variable) or api_key_file (a file) instead"}},
		{"sasl password in the file", strings.Replace(block, "password_env: P", "password: hunter2", 1), []string{
			"kafka.sasl.password: the password must not be written in the config file", "kafka.sasl: set password_env or password_file"}},
		{"wrong type", block + "    rate_limit: fast\n", []string{`accounts.acme.rate_limit: "fast" is not a number (line 9)`}},
		{"not a bool", block + "    pii_check: maybe\n", []string{`accounts.acme.pii_check: "maybe" is not true or false`}},
		{"duration as a number", minimalYAML + "ometria: {timeout: 10}\n", []string{`ometria.timeout: "10" is not a duration`}},
		{"scalar for a list", minimalYAML + "stages: map\n", []string{"stages: must be a list"}},
		{"list for a mapping", block + "    order_events: [x]\n", []string{"accounts.acme.order_events: must be a mapping"}},
		{"list for a scalar", block + "    collection: [x]\n", []string{"accounts.acme.collection: must be a single value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse succeeded, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			if n := len(Problems(err)); n != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%v", n, len(tt.want), err)
			}
			for _, secret := range []string{"sk_live_123", "hunter2"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error reveals the secret: %v", err)
				}
			}
		})
	}
}

func TestYAML11Booleans(t *testing.T) {
	c := mustParse(t, strings.Replace(minimalYAML, "{api_key_env: OMETRIA_KEY_ACME}", "{api_key_env: K, sms_allow_marketing: yes, pii_check: off}", 1))
	if a := c.Accounts["acme"]; !a.SMSAllowMarketing || *a.PIICheck {
		t.Errorf("yes/off decoded as %v/%v", a.SMSAllowMarketing, *a.PIICheck)
	}
}

func TestSyntaxError(t *testing.T) {
	if _, err := Parse([]byte("kafka: [\n")); err == nil || !strings.Contains(err.Error(), "yaml") {
		t.Errorf("Parse(bad yaml) = %v", err)
	}
}
