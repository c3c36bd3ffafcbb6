//go:build reliability

package reliability

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
)

// broker is the Kafka of the suites (KAFKA_BROKERS, its plain listener).
type broker struct {
	addrs []string
	prod  *kgo.Client
}

func newBroker(t *testing.T) *broker {
	t.Helper()
	needBroker(t)
	b := &broker{addrs: strings.Split(os.Getenv("KAFKA_BROKERS"), ",")}
	// Acknowledged by all replicas, idempotent (a retry across a broker restart writes no
	// duplicates), up to 20 MB a batch for the poison suite's 10 MB events.
	prod, err := kgo.NewClient(kgo.SeedBrokers(b.addrs...), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchMaxBytes(20<<20), kgo.MaxBufferedBytes(256<<20), kgo.ProducerLinger(5*time.Millisecond),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))
	if err != nil {
		t.Fatal(err)
	}
	b.prod = prod
	t.Cleanup(prod.Close)
	return b
}

// client returns a kafka-go client with a transport of its own (fresh metadata) and what
// closes it.
func (b *broker) client() (*kafka.Client, func()) {
	tr := &kafka.Transport{}
	return &kafka.Client{Addr: kafka.TCP(b.addrs...), Transport: tr, Timeout: 20 * time.Second}, tr.CloseIdleConnections
}

// createTopics creates topics with partitions and, when maxBytes > 0, that
// max.message.bytes.
func (b *broker) createTopics(t *testing.T, partitions, maxBytes int, topics ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, done := b.client()
	defer done()
	maxBytesOf := map[string]int{}
	for _, name := range topics {
		maxBytesOf[name] = maxBytes
	}
	if err := itest.CreateTopics(ctx, c, partitions, maxBytesOf); err != nil {
		t.Fatal(err)
	}
	// Wait until the metadata has every partition with a leader.
	itest.Eventually(t, 30*time.Second, "the new topics have leaders", func() bool {
		meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
		if err != nil || len(meta.Topics) != len(topics) {
			return false
		}
		for _, tp := range meta.Topics {
			if tp.Error != nil || len(tp.Partitions) != partitions {
				return false
			}
			for _, p := range tp.Partitions {
				if p.Error != nil || p.Leader.ID < 0 {
					return false
				}
			}
		}
		return true
	})
}

// produce writes recs (each names its topic) and fails the test on any error. kgo sets
// each record's partition and offset.
func (b *broker) produce(t *testing.T, d time.Duration, recs ...*kgo.Record) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := b.prod.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("producing %d events: %v", len(recs), err)
	}
}

// partitions returns the partition count of topic.
func (b *broker) partitions(t *testing.T, topic string) []int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, done := b.client()
	defer done()
	for {
		meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
		if err == nil && len(meta.Topics) == 1 && meta.Topics[0].Error == nil && len(meta.Topics[0].Partitions) > 0 {
			var ps []int
			for _, p := range meta.Topics[0].Partitions {
				ps = append(ps, p.ID)
			}
			return ps
		}
		if ctx.Err() != nil {
			t.Fatalf("metadata of %s: %v", topic, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// ends returns the end offset of each partition of topic.
func (b *broker) ends(t *testing.T, topic string) map[int]int64 {
	t.Helper()
	ps := b.partitions(t, topic)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, done := b.client()
	defer done()
	req := itest.LastOffsetsRequest(topic, ps)
	for {
		lo, err := c.ListOffsets(ctx, req)
		if err == nil {
			out := map[int]int64{}
			bad := false
			for _, po := range lo.Topics[topic] {
				if po.Error != nil {
					bad = true
				}
				out[po.Partition] = po.LastOffset
			}
			if !bad && len(out) == len(ps) {
				return out
			}
			err = fmt.Errorf("partition errors %v", lo.Topics[topic])
		}
		if ctx.Err() != nil {
			t.Fatalf("end offsets of %s: %v", topic, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// committed returns the offsets group committed on each partition of topic (-1: none).
func (b *broker) committed(t *testing.T, group, topic string) map[int]int64 {
	t.Helper()
	ps := b.partitions(t, topic)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, done := b.client()
	defer done()
	for {
		of, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ps}})
		if err == nil && of.Error == nil {
			out := map[int]int64{}
			for _, po := range of.Topics[topic] {
				out[po.Partition] = po.CommittedOffset
			}
			return out
		}
		if err == nil {
			err = of.Error
		}
		if ctx.Err() != nil {
			t.Fatalf("offsets of %s on %s: %v", group, topic, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// atEnd reports whether group has committed the end of every non-empty partition of topic.
func (b *broker) atEnd(t *testing.T, group, topic string) bool {
	ends, committed := b.ends(t, topic), b.committed(t, group, topic)
	for p, end := range ends {
		if end > 0 && committed[p] != end {
			return false
		}
	}
	return true
}

// readAll reads every record of topic, from the start to the end offsets it has now.
// franz-go tells a null value (nil) from an empty one.
func (b *broker) readAll(t *testing.T, topic string) []*kgo.Record {
	t.Helper()
	ends := b.ends(t, topic)
	want := map[int32]int64{}
	parts := map[int32]kgo.Offset{}
	for p, end := range ends {
		if end > 0 {
			want[int32(p)] = end
			parts[int32(p)] = kgo.NewOffset().AtStart()
		}
	}
	if len(parts) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addrs...), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: parts}),
		kgo.FetchMaxBytes(64<<20), kgo.FetchMaxPartitionBytes(32<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s: %d records read, partitions left %v", topic, len(out), want)
		}
		fs.EachError(func(_ string, p int32, err error) { t.Logf("reading %s partition %d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if end, ok := want[r.Partition]; ok && r.Offset < end {
				out = append(out, r)
				if r.Offset >= end-1 {
					delete(want, r.Partition)
				}
			}
		})
	}
	return out
}

// header returns the value of the last header of r named key.
func header(r *kgo.Record, key string) string {
	v := ""
	for _, h := range r.Headers {
		if h.Key == key {
			v = string(h.Value)
		}
	}
	return v
}

func contextTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// committedSum adds up the offsets group has committed on topic's partitions ps (none
// committed counts 0), or fails without failing the test.
func (b *broker) committedSum(group, topic string, ps []int) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, done := b.client()
	defer done()
	of, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ps}})
	if err == nil && of.Error != nil {
		err = of.Error
	}
	if err != nil {
		return 0, err
	}
	var n int64
	for _, po := range of.Topics[topic] {
		n += max(po.CommittedOffset, 0)
	}
	return n, nil
}

// progress watches, every half second, when a stage's group first commits more than it
// had when the watch began: when the stage resumed after a restart.
type progress struct {
	stop, done chan struct{}
	resumed    map[string]time.Duration // by stage; absent: not yet
	mu         sync.Mutex
}

func (s *setup) watchProgress(t *testing.T, b *broker, from time.Time, stages ...string) *progress {
	topics := map[string]string{"map": s.events(), "push": s.records(), "retry": s.retryT()}
	parts := map[string][]int{}
	base := map[string]int64{}
	for _, st := range stages {
		parts[st] = b.partitions(t, topics[st])
		for _, o := range b.committed(t, s.group(st), topics[st]) {
			base[st] += max(o, 0)
		}
	}
	p := &progress{stop: make(chan struct{}), done: make(chan struct{}), resumed: map[string]time.Duration{}}
	go func() {
		defer close(p.done)
		for {
			select {
			case <-p.stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
			for _, st := range stages {
				p.mu.Lock()
				_, seen := p.resumed[st]
				p.mu.Unlock()
				if seen {
					continue
				}
				if n, err := b.committedSum(s.group(st), topics[st], parts[st]); err == nil && n > base[st] {
					p.mu.Lock()
					p.resumed[st] = time.Since(from)
					p.mu.Unlock()
				}
			}
		}
	}()
	return p
}

// end stops the watch and says when each stage resumed, after since (what from was).
func (p *progress) end(since string) string {
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, st := range []string{"map", "push", "retry"} {
		if d, ok := p.resumed[st]; ok {
			out = append(out, fmt.Sprintf("%s committed again %.1f s after %s", st, d.Seconds(), since))
		}
	}
	if len(out) == 0 {
		return "no stage committed"
	}
	return strings.Join(out, ", ")
}
