package processor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/decode"
	"github.com/kafka-ometria/kafka-ometria/group"
	"github.com/kafka-ometria/kafka-ometria/sink"
)

// Options are what Run needs besides the configuration.
type Options struct {
	Config *config.Config
	// Keys returns the API key of an account (the caller reads the environment or files).
	Keys func(account string) (string, error)
	// SASLPassword is the Kafka SASL password, when the config names a mechanism.
	SASLPassword string
	// SchemaRegistryPassword is the schema registry's password, when the config names a
	// username (schema_registry.username).
	SchemaRegistryPassword string
	// SchemaRegistryHTTPClient, optional, is the HTTP client for the schema registry.
	SchemaRegistryHTTPClient *http.Client
	Logger                   *zap.Logger           // nil: no logs
	Registry                 prometheus.Registerer // nil: metrics are kept but not registered
	HTTPClient               *http.Client          // nil: the sink's default
	// Sink tunes the sink; BaseURL and Timeout come from the configuration.
	Sink sink.Config
	// Group tunes the consumer groups; Brokers, GroupID, Topics, Dialer, Room, start
	// offsets and hooks come from the configuration and Run.
	Group group.Config
	// Health, optional, learns which partitions are stalled (for readiness).
	Health *Health
	// Started is called once the checks at start passed and the stages are starting
	// (readiness). Optional.
	Started func()
	// ShutdownTimeout bounds the flush of the sink and the producer after the stages
	// have drained. Default 5s.
	ShutdownTimeout time.Duration
}

// Run runs the configured stages until ctx is cancelled, then drains them, commits what
// is done and returns. An error at start (a missing topic, an API key that cannot be
// read, an unreachable Kafka) is returned at once.
func Run(ctx context.Context, o Options) error {
	cfg := o.Config
	log := o.Logger
	if log == nil {
		log = zap.NewNop()
	}
	conn, err := Connect(cfg.Kafka, o.SASLPassword)
	if err != nil {
		return err
	}
	created, err := EnsureTopics(ctx, conn, topicsOf(cfg), cfg.Kafka.CreateTopics, cfg.Kafka.TopicPartitions)
	if err != nil {
		return err
	}
	if len(created) > 0 {
		log.Info("created topics (kafka.create_topics)", zap.Strings("topics", created), zap.Int("partitions", cfg.Kafka.TopicPartitions))
	}
	accounts, err := cfg.MapperAccounts()
	if err != nil {
		return err
	}
	keys := map[string]sink.Account{}
	names := slices.Sorted(maps.Keys(cfg.Accounts))
	for _, name := range names { // the same missing key named every time
		a := cfg.Accounts[name]
		key, err := o.Keys(name)
		if err != nil {
			return fmt.Errorf("the API key of account %s: %w", name, err)
		}
		keys[name] = sink.Account{Key: key, Rate: a.RateLimit}
	}
	decoder, err := newDecoder(cfg, o)
	if err != nil {
		return err
	}
	metrics := NewMetrics(o.Registry)
	prod := NewKafkaProducer(conn.Brokers, conn.Transport, MessageLimits(ctx, conn, targetsOf(cfg), log))
	defer prod.Close()

	var sk *sink.Sink
	if cfg.HasStage(config.StagePush) || cfg.HasStage(config.StageRetry) {
		scfg := o.Sink
		scfg.BaseURL, scfg.Timeout = cfg.Ometria.BaseURL, cfg.Ometria.Timeout
		if scfg.Linger == 0 {
			scfg.Linger, scfg.MaxLinger = cfg.Ometria.Linger, cfg.Ometria.MaxLinger
		}
		if scfg.MaxPending == 0 {
			rooms := roomSizes(cfg.Kafka.MaxUnfinished) // the records the push and retry stages may hold
			scfg.MaxPending = rooms[config.StagePush] + rooms[config.StageRetry]
		}
		opts := []sink.Option{sink.WithLogger(log.Named("sink")), sink.WithMetrics(metrics.Sink())}
		if o.HTTPClient != nil {
			opts = append(opts, sink.WithHTTPClient(o.HTTPClient))
		}
		sk, err = sink.New(scfg, func(name string) (sink.Account, bool) { a, ok := keys[name]; return a, ok }, opts...)
		if err != nil {
			return err
		}
	}

	groupID := func(st config.Stage) string { return st.GroupID(cfg.Kafka.GroupID) }
	push := &PushStage{Stage: config.StagePush, RetryTopic: cfg.Topics.Retry, DeadLetterTopic: cfg.Topics.DeadLetter,
		Group: groupID(config.StagePush), Retry: cfg.Retry,
		Sink: sk, Producer: prod, Metrics: metrics, Log: log.Named("push")}
	retry := *push
	retry.Stage, retry.Group, retry.Log = config.StageRetry, groupID(config.StageRetry), log.Named("retry")
	stages := map[config.Stage]struct {
		topics  []string
		handler group.Handler
	}{
		config.StageMap: {append(slices.Clone(cfg.Topics.Events), cfg.Topics.Replay), (&MapStage{
			RecordsTopic: cfg.Topics.Records, DeadLetterTopic: cfg.Topics.DeadLetter, Group: groupID(config.StageMap),
			Resolve:  resolver(cfg),
			Accounts: accounts, Producer: prod, Metrics: metrics, Log: log.Named("map"),
			Format: FormatOf(&cfg.Topics), Decoder: decoder,
		}).Handle},
		config.StagePush:  {[]string{cfg.Topics.Records}, push.Handle},
		config.StageRetry: {[]string{cfg.Topics.Retry}, RetryStage{&retry}.Handle},
	}

	// The process's memory: a quarter of kafka.max_unfinished for the map stage, whose
	// messages finish once their records are written, a quarter for the retry stage, whose
	// parked records wait in memory until they are due, the rest for the push stage, whose
	// records wait for their batches and the rate limit. Shared, a backlog of records
	// waiting for the rate limit took all the room, and the map stage went on a message at
	// a time, writing and reading back tiny batches; and the records of an account whose
	// key is refused, parked and waiting for their retry, held up every other account's.
	rooms := roomSizes(cfg.Kafka.MaxUnfinished)
	roomOf := map[config.Stage]*group.Room{}
	for _, st := range config.AllStages() {
		roomOf[st] = group.NewRoom(rooms[st])
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errs := make([]error, len(cfg.Stages))
	for i, st := range cfg.Stages {
		s := stages[st]
		gc := o.Group
		if gc.SessionTimeout == 0 {
			gc.SessionTimeout = cfg.Kafka.SessionTimeout
		}
		if gc.HeartbeatInterval == 0 && gc.SessionTimeout > 0 {
			gc.HeartbeatInterval = min(3*time.Second, gc.SessionTimeout/3) // a third, as Kafka advises
		}
		gc.Brokers, gc.Dialer, gc.Topics, gc.Room = conn.Brokers, conn.Dialer, s.topics, roomOf[st]
		gc.StartOffsets = map[string]int64{}
		for _, t := range s.topics {
			gc.StartOffsets[t] = kafka.FirstOffset
			if cfg.StartOffsetFor(t) == config.StartLatest {
				gc.StartOffsets[t] = kafka.LastOffset
			}
		}
		if gc.StallTimeout == 0 {
			gc.StallTimeout = cfg.Kafka.StallTimeout
		}
		if gc.CommitInterval == 0 {
			gc.CommitInterval = cfg.Kafka.CommitInterval
		}
		if gc.PartitionUnfinished == 0 {
			gc.PartitionUnfinished = cfg.Kafka.PartitionUnfinished
		}
		gc.GroupID = groupID(st)
		gc.Logger = log.Named(string(st))
		if st == config.StageRetry {
			gc.NotBefore = NotBefore
		}
		metrics.groupHooks(string(st), gc.GroupID, &gc, o.Health)
		metrics.zero(st, s.topics, names)
		metrics.zeroRefused(st, cfg.Topics)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := group.Run(runCtx, gc, s.handler); err != nil {
				errs[i] = fmt.Errorf("stage %s: %w", st, err)
				stop() // one stage failing stops the others: the process restarts whole
			}
		}()
	}
	log.Info("kafka-ometria running", zap.Strings("stages", config.Names(cfg.Stages)), zap.Strings("brokers", conn.Brokers))
	if o.Started != nil {
		o.Started()
	}
	wg.Wait()

	timeout := o.ShutdownTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if sk != nil {
		if err := sk.Close(closeCtx); err != nil {
			log.Warn("the sink did not finish before the shutdown deadline; unfinished records are read again at the next start", zap.Error(err))
		}
	}
	return errors.Join(errs...)
}

// newDecoder returns the map stage's decoder: with a schema registry client when a
// topic is avro, or json-schema with schema_registry.url set.
func newDecoder(cfg *config.Config, o Options) (*decode.Decoder, error) {
	var reg decode.Registry
	if cfg.UsesSchemaRegistry() {
		sr := cfg.SchemaRegistry
		var err error
		hc := o.SchemaRegistryHTTPClient
		if hc == nil && sr.CAFile != "" {
			roots, err := certPool("schema_registry.ca_file", sr.CAFile)
			if err != nil {
				return nil, err
			}
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
			hc = &http.Client{Transport: tr}
		}
		reg, err = decode.NewRegistry(decode.RegistryConfig{URL: sr.URL, Username: sr.Username, Password: o.SchemaRegistryPassword,
			Timeout: sr.Timeout, HTTPClient: hc})
		if err != nil {
			return nil, err
		}
	}
	return decode.New(reg, decode.Options{CacheSize: cfg.SchemaRegistry.CacheSize}), nil
}

func topicsOf(cfg *config.Config) []string {
	ts := []string{cfg.Topics.Records, cfg.Topics.DeadLetter}
	if cfg.HasStage(config.StageMap) {
		ts = append(ts, cfg.Topics.Events...)
		ts = append(ts, cfg.Topics.Replay)
	}
	if cfg.HasStage(config.StagePush) || cfg.HasStage(config.StageRetry) {
		ts = append(ts, cfg.Topics.Retry)
	}
	return ts
}

// roomSizes splits the process's bound on unfinished messages: a quarter for the map
// stage, a quarter for the retry stage, the rest for the push stage, each at least one.
func roomSizes(total int) map[config.Stage]int {
	quarter := max(total/4, 1)
	return map[config.Stage]int{
		config.StageMap:   quarter,
		config.StageRetry: quarter,
		config.StagePush:  max(total-2*quarter, 1),
	}
}

// resolver is the map stage's Resolve for cfg: the account its routing names for a
// message, by header, topic or default.
func resolver(cfg *config.Config) func(m *kafka.Message) (string, error) {
	return func(m *kafka.Message) (string, error) {
		name, ok := cfg.ResolveAccount(func(k string) (string, bool) { return header(m, k) }, m.Topic)
		if !ok {
			return name, errors.New(cfg.Unresolved(name, m.Topic))
		}
		return name, nil
	}
}
