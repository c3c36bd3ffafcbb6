package config

import (
	"strings"
	"testing"
)

func TestSchemaRegistryValidation(t *testing.T) {
	avro := set(map[string]any{"rudder.events": "avro"}, "topics", "formats")
	tests := []struct {
		name  string
		edits []edit
		want  []string // each must appear in the error, one per problem
	}{
		{"avro without a registry", []edit{avro}, []string{"schema_registry.url: is required: topics.formats names avro topics (rudder.events)"}},
		{"unknown format", []edit{set(map[string]any{"rudder.events": "protobuf"}, "topics", "formats")},
			[]string{`topics.formats.rudder.events: "protobuf" is not a format (json, json-schema, avro)`}},
		{"not an event topic", []edit{set(map[string]any{"ometria.replay": "json"}, "topics", "formats")},
			[]string{`topics.formats.ometria.replay: "ometria.replay" is not an event topic`}},
		{"bad url", []edit{avro, set(map[string]any{"url": "sr:8081"}, "schema_registry")}, []string{"schema_registry.url: is not an absolute http or https URL"}},
		{"credentials in the url", []edit{avro, set(map[string]any{"url": "https://u:p@sr:8081"}, "schema_registry")},
			[]string{"schema_registry.url: must not contain credentials"}},
		{"password over http", []edit{avro, set(map[string]any{"url": "http://sr:8081", "username": "u", "password_env": "SR_PW"}, "schema_registry")},
			[]string{"schema_registry.url: must be https when a username is set"}},
		{"username without password", []edit{avro, set(map[string]any{"url": "https://sr:8081", "username": "u"}, "schema_registry")},
			[]string{"schema_registry.password_env: or password_file is required with a username"}},
		{"password without username", []edit{avro, set(map[string]any{"url": "https://sr:8081", "password_file": "/pw"}, "schema_registry")},
			[]string{"schema_registry.username: is required"}},
		{"password in the file", []edit{avro, set(map[string]any{"url": "https://sr:8081", "username": "u", "password": "hunter2"}, "schema_registry")},
			[]string{"schema_registry.password: the password must not be written in the config file"}},
		{"bad timeout and cache", []edit{avro, set(map[string]any{"url": "https://sr:8081", "timeout": "-1s", "cache_size": -1}, "schema_registry")},
			[]string{"schema_registry.timeout: must be positive", "schema_registry.cache_size: must be positive"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(doc(t, tt.edits...))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

func TestSchemaRegistryOK(t *testing.T) {
	c, err := Parse(doc(t, set([]string{"rudder.events", "rudder.avro", "rudder.framed"}, "topics", "events"),
		set(map[string]any{"rudder.avro": "avro", "rudder.framed": "json-schema"}, "topics", "formats"),
		set(map[string]any{"url": "http://127.0.0.1:8081", "username": "u", "password_env": "SR_PW"}, "schema_registry")))
	if err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]string{"rudder.events": FormatJSON, "rudder.avro": FormatAvro, "rudder.framed": FormatJSONSchema} {
		if got := c.Topics.FormatOf(topic); got != want {
			t.Errorf("FormatOf(%s) = %s, want %s", topic, got, want)
		}
	}
	if !c.UsesSchemaRegistry() {
		t.Error("UsesSchemaRegistry is false")
	}
	pw, err := c.SchemaRegistryPassword(func(string) (string, bool) { return "s3cret", true }, nil)
	if err != nil || pw.Reveal() != "s3cret" {
		t.Errorf("SchemaRegistryPassword = %v, %v", pw, err)
	}
}
