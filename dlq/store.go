package dlq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/processor"
)

// EnsureReplaysTopic creates topics.replays, compacted with one partition, when it does
// not exist. warning is set when it exists but is not compacted (bookmarks and records
// are then deleted with the topic's retention).
func EnsureReplaysTopic(ctx context.Context, conn *processor.Connection, name string) (warning string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err = OpenTopic(ctx, conn, name, "topics.replays")
	switch {
	case errors.Is(err, ErrNoTopic):
		c, done := client(conn)
		defer done()
		resp, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
			Topic: name, NumPartitions: 1, ReplicationFactor: -1,
			ConfigEntries: []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}},
		}}})
		if err != nil {
			return "", fmt.Errorf("topics.replays: creating topic %s: %w", name, err)
		}
		if e := resp.Errors[name]; e != nil && !errors.Is(e, kafka.TopicAlreadyExists) {
			return "", fmt.Errorf("topics.replays: creating topic %s: %w", name, e)
		}
		return "", waitForTopic(ctx, conn, name)
	case err != nil:
		return "", err
	}
	c, done := client(conn)
	defer done()
	resp, err := c.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: name, ConfigNames: []string{"cleanup.policy"},
	}}})
	if err != nil || len(resp.Resources) == 0 || resp.Resources[0].Error != nil {
		return "", nil // not allowed to look, or not answered: nothing to say
	}
	for _, ce := range resp.Resources[0].ConfigEntries {
		if ce.ConfigName == "cleanup.policy" && ce.ConfigValue != "compact" && ce.ConfigValue != "compact,delete" && ce.ConfigValue != "delete,compact" {
			return fmt.Sprintf("topics.replays: topic %s has cleanup.policy=%s, not compact: its bookmarks expire with its retention", name, ce.ConfigValue), nil
		}
	}
	return "", nil
}

// waitForTopic waits until a topic just created answers with its partitions' leaders.
func waitForTopic(ctx context.Context, conn *processor.Connection, name string) error {
	for {
		_, err := OpenTopic(ctx, conn, name, "topics.replays")
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topics.replays: topic %s was created but does not answer: %w", name, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// store writes records to topics.replays.
type store struct {
	w *kafka.Writer
}

func newStore(conn *processor.Connection, topic string) *store {
	w := &kafka.Writer{Addr: kafka.TCP(conn.Brokers...), Topic: topic, Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond, MaxAttempts: 5, Transport: transport(conn)}
	return &store{w: w}
}

func (s *store) save(ctx context.Context, key string, r record) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := s.w.WriteMessages(ctx, kafka.Message{Key: []byte(key), Value: v}); err != nil {
		return fmt.Errorf("topics.replays: saving %s: %w", key, err)
	}
	return nil
}

func (s *store) saveBookmark(ctx context.Context, b *Bookmark) error {
	return s.save(ctx, bookmarkKey(b.ReplayID), record{Bookmark: b})
}

func (s *store) saveRun(ctx context.Context, r *Run) error {
	return s.save(ctx, runKey(r), record{Run: r})
}

func (s *store) close() error { return s.w.Close() }
