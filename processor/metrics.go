package processor

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/group"
	"github.com/kafka-ometria/kafka-ometria/mapper"
	"github.com/kafka-ometria/kafka-ometria/sink"
)

// Metric names, all under the kafka_ometria_ prefix. The Grafana dashboard and
// docs/operations.md list these; tests in deploy/ and docs/ keep them in step.
const (
	MetricConsumed     = "kafka_ometria_consumed_total"         // messages read, by stage and topic
	MetricMapped       = "kafka_ometria_mapped_total"           // records made, by account and type
	MetricSkipped      = "kafka_ometria_skipped_total"          // events skipped, by reason
	MetricDeadLettered = "kafka_ometria_dead_lettered_total"    // dead letters, by stage and reason
	MetricPushed       = "kafka_ometria_pushed_total"           // records by account, type and outcome
	MetricParked       = "kafka_ometria_parked_total"           // records sent to the retry topic, by account and reason
	MetricRequests     = "kafka_ometria_ometria_requests_total" // push requests, by account and status
	MetricRequestTime  = "kafka_ometria_ometria_request_seconds"
	MetricBatchSize    = "kafka_ometria_batch_records"
	MetricRetries      = "kafka_ometria_push_retries_total"     // by account and reason
	MetricLimiterWait  = "kafka_ometria_limiter_wait_seconds"   // time spent waiting for an account's token
	MetricUnavailable  = "kafka_ometria_account_unavailable"    // 1 while an account's key is refused
	MetricInFlight     = "kafka_ometria_in_flight"              // messages handed out and not done, by stage
	MetricCommitted    = "kafka_ometria_committed_offset"       // by group, topic and partition
	MetricConsumerLag  = "kafka_ometria_consumer_lag"           // not yet done, by group, topic and partition
	MetricCommitLag    = "kafka_ometria_commit_lag"             // done but not yet committed, by group, topic and partition
	MetricWarnings     = "kafka_ometria_mapping_warnings_total" // values left out of records, by code
	// MetricOldestUnfinished is the age of the oldest message handed out and not finished,
	// by group, topic and partition (0 when none): the stall signal.
	MetricOldestUnfinished = "kafka_ometria_oldest_unfinished_seconds"
	// MetricRegistryRetries counts the map stage's failed tries to get a schema from the
	// schema registry, by reason (unavailable, unauthorized); MetricRegistryWaiting is the
	// messages waiting to try again (each holding up its partition).
	MetricRegistryRetries = "kafka_ometria_schema_registry_retries_total"
	MetricRegistryWaiting = "kafka_ometria_schema_registry_waiting"
	// MetricProduceRefused counts the messages Kafka refused for good (too large for the
	// topic, invalid), by topic: each stays unfinished, holding up its partition, and is
	// tried again later.
	MetricProduceRefused = "kafka_ometria_produce_refused_total"
)

// Metrics are the pipeline's Prometheus metrics.
type Metrics struct {
	consumed, mapped, skipped, deadLettered, pushed, parked, requests, retries, warnings *prometheus.CounterVec
	requestTime, limiterWait                                                             *prometheus.HistogramVec
	batchSize                                                                            *prometheus.HistogramVec
	unavailable, inFlight, committed, lag, commitLag, oldest                             *prometheus.GaugeVec
	registryRetries, produceRefused                                                      *prometheus.CounterVec
	registryWaiting                                                                      prometheus.Gauge

	// The children of the counters incremented for every message or record, by their
	// label values.
	consumedC, mappedC, skippedC, deadLetteredC, warningsC counterCache
}

// counterCache keeps the children of a CounterVec by their label values, so that the
// hot path looks a child up in a sync.Map instead of having the vector check and hash
// its label values for every increment. A child is the vector's own (WithLabelValues),
// so what it counts is exported as before.
type counterCache struct {
	vec *prometheus.CounterVec
	m   sync.Map // labelValues → prometheus.Counter
}

// labelValues are up to three label values, the unused ones empty.
type labelValues [3]string

// with returns the child of the first n of k.
func (c *counterCache) with(k labelValues, n int) prometheus.Counter {
	if v, ok := c.m.Load(k); ok {
		return v.(prometheus.Counter)
	}
	return c.add(k, n)
}

func (c *counterCache) add(k labelValues, n int) prometheus.Counter {
	v, _ := c.m.LoadOrStore(k, c.vec.WithLabelValues(k[:n]...))
	return v.(prometheus.Counter)
}

func (c *counterCache) with1(a string) prometheus.Counter    { return c.with(labelValues{a}, 1) }
func (c *counterCache) with2(a, b string) prometheus.Counter { return c.with(labelValues{a, b}, 2) }

// NewMetrics creates the metrics and registers them with reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	c := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	g := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	}
	m := &Metrics{
		consumed:     c(MetricConsumed, "Kafka messages read.", "stage", "topic"),
		mapped:       c(MetricMapped, "Ometria records made from events.", "account", "type"),
		skipped:      c(MetricSkipped, "Events skipped (not sent to Ometria, not dead-lettered).", "reason"),
		deadLettered: c(MetricDeadLettered, "Messages sent to the dead-letter topic.", "stage", "reason"),
		pushed:       c(MetricPushed, "Records pushed to Ometria, by outcome.", "account", "type", "outcome"),
		parked:       c(MetricParked, "Records moved to the retry topic.", "account", "reason"),
		requests:     c(MetricRequests, "HTTP requests to Ometria, by status (0: no response).", "account", "status"),
		retries:      c(MetricRetries, "Push retries, by reason.", "account", "reason"),
		warnings:     c(MetricWarnings, "Values left out of records (an invalid phone, a dropped product line).", "code"),
		requestTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: MetricRequestTime,
			Help: "Duration of HTTP requests to Ometria.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 12)}, nil),
		limiterWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: MetricLimiterWait,
			Help: "Time pushes waited for their account's token bucket.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}, nil),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: MetricBatchSize,
			Help: "Records per push.", Buckets: []float64{1, 5, 10, 25, 50, 75, 90, 99, 100}}, []string{"type"}),
		unavailable:     g(MetricUnavailable, "1 while Ometria refuses the account's API key.", "account"),
		inFlight:        g(MetricInFlight, "Messages handed to a stage and not finished.", "stage"),
		committed:       g(MetricCommitted, "The last committed offset.", "group", "topic", "partition"),
		commitLag:       g(MetricCommitLag, "Messages finished but not yet committed (read again after a crash).", "group", "topic", "partition"),
		lag:             g(MetricConsumerLag, "The partition's high-water mark minus the offset it can commit: what is not done yet.", "group", "topic", "partition"),
		registryRetries: c(MetricRegistryRetries, "Failed tries to get a schema from the schema registry (the message waits and tries again), by reason.", "reason"),
		registryWaiting: prometheus.NewGauge(prometheus.GaugeOpts{Name: MetricRegistryWaiting,
			Help: "Messages of the map stage waiting for the schema registry to answer (each holds up its partition)."}),
		produceRefused: c(MetricProduceRefused, "Messages Kafka refused for good (too large for the topic, invalid): each stays unfinished, holding up its partition, and is tried again later.", "topic"),
		oldest: g(MetricOldestUnfinished, "Age of the partition's oldest message handed out and not finished (0: none); a retry counts from when it is due.",
			"group", "topic", "partition"),
	}
	m.consumedC.vec, m.mappedC.vec, m.skippedC.vec, m.deadLetteredC.vec, m.warningsC.vec = m.consumed, m.mapped, m.skipped, m.deadLettered, m.warnings
	if reg != nil {
		reg.MustRegister(m.consumed, m.mapped, m.skipped, m.deadLettered, m.pushed, m.parked, m.requests,
			m.retries, m.warnings, m.requestTime, m.limiterWait, m.batchSize, m.unavailable, m.inFlight, m.committed, m.lag, m.commitLag, m.oldest,
			m.registryRetries, m.registryWaiting, m.produceRefused)
	}
	return m
}

// zero creates, at 0, the series of stage whose labels are known before its first
// message, as Prometheus advises ("avoid missing metrics"). A labelled counter otherwise
// appears at its first increment, already at 1, and rate() and increase() miss that
// increment: an alert on the first dead letter or rejection would not fire. Request
// statuses and retry reasons come from Ometria's answers and are not known ahead.
func (m *Metrics) zero(st config.Stage, topics, accounts []string) {
	stage := string(st)
	m.inFlight.WithLabelValues(stage)
	for _, t := range topics {
		m.consumed.WithLabelValues(stage, t)
	}
	types := mapper.Types()
	if st == config.StageMap {
		for _, r := range mapper.Reasons() {
			m.deadLettered.WithLabelValues(stage, string(r))
		}
		m.deadLettered.WithLabelValues(stage, ReasonMessageTooLarge)
		for _, r := range mapper.SkipReasons() {
			m.skipped.WithLabelValues(string(r))
		}
		for _, c := range mapper.WarningCodes() {
			m.warnings.WithLabelValues(c)
		}
		m.registryRetries.WithLabelValues(registryUnavailable)
		m.registryRetries.WithLabelValues(registryUnauthorized)
		for _, a := range accounts {
			for _, typ := range types {
				m.mapped.WithLabelValues(a, typ)
			}
		}
		return
	}
	for _, r := range []string{ReasonRejected, ReasonUnknownAccount, ReasonRetriesExhausted, ReasonRetryExpired, ReasonMessageTooLarge} {
		m.deadLettered.WithLabelValues(stage, r)
	}
	for _, a := range accounts {
		for _, typ := range types {
			for _, o := range sink.Outcomes() {
				m.pushed.WithLabelValues(a, typ, string(o))
			}
		}
		m.parked.WithLabelValues(a, ParkAccountUnavailable)
		m.parked.WithLabelValues(a, ParkPushFailing)
		m.unavailable.WithLabelValues(a)
	}
}

// zeroRefused creates, at 0, the refusal counters of the topics stage produces to.
func (m *Metrics) zeroRefused(st config.Stage, t config.Topics) {
	outputs := []string{t.DeadLetter}
	switch st {
	case config.StageMap:
		outputs = append(outputs, t.Records)
	default:
		outputs = append(outputs, t.Retry)
	}
	for _, topic := range outputs {
		m.produceRefused.WithLabelValues(topic)
	}
}

// refused counts a message Kafka refused for good on topic. m may be nil.
func (m *Metrics) refused(topic string) {
	if m != nil {
		m.produceRefused.WithLabelValues(topic).Inc()
	}
}

// Sink adapts the metrics to sink.Metrics.
func (m *Metrics) Sink() sink.Metrics { return sinkMetrics{m} }

type sinkMetrics struct{ m *Metrics }

func (s sinkMetrics) Request(account string, status int, took time.Duration) {
	s.m.requests.WithLabelValues(account, itoa(status)).Inc()
	s.m.requestTime.WithLabelValues().Observe(took.Seconds())
}

func (s sinkMetrics) Records(account, typ string, o sink.Outcome, n int) {
	s.m.pushed.WithLabelValues(account, typ, string(o)).Add(float64(n))
}

func (s sinkMetrics) Batch(typ string, records, _ int) {
	s.m.batchSize.WithLabelValues(typ).Observe(float64(records))
}

func (s sinkMetrics) Retry(account, reason string) {
	s.m.retries.WithLabelValues(account, reason).Inc()
}

func (s sinkMetrics) LimiterWait(_ string, waited time.Duration) {
	s.m.limiterWait.WithLabelValues().Observe(waited.Seconds())
}

func (s sinkMetrics) AccountUnavailable(account string, down bool) {
	v := 0.0
	if down {
		v = 1
	}
	s.m.unavailable.WithLabelValues(account).Set(v)
}

// groupHooks report a stage's consumer group: its messages in flight, commits, lags
// and stalls (to health too, which may be nil).
func (m *Metrics) groupHooks(stage, groupID string, gc *group.Config, health *Health) {
	inFlight := m.inFlight.WithLabelValues(stage)
	gc.OnInFlight = func(delta int) { inFlight.Add(float64(delta)) }
	gc.OnOldest = func(topic string, partition int, age time.Duration) {
		m.oldest.WithLabelValues(groupID, topic, itoa(partition)).Set(age.Seconds())
	}
	gc.OnStall = func(topic string, partition int, offset int64, age time.Duration, stalled bool) {
		health.setStall(groupID, topic, partition, offset, age, stalled)
	}
	gc.OnCommit = func(topic string, partition int, offset int64) {
		m.committed.WithLabelValues(groupID, topic, itoa(partition)).Set(float64(offset))
	}
	gc.OnLag = func(topic string, partition int, lag int64) {
		m.lag.WithLabelValues(groupID, topic, itoa(partition)).Set(float64(lag))
	}
	gc.OnCommitLag = func(topic string, partition int, lag int64) {
		m.commitLag.WithLabelValues(groupID, topic, itoa(partition)).Set(float64(lag))
	}
}
