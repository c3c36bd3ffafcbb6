package config

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// EnvOverrides are the environment variables that override the file, for deployments
// that keep one config file and vary these (Kubernetes, docker-compose). The value is the
// config path it sets.
var EnvOverrides = map[string]string{
	"KAFKA_OMETRIA_BROKERS":             "kafka.brokers",           // comma-separated host:port
	"KAFKA_OMETRIA_GROUP_ID":            "kafka.group_id",          //
	"KAFKA_OMETRIA_CREATE_TOPICS":       "kafka.create_topics",     // true or false
	"KAFKA_OMETRIA_START_OFFSET":        "kafka.start_offset",      // earliest or latest
	"KAFKA_OMETRIA_STAGES":              "stages",                  // comma-separated: map,push,retry
	"KAFKA_OMETRIA_OMETRIA_BASE_URL":    "ometria.base_url",        //
	"KAFKA_OMETRIA_DEFAULT_ACCOUNT":     "routing.default_account", //
	"KAFKA_OMETRIA_SCHEMA_REGISTRY_URL": "schema_registry.url",     //
}

// Override sets one config path from outside the file, the way an environment variable
// of EnvOverrides does: a command-line flag, for instance
//
//	config.Override{Name: "--stages", Path: "stages", Value: "map,push"}
//
// Path is one of the paths of EnvOverrides, and Value is written as for its variable.
// Name says where the value comes from: the problems found with the value name it
// (FieldError.From) instead of the path, e.g. `--stages: "map" is listed twice`.
type Override struct {
	Name  string
	Path  string
	Value string
}

// envOverrides returns the overrides the environment sets, in the variables' order, so
// that the same environment gives the same problems in the same order every time.
func envOverrides(lookup LookupEnvFunc) []Override {
	var out []Override
	for _, name := range slices.Sorted(maps.Keys(EnvOverrides)) {
		if v, ok := lookup(name); ok {
			out = append(out, Override{Name: name, Path: EnvOverrides[name], Value: v})
		}
	}
	return out
}

// apply sets what o overrides, before the defaults and the validation; a value that
// cannot be stored is a problem naming o.Name. The problems validation finds later with
// the values set here name o.Name too (see problems.from).
func (o Override) apply(c *Config, present map[string]int, p *problems) {
	if !overridable(o.Path) {
		p.add(o.Name, "%q is not a setting that can be overridden", o.Path)
		return
	}
	present[o.Path] = -1
	p.from[o.Path] = o.Name
	v := strings.TrimSpace(o.Value)
	switch o.Path {
	case "kafka.brokers":
		c.Kafka.Brokers = list(v)
	case "kafka.group_id":
		c.Kafka.GroupID = v
	case "kafka.create_topics":
		b, err := strconv.ParseBool(v)
		if err != nil {
			p.add(o.Path, "%q is not true or false", o.Value)
			return
		}
		c.Kafka.CreateTopics = b
	case "kafka.start_offset":
		if v == "" { // not the default: the override would silently undo the file's value
			p.add(o.Path, "%q is not %s or %s", o.Value, StartEarliest, StartLatest)
			return
		}
		c.Kafka.StartOffset = StartOffset(v)
	case "stages":
		// Never nil: no stage at all is a problem, not a request for the default.
		c.Stages = []Stage{}
		for _, s := range list(v) {
			c.Stages = append(c.Stages, Stage(s))
		}
	case "ometria.base_url":
		c.Ometria.BaseURL = v
	case "routing.default_account":
		c.Routing.DefaultAccount = v
	case "schema_registry.url":
		c.SchemaRegistry.URL = v
	}
}

func overridable(path string) bool {
	for _, p := range EnvOverrides {
		if p == path {
			return true
		}
	}
	return false
}

// list splits a comma-separated value, trimming each element and dropping empty ones.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
