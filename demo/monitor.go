package demo

import (
	"context"
	"sort"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/config"
)

// monitor reads the pipeline's progress from Kafka: the end offsets of its topics and
// the offsets its consumer groups committed.
type monitor struct {
	brokers     []string
	groupPrefix string        // kafka.group_id: each stage's group is config.Stage.GroupID of it
	topics      config.Topics // the topics the stages read
}

type progress struct {
	mapDone, mapEnd, pushDone, pushEnd, retryDone, retryEnd int64
}

func (m *monitor) poll(ctx context.Context) (p progress, err error) {
	if p.mapDone, p.mapEnd, err = m.stage(ctx, config.StageMap); err != nil {
		return p, err
	}
	if p.pushDone, p.pushEnd, err = m.stage(ctx, config.StagePush); err != nil {
		return p, err
	}
	p.retryDone, p.retryEnd, err = m.stage(ctx, config.StageRetry)
	return p, err
}

// stage returns what stage st's group committed on the topic it reads, and that topic's end.
func (m *monitor) stage(ctx context.Context, st config.Stage) (committed, end int64, err error) {
	return m.offsets(ctx, st.GroupID(m.groupPrefix), m.topicOf(st))
}

// topicOf is the topic whose progress stage st shows: the demo's event topic, the
// records topic, the retry topic.
func (m *monitor) topicOf(st config.Stage) string {
	switch st {
	case config.StageMap:
		return m.topics.Events[0]
	case config.StagePush:
		return m.topics.Records
	default:
		return m.topics.Retry
	}
}

// offsets returns the sum over the partitions of topic of the offsets group committed
// (a partition without a commit counts 0) and of the end offsets.
func (m *monitor) offsets(ctx context.Context, group, topic string) (committed, end int64, err error) {
	c := &kafka.Client{Addr: kafka.TCP(m.brokers...)}
	parts, err := m.partitions(ctx, c, topic)
	if err != nil {
		return 0, 0, err
	}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, p := range parts {
		req.Topics[topic] = append(req.Topics[topic], kafka.LastOffsetOf(p))
	}
	lo, err := c.ListOffsets(ctx, req)
	if err != nil {
		return 0, 0, err
	}
	for _, po := range lo.Topics[topic] {
		end += po.LastOffset
	}
	of, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		return 0, 0, err
	}
	for _, po := range of.Topics[topic] {
		if po.CommittedOffset > 0 {
			committed += po.CommittedOffset
		}
	}
	return committed, end, nil
}

func (m *monitor) partitions(ctx context.Context, c *kafka.Client, topic string) ([]int, error) {
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, err
	}
	var out []int
	for _, t := range meta.Topics {
		for _, p := range t.Partitions {
			out = append(out, p.ID)
		}
	}
	sort.Ints(out)
	return out, nil
}
