package config

// Default topic names.
const (
	DefaultRecordsTopic    = "ometria.records"
	DefaultRetryTopic      = "ometria.retry"
	DefaultDeadLetterTopic = "ometria.dlq"
	DefaultReplayTopic     = "ometria.replay"
	DefaultReplaysTopic    = "ometria.dlq.replays"
)

// Topics are the Kafka topics the stages read and write.
type Topics struct {
	// Events are the topics of RudderStack/Segment events the map stage reads.
	// Required when the map stage runs.
	Events []string `yaml:"events"`
	// Formats gives the format of event topics: json (the default), json-schema or avro
	// (see SchemaRegistry). A message of the Replay topic takes the format of the topic
	// it was first read from (its ometria-source-topic header).
	Formats map[string]string `yaml:"formats,omitempty"`
	// Records carries mapped records from the map stage to the push stage, keyed by account.
	Records string `yaml:"records"`
	// Retry parks the records of failing accounts for the retry stage.
	Retry string `yaml:"retry"`
	// DeadLetter receives what cannot be mapped or pushed, with headers saying why.
	DeadLetter string `yaml:"dead_letter"`
	// Replay receives dead letters of the map stage that `kafka-ometria dlq replay` sends
	// back; the map stage reads it besides Events, so other consumers of a shared event
	// topic never see replays.
	Replay string `yaml:"replay"`
	// Replays is a compacted topic of `dlq replay`'s own: each replay's bookmark (where it
	// got to, for resuming) and record (filter, counts, times, who ran it).
	Replays string `yaml:"replays"`
}

func (t *Topics) applyDefaults() {
	if t.Records == "" {
		t.Records = DefaultRecordsTopic
	}
	if t.Retry == "" {
		t.Retry = DefaultRetryTopic
	}
	if t.DeadLetter == "" {
		t.DeadLetter = DefaultDeadLetterTopic
	}
	if t.Replay == "" {
		t.Replay = DefaultReplayTopic
	}
	if t.Replays == "" {
		t.Replays = DefaultReplaysTopic
	}
}

func (t *Topics) validate(p *problems, mapStage bool) {
	if mapStage && len(t.Events) == 0 {
		p.add("topics.events", "at least one event topic is required when the map stage runs")
	}
	used := map[string]string{} // topic -> the path that uses it first
	check := func(path, topic string) {
		if msg := checkTopic(topic); msg != "" {
			p.add(path, "%q %s", topic, msg)
			return
		}
		if first, dup := used[topic]; dup {
			p.add(path, "%q is already used by %s", topic, first)
			return
		}
		used[topic] = path
	}
	for i, e := range t.Events {
		check("topics.events["+itoa(i)+"]", e)
	}
	check("topics.records", t.Records)
	check("topics.retry", t.Retry)
	check("topics.dead_letter", t.DeadLetter)
	check("topics.replay", t.Replay)
	check("topics.replays", t.Replays)
	t.validateFormats(p)
}

// checkTopic returns what is wrong with a Kafka topic name, or "".
func checkTopic(s string) string {
	switch {
	case s == "":
		return "is empty"
	case s == "." || s == "..":
		return "is not a valid topic name"
	case len(s) > 249:
		return "is longer than 249 characters"
	}
	for _, c := range []byte(s) {
		if !(c == '.' || c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "may contain only letters, digits, '.', '_' and '-'"
		}
	}
	return ""
}
