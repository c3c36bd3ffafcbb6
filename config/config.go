// Package config loads and validates kafka-ometria's YAML configuration.
//
// One file describes the Kafka connection, the topics, the stages this process runs, the
// Ometria API, how events are routed to Ometria accounts, and each account's settings.
// Parse (or Load) decodes it strictly (an unknown key is an error), applies the defaults,
// and validates it, reporting every problem at once (joined with errors.Join), each as a
// *FieldError naming the full path of the field at fault, e.g.
//
//	accounts.acme.phone_region: "XX" is not a region
//
// Secrets are never in the file: an account names the environment variable or file that
// holds its API key (api_key_env, api_key_file), and APIKey reads it when asked, returning
// a Secret that prints as "[redacted]". The package itself never reads the environment or
// the file system except for Load's one read of the config file: callers pass the lookups
// (os.LookupEnv, os.ReadFile).
//
// See example.yaml for every key with its default.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is a whole kafka-ometria configuration. Parse returns it with defaults applied.
type Config struct {
	Kafka    Kafka               `yaml:"kafka"`
	Topics   Topics              `yaml:"topics"`
	Stages   []Stage             `yaml:"stages"`
	Ometria  Ometria             `yaml:"ometria"`
	Routing  Routing             `yaml:"routing"`
	Accounts map[string]*Account `yaml:"accounts"`
	Retry    Retry               `yaml:"retry"`
	DLQ      DLQ                 `yaml:"dlq"`

	SchemaRegistry SchemaRegistry `yaml:"schema_registry"`
}

// Load reads the file at path and parses it with Parse.
func Load(path string) (*Config, error) {
	return LoadEnv(path, nil)
}

// LoadEnv reads the file at path and parses it with ParseEnv.
func LoadEnv(path string, lookupEnv LookupEnvFunc, overrides ...Override) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseEnv(data, lookupEnv, overrides...)
}

// Parse decodes a YAML configuration strictly, applies the defaults and validates the
// result. On failure it returns every problem found, joined with errors.Join; validation
// problems are *FieldError values.
func Parse(data []byte) (*Config, error) {
	return ParseEnv(data, nil)
}

// ParseEnv is Parse with the environment overrides of EnvOverrides applied on top of the
// file (lookupEnv nil: none), then the overrides given, in order (a flag wins over the
// environment): all of them before the defaults and the one validation of the whole
// config, so an overridden value is checked as the file's would be. A problem with an
// overridden value names the override (FieldError.From).
func ParseEnv(data []byte, lookupEnv LookupEnvFunc, overrides ...Override) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	p := newProblems()
	present := checkKeys(&root, &p)

	cfg := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(cfg)
	var te *yaml.TypeError
	switch {
	case err == nil, errors.Is(err, io.EOF): // an empty document is an empty config
	case errors.As(err, &te):
		for _, msg := range te.Errors {
			// checkKeys has already reported unknown keys and type errors, with their paths.
			if p.unknownKeys > 0 && strings.Contains(msg, " not found in type ") ||
				p.typeErrors > 0 && strings.Contains(msg, "cannot unmarshal ") {
				continue
			}
			p.errs = append(p.errs, errors.New(msg))
		}
	default:
		return nil, err
	}

	if lookupEnv != nil {
		overrides = append(envOverrides(lookupEnv), overrides...)
	}
	for _, o := range overrides {
		o.apply(cfg, present, &p)
	}
	cfg.applyDefaults(present)
	cfg.validate(&p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// applyDefaults fills in every setting left out. present holds the paths of the keys the
// document sets, so that an explicit zero can be told from an absent key.
func (c *Config) applyDefaults(present map[string]int) {
	c.Kafka.applyDefaults()
	c.Retry.applyDefaults()
	c.DLQ.applyDefaults()
	c.Topics.applyDefaults()
	if c.Stages == nil { // absent or null; an explicit [] is an error
		c.Stages = AllStages()
	}
	c.Ometria.applyDefaults(present)
	c.Routing.applyDefaults()
	c.SchemaRegistry.applyDefaults(present)
	for name, a := range c.Accounts {
		if a == nil { // "acme:" with nothing under it
			a = &Account{}
			c.Accounts[name] = a
		}
		a.applyDefaults(present, "accounts."+name)
	}
}

// validate checks every section, adding each problem to p.
func (c *Config) validate(p *problems) {
	c.Kafka.validate(p)
	c.validateStartOffsets(p)
	c.Retry.validate(p)
	c.DLQ.validate(p)
	c.Topics.validate(p, c.HasStage(StageMap))
	validateStages(p, c.Stages)
	c.Ometria.validate(p)
	c.validateAccounts(p)
	c.Routing.validate(p, c)
	c.validateSchemaRegistry(p)
}

// Summary is a one-line description of a valid config, e.g. "2 accounts, stages [map push retry]".
func (c *Config) Summary() string {
	n := len(c.Accounts)
	s := "s"
	if n == 1 {
		s = ""
	}
	return fmt.Sprintf("%d account%s, stages %v", n, s, c.Stages)
}
