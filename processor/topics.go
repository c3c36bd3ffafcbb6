package processor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// EnsureTopics checks that topics exist. Missing ones are created with partitions
// partitions (and the cluster's default replication) when create is true; otherwise the
// error names them.
func EnsureTopics(ctx context.Context, c *Connection, topics []string, create bool, partitions int) error {
	// A broker address that is not Kafka can keep kafka-go decoding forever: bound it.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(c.Brokers...)}
	if c.Transport != nil {
		client.Transport = c.Transport
	}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return fmt.Errorf("reading the topics from Kafka (%s): %w%s", strings.Join(c.Brokers, ","), err, connectHint(err))
	}
	var missing []string
	for _, t := range meta.Topics {
		if t.Error != nil || len(t.Partitions) == 0 {
			missing = append(missing, t.Name)
		}
	}
	slices.Sort(missing)
	if len(missing) == 0 {
		return nil
	}
	if !create {
		return fmt.Errorf("topics %s do not exist; create them, or allow kafka-ometria to (kafka.create_topics: true)", strings.Join(missing, ", "))
	}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range missing {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: -1})
	}
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("creating topics %s: %w", strings.Join(missing, ", "), err)
	}
	var errs []error
	for _, t := range slices.Sorted(maps.Keys(resp.Errors)) {
		if e := resp.Errors[t]; e != nil && !errors.Is(e, kafka.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("creating topic %s: %w", t, e))
		}
	}
	return errors.Join(errs...)
}
