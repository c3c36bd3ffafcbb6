package main

import (
	"fmt"
	"strings"
	"time"
)

// topics are the topics of one scenario run, all fresh.
type topics struct {
	events, records, retry, dlq, replay, replays string
}

func topicNames(prefix string) topics {
	return topics{
		events: prefix + ".events", records: prefix + ".records", retry: prefix + ".retry",
		dlq: prefix + ".dlq", replay: prefix + ".replay", replays: prefix + ".replays",
	}
}

// offRate is the rate limit that stands for "off", on both sides.
const offRate = 1e6

// keyEnv is the environment variable holding an account's API key.
func keyEnv(account string) string { return "BENCH_KEY_" + strings.ToUpper(account) }

// apiKey is the API key of an account, the same for kafka-ometria and the emulator.
func apiKey(account string) string { return "bench-key-" + account }

type koConfigArgs struct {
	brokers        []string
	groupID        string
	topics         topics
	url            string // the emulator's /v2
	accounts       []string
	rate           float64 // per account; 0: off
	sessionTimeout time.Duration
	kafkaExtra     string // more kafka settings, "key: value; key: value"
}

// koConfig returns the kafka-ometria configuration of a scenario: the product's defaults
// except for the brokers, topics, group, Ometria URL and accounts.
func koConfig(a koConfigArgs) []byte {
	rate := a.rate
	if rate == 0 {
		rate = offRate
	}
	var b strings.Builder
	fmt.Fprintf(&b, "kafka:\n  brokers: [%s]\n  group_id: %s\n  create_topics: false\n", quoteAll(a.brokers), a.groupID)
	if a.sessionTimeout > 0 {
		fmt.Fprintf(&b, "  session_timeout: %s\n", a.sessionTimeout)
	}
	for _, kv := range splitOn(a.kafkaExtra, ";") {
		fmt.Fprintf(&b, "  %s\n", kv)
	}
	t := a.topics
	fmt.Fprintf(&b, "topics:\n  events: [%q]\n  records: %q\n  retry: %q\n  dead_letter: %q\n  replay: %q\n  replays: %q\n",
		t.events, t.records, t.retry, t.dlq, t.replay, t.replays)
	fmt.Fprintf(&b, "ometria:\n  base_url: %q\n", a.url)
	b.WriteString("routing:\n  header: ometria-account\n")
	b.WriteString("accounts:\n")
	for _, name := range a.accounts {
		fmt.Fprintf(&b, "  %s: {api_key_env: %s, rate_limit: %g}\n", name, keyEnv(name), rate)
	}
	return []byte(b.String())
}

// emulatorConfig returns the ometria-emulator configuration: the accounts with their keys
// and rate limit. With the limits off, the simulated asynchronous queue is lifted too, so
// that nothing but the pipeline sets the pace.
func emulatorConfig(accounts []string, rate float64) []byte {
	var b strings.Builder
	b.WriteString("addr: 127.0.0.1:0\nseed: 1\n")
	if rate == 0 {
		fmt.Fprintf(&b, "rate_limit: %g\nbacklog_limit: 1000000000\nbacklog_drain: 1e9\n", float64(offRate))
	} else {
		fmt.Fprintf(&b, "rate_limit: %g\n", rate)
	}
	b.WriteString("accounts:\n")
	for _, name := range accounts {
		fmt.Fprintf(&b, "  - {name: %s, key: %s}\n", name, apiKey(name))
	}
	return []byte(b.String())
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// accountNames returns n account names: acct01.. (or acct0001.. for more than 99).
func accountNames(n int) []string {
	width := len(fmt.Sprint(n))
	width = max(width, 2)
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("acct%0*d", width, i+1)
	}
	return out
}

// splitOn splits s at sep, trimming the parts and dropping empty ones.
func splitOn(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
