package itest

import "github.com/segmentio/kafka-go"

// LastOffsetsRequest asks for the end offsets of partitions parts of topic.
func LastOffsetsRequest(topic string, parts []int) *kafka.ListOffsetsRequest {
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, p := range parts {
		req.Topics[topic] = append(req.Topics[topic], kafka.LastOffsetOf(p))
	}
	return req
}
