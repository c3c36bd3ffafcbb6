package processor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/config"
)

// EnsureTopics checks that topics exist. Missing ones are created with partitions
// partitions (and the cluster's default replication) when create is true, and returned,
// sorted; otherwise the error names them.
func EnsureTopics(ctx context.Context, c *Connection, topics []string, create bool, partitions int) (created []string, err error) {
	// A broker address that is not Kafka can keep kafka-go decoding forever: bound it.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(c.Brokers...)}
	if c.Transport != nil {
		client.Transport = c.Transport
	}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, fmt.Errorf("reading the topics from Kafka (%s): %w%s", strings.Join(c.Brokers, ","), err, connectHint(err))
	}
	var missing []string
	for _, t := range meta.Topics {
		if t.Error != nil || len(t.Partitions) == 0 {
			missing = append(missing, t.Name)
		}
	}
	slices.Sort(missing)
	if len(missing) == 0 {
		return nil, nil
	}
	if !create {
		return nil, fmt.Errorf("topics %s do not exist; create them, or allow kafka-ometria to (kafka.create_topics: true)", strings.Join(missing, ", "))
	}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range missing {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: -1})
	}
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("creating topics %s: %w", strings.Join(missing, ", "), err)
	}
	var errs []error
	for _, t := range slices.Sorted(maps.Keys(resp.Errors)) {
		if e := resp.Errors[t]; e != nil && !errors.Is(e, kafka.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("creating topic %s: %w", t, e))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return missing, nil
}

// targetsOf lists the topics the configured stages produce to: records and dead letters,
// and retries when the push or retry stage runs.
func targetsOf(cfg *config.Config) []string {
	ts := []string{cfg.Topics.Records, cfg.Topics.DeadLetter}
	if cfg.HasStage(config.StagePush) || cfg.HasStage(config.StageRetry) {
		ts = append(ts, cfg.Topics.Retry)
	}
	return ts
}

// MessageLimits reads the max.message.bytes of topics (DescribeConfigs: the topic's own
// value, or the broker's message.max.bytes it inherits), the longest record batch the
// broker takes on each. A topic whose limit cannot be read gets the broker's
// message.max.bytes, else DefaultMaxMessageBytes; each guess is logged.
func MessageLimits(ctx context.Context, c *Connection, topics []string, log *zap.Logger) map[string]int {
	if log == nil {
		log = zap.NewNop()
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(c.Brokers...)}
	if c.Transport != nil {
		client.Transport = c.Transport
	}
	const topicKey, brokerKey = "max.message.bytes", "message.max.bytes"
	limits := map[string]int{}
	var why error
	req := &kafka.DescribeConfigsRequest{}
	for _, t := range topics {
		req.Resources = append(req.Resources, kafka.DescribeConfigRequestResource{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: t, ConfigNames: []string{topicKey}})
	}
	resp, err := client.DescribeConfigs(ctx, req)
	if err != nil {
		why = err
	} else {
		for _, r := range resp.Resources {
			if n, err := configInt(r, topicKey); err != nil {
				why = err
			} else {
				limits[r.ResourceName] = n
			}
		}
	}
	var missing []string
	for _, t := range topics {
		if _, ok := limits[t]; !ok {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		limit, source := DefaultMaxMessageBytes, "1 MiB"
		if n, err := brokerLimit(ctx, client, brokerKey); err == nil {
			limit, source = n, "the broker's "+brokerKey
		} else {
			why = errors.Join(why, err)
		}
		for _, t := range missing {
			limits[t] = limit
		}
		log.Warn("could not read the max.message.bytes of topics: assuming "+source, zap.Strings("topics", missing),
			zap.Int("max_message_bytes", limit), zap.Error(why))
	}
	log.Info("message size limits", zap.Any("max_message_bytes", limits))
	return limits
}

// brokerLimit reads config key of a broker.
func brokerLimit(ctx context.Context, client *kafka.Client, key string) (int, error) {
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{}})
	if err != nil {
		return 0, err
	}
	if len(meta.Brokers) == 0 {
		return 0, errors.New("no broker in the metadata")
	}
	resp, err := client.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
		ResourceType: kafka.ResourceTypeBroker, ResourceName: strconv.Itoa(meta.Brokers[0].ID), ConfigNames: []string{key}}}})
	if err != nil {
		return 0, err
	}
	if len(resp.Resources) != 1 {
		return 0, fmt.Errorf("%d resources in the answer, want 1", len(resp.Resources))
	}
	return configInt(resp.Resources[0], key)
}

// configInt is the value of config key in r, a positive integer.
func configInt(r kafka.DescribeConfigResponseResource, key string) (int, error) {
	if r.Error != nil {
		return 0, fmt.Errorf("%s of %s: %w", key, r.ResourceName, r.Error)
	}
	for _, e := range r.ConfigEntries {
		if e.ConfigName == key {
			n, err := strconv.Atoi(e.ConfigValue)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("%s of %s: %q is not a positive integer", key, r.ResourceName, e.ConfigValue)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("%s of %s: not in the answer", key, r.ResourceName)
}
