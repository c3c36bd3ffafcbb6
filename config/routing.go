package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// DefaultAccountHeader is the default name of the Kafka header that names an event's account.
const DefaultAccountHeader = "ometria-account"

// Routing says which Ometria account an event belongs to; see (*Config).ResolveAccount.
type Routing struct {
	// Header is the Kafka header whose value names the account; it wins over the rest.
	Header string `yaml:"header"`
	// Topics maps an event topic to the account of all its events.
	Topics map[string]string `yaml:"topics,omitempty"`
	// DefaultAccount is the account of events that neither header nor topic assigns.
	// Optional: without it such events are dead-lettered as unknown_account.
	DefaultAccount string `yaml:"default_account"`
}

func (r *Routing) applyDefaults() {
	if r.Header == "" {
		r.Header = DefaultAccountHeader
	}
}

func (r *Routing) validate(p *problems, c *Config) {
	if !isToken(r.Header) {
		p.add("routing.header", "%q is not a valid header name", r.Header)
	}
	for _, topic := range slices.Sorted(maps.Keys(r.Topics)) {
		path := "routing.topics." + topic
		if msg := checkTopic(topic); msg != "" {
			p.add(path, "topic %q %s", topic, msg)
		} else if len(c.Topics.Events) > 0 && !slices.Contains(c.Topics.Events, topic) {
			p.add(path, "topic %q is not in topics.events", topic)
		}
		if acct := r.Topics[topic]; c.Accounts[acct] == nil {
			p.add(path, "%q is not an account", acct)
		}
	}
	if r.DefaultAccount != "" && c.Accounts[r.DefaultAccount] == nil {
		p.add("routing.default_account", "%q is not an account", r.DefaultAccount)
	}
}

// ResolveAccount returns the name of the account an event belongs to, given a lookup of the
// message's Kafka headers by name (nil when there are none) and the topic it was read from:
//
//  1. the value of the routing.header header, when present and not blank;
//  2. else routing.topics[topic];
//  3. else routing.default_account.
//
// ok reports whether the name is a configured account. When it is false the event must be
// dead-lettered as unknown_account; name is then the header's value (an account name
// that is not configured: it is never routed elsewhere), or "" when no rule applied.
func (c *Config) ResolveAccount(header func(name string) (value string, ok bool), topic string) (name string, ok bool) {
	if header != nil {
		if v, found := header(c.Routing.Header); found {
			if v = strings.TrimSpace(v); v != "" {
				return v, c.Accounts[v] != nil
			}
		}
	}
	if a, found := c.Routing.Topics[topic]; found {
		return a, c.Accounts[a] != nil
	}
	if a := c.Routing.DefaultAccount; a != "" {
		return a, c.Accounts[a] != nil
	}
	return "", false
}

// Unresolved says why ResolveAccount found no configured account for an event of topic,
// given the name it returned: for the dead letter's message.
func (c *Config) Unresolved(name, topic string) string {
	if name != "" {
		return fmt.Sprintf("the %s header names %q, which is not a configured account", c.Routing.Header, name)
	}
	return fmt.Sprintf("no %s header, no routing.topics entry for topic %q and no routing.default_account", c.Routing.Header, topic)
}

// isToken reports whether s is a non-empty run of printable ASCII without spaces, a safe
// Kafka header name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}
