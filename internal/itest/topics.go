package itest

import (
	"context"
	"fmt"
	"strconv"

	"github.com/segmentio/kafka-go"
)

// CreateTopics creates the topics of maxBytes (topic -> max.message.bytes; 0: the
// broker's default), each with partitions and the broker's default replication. It
// returns the request's error or else the first topic's, as "creating <topic>: ...".
// It does not wait for the new partitions to have leaders.
func CreateTopics(ctx context.Context, c *kafka.Client, partitions int, maxBytes map[string]int) error {
	req := &kafka.CreateTopicsRequest{}
	for name, limit := range maxBytes {
		tc := kafka.TopicConfig{Topic: name, NumPartitions: partitions, ReplicationFactor: -1}
		if limit > 0 {
			tc.ConfigEntries = []kafka.ConfigEntry{{ConfigName: "max.message.bytes", ConfigValue: strconv.Itoa(limit)}}
		}
		req.Topics = append(req.Topics, tc)
	}
	resp, err := c.CreateTopics(ctx, req)
	if err != nil {
		return err
	}
	for name, err := range resp.Errors {
		if err != nil {
			return fmt.Errorf("creating %s: %w", name, err)
		}
	}
	return nil
}
