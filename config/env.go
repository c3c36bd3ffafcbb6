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
	"KAFKA_OMETRIA_BROKERS":          "kafka.brokers",           // comma-separated host:port
	"KAFKA_OMETRIA_GROUP_ID":         "kafka.group_id",          //
	"KAFKA_OMETRIA_CREATE_TOPICS":    "kafka.create_topics",     // true or false
	"KAFKA_OMETRIA_STAGES":           "stages",                  // comma-separated: map,push,retry
	"KAFKA_OMETRIA_OMETRIA_BASE_URL": "ometria.base_url",        //
	"KAFKA_OMETRIA_DEFAULT_ACCOUNT":  "routing.default_account", //
}

// applyEnv sets what the environment overrides; a bad value is a problem naming the variable.
func (c *Config) applyEnv(lookup LookupEnvFunc, present map[string]int, p *problems) {
	list := func(v string) []string {
		var out []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	for _, name := range slices.Sorted(maps.Keys(EnvOverrides)) { // errors come out in a stable order
		path := EnvOverrides[name]
		v, ok := lookup(name)
		if !ok {
			continue
		}
		present[path] = -1
		switch path {
		case "kafka.brokers":
			c.Kafka.Brokers = list(v)
		case "kafka.group_id":
			c.Kafka.GroupID = strings.TrimSpace(v)
		case "kafka.create_topics":
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				p.add(name, "%q is not true or false", v)
				continue
			}
			c.Kafka.CreateTopics = b
		case "stages":
			c.Stages = nil
			for _, s := range list(v) {
				c.Stages = append(c.Stages, Stage(s))
			}
		case "ometria.base_url":
			c.Ometria.BaseURL = strings.TrimSpace(v)
		case "routing.default_account":
			c.Routing.DefaultAccount = strings.TrimSpace(v)
		}
	}
}
