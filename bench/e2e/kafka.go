package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// kafkaClient produces a scenario's events and watches its topics and groups.
type kafkaClient struct {
	cl  *kgo.Client
	adm *kadm.Client
}

func newKafkaClient(addrs []string, linger time.Duration) (*kafkaClient, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.ProducerLinger(linger),
		kgo.MaxBufferedRecords(20000),
		kgo.ProducerBatchMaxBytes(1<<20),
	)
	if err != nil {
		return nil, err
	}
	return &kafkaClient{cl: cl, adm: kadm.NewClient(cl)}, nil
}

func (k *kafkaClient) close() { k.cl.Close() }

// createTopics creates each topic with its number of partitions and waits until every
// partition has a leader.
func (k *kafkaClient) createTopics(ctx context.Context, parts map[string]int32) error {
	for t, n := range parts {
		resp, err := k.adm.CreateTopics(ctx, n, 1, nil, t)
		if err != nil {
			return fmt.Errorf("creating %s: %w", t, err)
		}
		if r, ok := resp[t]; ok && r.Err != nil {
			return fmt.Errorf("creating %s: %w", t, r.Err)
		}
	}
	names := make([]string, 0, len(parts))
	for t := range parts {
		names = append(names, t)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		offs, err := k.adm.ListEndOffsets(ctx, names...)
		ok := err == nil
		if ok {
			for t, n := range parts {
				got := 0
				offs.Each(func(o kadm.ListedOffset) {
					if o.Topic == t && o.Err == nil {
						got++
					}
				})
				ok = ok && got == int(n)
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("topics %v not ready after 60s: %v", names, err)
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

func (k *kafkaClient) deleteTopics(ctx context.Context, names ...string) error {
	_, err := k.adm.DeleteTopics(ctx, names...)
	return err
}

// endOffsets returns the sum of the end offsets of topic's partitions and each of them.
func (k *kafkaClient) endOffsets(ctx context.Context, topic string) (int64, map[int32]int64, error) {
	offs, err := k.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return 0, nil, err
	}
	var sum int64
	per := map[int32]int64{}
	var firstErr error
	offs.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			firstErr = o.Err
			return
		}
		sum += o.Offset
		per[o.Partition] = o.Offset
	})
	return sum, per, firstErr
}

// committed returns the offsets group has committed on topic, by partition (absent: none).
func (k *kafkaClient) committed(ctx context.Context, group, topic string) (map[int32]int64, error) {
	resp, err := k.adm.FetchOffsets(ctx, group)
	if err != nil {
		return nil, err
	}
	out := map[int32]int64{}
	resp.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.Err == nil && o.At >= 0 {
			out[o.Partition] = o.At
		}
	})
	return out, nil
}

// waitStable waits until each group is Stable with at least one member.
func (k *kafkaClient) waitStable(ctx context.Context, d time.Duration, groups ...string) error {
	deadline := time.Now().Add(d)
	var last string
	for {
		gs, err := k.adm.DescribeGroups(ctx, groups...)
		ok := err == nil
		if ok {
			for _, g := range groups {
				dg, found := gs[g]
				if !found || dg.Err != nil || dg.State != "Stable" || len(dg.Members) == 0 {
					ok = false
					last = fmt.Sprintf("%s: %s, %d members", g, dg.State, len(dg.Members))
				}
			}
		} else {
			last = err.Error()
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("consumer groups not stable after %v (%s)", d, last)
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// producer sends records asynchronously and remembers the first failure.
type producer struct {
	k      *kafkaClient
	failed atomic.Int64
	mu     sync.Mutex
	err    error
}

func (p *producer) send(ctx context.Context, r *kgo.Record) {
	p.k.cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
		if err != nil {
			p.failed.Add(1)
			p.mu.Lock()
			if p.err == nil {
				p.err = err
			}
			p.mu.Unlock()
		}
	})
}

// flush waits for every record sent and returns the first failure.
func (p *producer) flush(ctx context.Context) error {
	if err := p.k.cl.Flush(ctx); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return fmt.Errorf("%d events not produced: %w", p.failed.Load(), p.err)
	}
	return nil
}

var errNoRecords = errors.New("no records")
