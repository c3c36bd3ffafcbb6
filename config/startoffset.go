package config

import (
	"maps"
	"slices"
)

// StartOffset is where a stage's consumer group starts reading a partition on which it
// has no committed offset: a new kafka.group_id, a new topic or partition, or a group
// whose offsets the brokers have expired. A committed offset always wins.
type StartOffset string

// The start offsets.
const (
	// StartEarliest starts at the oldest message the partition retains: nothing is
	// skipped, and a new group reads the whole retained topic again (Ometria upserts by
	// id, so pushing it again is harmless, but it takes its share of the rate limit).
	StartEarliest StartOffset = "earliest"
	// StartLatest starts after the newest message: only what is produced from then on is
	// read. What was already on the topic is skipped, and on the records and retry topics
	// that includes records not yet pushed.
	StartLatest StartOffset = "latest"
)

// DefaultStartOffset is the default kafka.start_offset.
const DefaultStartOffset = StartEarliest

// StartOffsetFor returns where a stage's group starts reading topic when it has no
// committed offset there: kafka.start_offsets[topic], else kafka.start_offset
// (StartEarliest unless set). The processor calls it for each topic a stage reads.
func (c *Config) StartOffsetFor(topic string) StartOffset {
	if s, ok := c.Kafka.StartOffsets[topic]; ok {
		return s
	}
	if c.Kafka.StartOffset == "" {
		return DefaultStartOffset
	}
	return c.Kafka.StartOffset
}

// readTopics are the topics a stage reads, hence those a start offset can be set for:
// the map stage's event topics and replay topic, the push stage's records topic, the
// retry stage's retry topic.
func (c *Config) readTopics() []string {
	return append(slices.Clone(c.Topics.Events), c.Topics.Records, c.Topics.Retry, c.Topics.Replay)
}

func (c *Config) validateStartOffsets(p *problems) {
	check := func(path string, s StartOffset) {
		if s != StartEarliest && s != StartLatest {
			p.add(path, "%q is not %s or %s", string(s), StartEarliest, StartLatest)
		}
	}
	check("kafka.start_offset", c.Kafka.StartOffset)
	read := c.readTopics()
	for _, topic := range slices.Sorted(maps.Keys(c.Kafka.StartOffsets)) {
		path := "kafka.start_offsets." + topic
		if !slices.Contains(read, topic) {
			p.add(path, "topic %q is not one the stages read (topics.events, topics.records, topics.retry, topics.replay)", topic)
			continue
		}
		check(path, c.Kafka.StartOffsets[topic])
	}
}
