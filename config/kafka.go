package config

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kafka is how to reach the Kafka cluster.
type Kafka struct {
	// Brokers are the seed brokers, "host:port". At least one is required.
	Brokers []string `yaml:"brokers"`
	TLS     TLS      `yaml:"tls"`
	SASL    SASL     `yaml:"sasl"`
	// GroupID prefixes the consumer groups of the stages: GROUP-map, GROUP-push,
	// GROUP-retry. Default kafka-ometria.
	GroupID string `yaml:"group_id"`
	// CreateTopics creates missing topics at start (with TopicPartitions partitions);
	// otherwise a missing topic is an error at start. Default false.
	CreateTopics bool `yaml:"create_topics"`
	// TopicPartitions is the partition count of topics kafka-ometria creates. Default 12.
	TopicPartitions int `yaml:"topic_partitions"`
	// SessionTimeout is how long the group coordinator waits for a silent member (a killed
	// process) before it gives the member's partitions to others: those partitions stall
	// that long. Between 6s and 30m (the brokers' default bounds). Default 30s.
	SessionTimeout time.Duration `yaml:"session_timeout"`
	// CommitInterval is how often each stage commits the offsets of finished messages. A
	// crash (kill -9) reads again, and pushes again, what finished since the last commit,
	// plus what was unfinished. Default 1s.
	CommitInterval time.Duration `yaml:"commit_interval"`
	// StallTimeout: a partition whose oldest unfinished message is older than this is
	// stalled: a log line names it and /readyz fails until it moves. A parked retry counts
	// from when it is due. Default 5m.
	StallTimeout time.Duration `yaml:"stall_timeout"`
	// StartOffset is where a stage's consumer group starts reading a topic on which it
	// has no committed offset: earliest (the oldest message retained) or latest (only
	// what is produced from then on). Default earliest. See StartEarliest, StartLatest.
	StartOffset StartOffset `yaml:"start_offset"`
	// MaxUnfinished bounds the messages read and not finished (handed to a stage, not yet
	// pushed, dead-lettered or parked), over the whole process: the memory they hold is
	// bounded by it. A quarter is the map stage's, a quarter the retry stage's, the rest the push
	// stage's.
	// Default 20,000.
	MaxUnfinished int `yaml:"max_unfinished"`
	// PartitionUnfinished bounds the unfinished messages of one partition, so that one
	// partition cannot take the whole of max_unfinished from the others. Default 5,000.
	PartitionUnfinished int `yaml:"partition_unfinished"`
	// StartOffsets overrides StartOffset per topic: topic -> earliest or latest. Each
	// topic is one the stages read: one of topics.events, topics.records, topics.retry or
	// topics.replay.
	StartOffsets map[string]StartOffset `yaml:"start_offsets,omitempty"`
}

// DefaultCommitInterval is the default kafka.commit_interval.
const DefaultCommitInterval = time.Second

// DefaultStallTimeout is the default kafka.stall_timeout.
const DefaultStallTimeout = 5 * time.Minute

// DefaultSessionTimeout is the default kafka.session_timeout.
const DefaultSessionTimeout = 30 * time.Second

// DefaultMaxUnfinished is the default kafka.max_unfinished.
const DefaultMaxUnfinished = 20000

// DefaultPartitionUnfinished is the default kafka.partition_unfinished.
const DefaultPartitionUnfinished = 5000

// DefaultGroupID is the default consumer group prefix.
const DefaultGroupID = "kafka-ometria"

func (k *Kafka) applyDefaults() {
	if k.GroupID == "" {
		k.GroupID = DefaultGroupID
	}
	if k.TopicPartitions == 0 {
		k.TopicPartitions = 12
	}
	if k.SessionTimeout == 0 {
		k.SessionTimeout = DefaultSessionTimeout
	}
	if k.StallTimeout == 0 {
		k.StallTimeout = DefaultStallTimeout
	}
	if k.CommitInterval == 0 {
		k.CommitInterval = DefaultCommitInterval
	}
	if k.MaxUnfinished == 0 {
		k.MaxUnfinished = DefaultMaxUnfinished
	}
	if k.PartitionUnfinished == 0 {
		k.PartitionUnfinished = DefaultPartitionUnfinished
	}
	if k.StartOffset == "" {
		k.StartOffset = DefaultStartOffset
	}
}

// TLS configures TLS to the brokers. The files are PEM; without ca_file the system roots
// are used; cert_file and key_file (both or neither) give a client certificate.
type TLS struct {
	Enabled  bool   `yaml:"enabled"`
	CAFile   string `yaml:"ca_file"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// SASL mechanisms.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// SASL configures SASL authentication to the brokers. An empty Mechanism means none.
// The password comes from the environment variable PasswordEnv or the file PasswordFile
// (exactly one), never from the config file: see (*Config).SASLPassword.
type SASL struct {
	Mechanism    string `yaml:"mechanism"`
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
}

var saslMechanisms = []string{SASLPlain, SASLScramSHA256, SASLScramSHA512}

func (k *Kafka) validate(p *problems) {
	if k.TopicPartitions < 1 {
		p.add("kafka.topic_partitions", "must be positive, got %d", k.TopicPartitions)
	}
	if k.CommitInterval < 0 {
		p.add("kafka.commit_interval", "must not be negative, got %v", k.CommitInterval)
	}
	if k.MaxUnfinished < 1 {
		p.add("kafka.max_unfinished", "must be positive, got %d", k.MaxUnfinished)
	}
	if k.PartitionUnfinished < 1 {
		p.add("kafka.partition_unfinished", "must be positive, got %d", k.PartitionUnfinished)
	} else if k.PartitionUnfinished > k.MaxUnfinished && k.MaxUnfinished > 0 {
		p.add("kafka.partition_unfinished", "%d is more than kafka.max_unfinished (%d), which bounds the whole process", k.PartitionUnfinished, k.MaxUnfinished)
	}
	if k.StallTimeout < 0 {
		p.add("kafka.stall_timeout", "must not be negative, got %v", k.StallTimeout)
	}
	if k.SessionTimeout < 6*time.Second || k.SessionTimeout > 30*time.Minute {
		p.add("kafka.session_timeout", "%v is outside 6s to 30m (the brokers' group.min/max.session.timeout.ms defaults)", k.SessionTimeout)
	}
	if len(k.Brokers) == 0 {
		p.add("kafka.brokers", "at least one broker is required")
	}
	for i, b := range k.Brokers {
		if msg := checkBroker(b); msg != "" {
			p.add("kafka.brokers["+itoa(i)+"]", "%q %s", b, msg)
		}
	}

	t := k.TLS
	if (t.CertFile == "") != (t.KeyFile == "") {
		p.add("kafka.tls", "set both cert_file and key_file, or neither")
	}
	if !t.Enabled && (t.CAFile != "" || t.CertFile != "" || t.KeyFile != "") {
		p.add("kafka.tls.enabled", "is false but ca_file, cert_file or key_file is set; set enabled: true to use TLS")
	}

	s := k.SASL
	switch {
	case s.Mechanism == "":
		if s.Username != "" || s.PasswordEnv != "" || s.PasswordFile != "" {
			p.add("kafka.sasl.mechanism", "is required when a username or password is set (%s)", strings.Join(saslMechanisms, ", "))
		}
	case !slices.Contains(saslMechanisms, s.Mechanism):
		p.add("kafka.sasl.mechanism", "%q is not one of %s", s.Mechanism, strings.Join(saslMechanisms, ", "))
	default:
		if s.Username == "" {
			p.add("kafka.sasl.username", "is required with mechanism %s", s.Mechanism)
		}
		if (s.PasswordEnv == "") == (s.PasswordFile == "") {
			p.add("kafka.sasl", "set password_env or password_file (not both)")
		}
	}
	if s.PasswordEnv != "" && !isEnvName(s.PasswordEnv) {
		p.add("kafka.sasl.password_env", "%q is not an environment variable name", s.PasswordEnv)
	}
}

// checkBroker returns what is wrong with a "host:port" broker address, or "".
func checkBroker(b string) string {
	host, port, err := net.SplitHostPort(b)
	if err != nil || host == "" {
		return "is not host:port"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "has an invalid port"
	}
	return ""
}

// isEnvName reports whether s is a portable environment variable name.
func isEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
