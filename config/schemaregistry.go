package config

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Event topic formats (topics.formats).
const (
	FormatJSON       = "json"        // plain JSON (the default)
	FormatJSONSchema = "json-schema" // JSON in the Confluent wire format: 0, a 4-byte schema id, the JSON
	FormatAvro       = "avro"        // Avro in the Confluent wire format, by the schema registry's schema
)

// Formats lists the formats of topics.formats.
func Formats() []string { return []string{FormatJSON, FormatJSONSchema, FormatAvro} }

// Schema registry defaults.
const (
	DefaultSchemaRegistryTimeout   = 5 * time.Second
	DefaultSchemaRegistryCacheSize = 1000
)

// SchemaRegistry is how to reach a Confluent-compatible schema registry, for the event
// topics whose format (topics.formats) is avro, and to check the ids of json-schema
// topics. Unused when no topic is in the wire format.
type SchemaRegistry struct {
	// URL is the registry's root, e.g. https://schema-registry:8081. Required when a
	// topic is avro. It must be https when a username is set, except for loopback hosts.
	URL string `yaml:"url"`
	// Username enables HTTP basic authentication; the password comes from the environment
	// variable PasswordEnv or the file PasswordFile (exactly one), never from this file:
	// see (*Config).SchemaRegistryPassword.
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	// CAFile, optional, is a PEM file of the certificate authorities to trust for an
	// https URL, instead of the system's roots (a registry with a private CA).
	CAFile string `yaml:"ca_file"`
	// Timeout bounds one request. Default 5s.
	Timeout time.Duration `yaml:"timeout"`
	// CacheSize bounds the schemas kept in memory, by id. Default 1000.
	CacheSize int `yaml:"cache_size"`
}

func (s *SchemaRegistry) applyDefaults(present map[string]int) {
	s.URL = strings.TrimRight(s.URL, "/")
	if s.Timeout == 0 && present["schema_registry.timeout"] == 0 {
		s.Timeout = DefaultSchemaRegistryTimeout
	}
	if s.CacheSize == 0 && present["schema_registry.cache_size"] == 0 {
		s.CacheSize = DefaultSchemaRegistryCacheSize
	}
}

// FormatOf returns the format of event topic t: its topics.formats entry, else json.
func (t *Topics) FormatOf(topic string) string {
	if f := t.Formats[topic]; f != "" {
		return f
	}
	return FormatJSON
}

// UsesSchemaRegistry reports whether a topic is avro, or json-schema with a registry
// configured: whether the map stage asks the registry.
func (c *Config) UsesSchemaRegistry() bool {
	for _, f := range c.Topics.Formats {
		if f == FormatAvro || f == FormatJSONSchema && c.SchemaRegistry.URL != "" {
			return true
		}
	}
	return false
}

func (t *Topics) validateFormats(p *problems) {
	for _, topic := range slices.Sorted(maps.Keys(t.Formats)) {
		path := "topics.formats." + topic
		if !slices.Contains(Formats(), t.Formats[topic]) {
			p.add(path, "%q is not a format (%s)", t.Formats[topic], strings.Join(Formats(), ", "))
		}
		if !slices.Contains(t.Events, topic) {
			p.add(path, "%q is not an event topic (topics.events); a replayed message takes the format of the topic it was read from", topic)
		}
	}
}

func (c *Config) validateSchemaRegistry(p *problems) {
	s := &c.SchemaRegistry
	var avro []string
	for _, topic := range slices.Sorted(maps.Keys(c.Topics.Formats)) {
		if c.Topics.Formats[topic] == FormatAvro {
			avro = append(avro, topic)
		}
	}
	if s.URL == "" {
		if len(avro) > 0 {
			p.add("schema_registry.url", "is required: topics.formats names avro topics (%s)", strings.Join(avro, ", "))
		}
		if s.Username != "" || s.PasswordEnv != "" || s.PasswordFile != "" {
			p.add("schema_registry.url", "is required when a username or password is set")
		}
	} else {
		// The URL is not quoted in messages: it could hold credentials.
		u, err := url.Parse(s.URL)
		switch {
		case err != nil || u.Host == "" || u.Opaque != "" || u.Scheme != "http" && u.Scheme != "https":
			p.add("schema_registry.url", "is not an absolute http or https URL such as https://schema-registry:8081")
		case u.User != nil:
			p.add("schema_registry.url", "must not contain credentials; set schema_registry.username and password_env or password_file")
		case u.RawQuery != "" || u.Fragment != "":
			p.add("schema_registry.url", "must not have a query or fragment")
		case s.Username != "" && u.Scheme != "https" && !isLoopback(u.Hostname()):
			p.add("schema_registry.url", "must be https when a username is set (http is allowed only for loopback hosts): the password would cross the network in clear")
		case s.CAFile != "" && u.Scheme != "https":
			p.add("schema_registry.ca_file", "is set but schema_registry.url is not https")
		}
	}
	switch {
	case s.Username == "" && (s.PasswordEnv != "" || s.PasswordFile != ""):
		p.add("schema_registry.username", "is required when password_env or password_file is set")
	case s.Username != "" && s.PasswordEnv == "" && s.PasswordFile == "":
		p.add("schema_registry.password_env", "or password_file is required with a username")
	case s.PasswordEnv != "" && s.PasswordFile != "":
		p.add("schema_registry.password_env", "set password_env or password_file, not both")
	}
	if s.Timeout <= 0 {
		p.add("schema_registry.timeout", "must be positive, got %s", s.Timeout)
	}
	if s.CacheSize < 1 {
		p.add("schema_registry.cache_size", "must be positive, got %d", s.CacheSize)
	}
}

// SchemaRegistryPassword reads the schema registry's password from
// schema_registry.password_env or password_file.
func (c *Config) SchemaRegistryPassword(lookupEnv LookupEnvFunc, readFile ReadFileFunc) (Secret, error) {
	s := c.SchemaRegistry
	return readSecret("schema_registry", "password", s.PasswordEnv, s.PasswordFile, lookupEnv, readFile)
}
