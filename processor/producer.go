package processor

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/group"
)

// Producer writes messages to Kafka.
type Producer interface {
	// Produce hands msgs (each naming its Topic) to Kafka without blocking for long; done
	// is called once, when every message is acknowledged, or with the error that failed one.
	Produce(msgs []kafka.Message, done func(error))
}

// KafkaProducer is a Producer over an asynchronous kafka-go Writer that waits for the
// acknowledgement of all in-sync replicas (acks=all) and hashes keys to partitions, so
// that the records of one account always land on one partition.
type KafkaProducer struct {
	w *kafka.Writer
}

// NewKafkaProducer returns a producer for brokers. transport may be nil (plain TCP).
func NewKafkaProducer(brokers []string, transport *kafka.Transport) *KafkaProducer {
	p := &KafkaProducer{}
	p.w = &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		Async:        true,
		BatchTimeout: 5 * time.Millisecond,
		BatchSize:    500,
		Completion:   p.completion,
	}
	if transport != nil {
		p.w.Transport = transport
	}
	return p
}

// pendingWrite counts the messages of one Produce call not yet acknowledged.
type pendingWrite struct {
	left atomic.Int32
	mu   sync.Mutex
	err  error
	done func(error)
}

// Produce implements Producer.
func (p *KafkaProducer) Produce(msgs []kafka.Message, done func(error)) {
	pw := &pendingWrite{done: done}
	pw.left.Store(int32(len(msgs)))
	for i := range msgs {
		msgs[i].WriterData = pw
	}
	if err := p.w.WriteMessages(context.Background(), msgs...); err != nil {
		done(err) // refused before any was queued (closed writer, invalid message)
	}
}

func (p *KafkaProducer) completion(msgs []kafka.Message, err error) {
	for _, m := range msgs {
		pw, ok := m.WriterData.(*pendingWrite)
		if !ok {
			continue
		}
		if err != nil {
			pw.mu.Lock()
			pw.err = err
			pw.mu.Unlock()
		}
		if pw.left.Add(-1) == 0 {
			pw.mu.Lock()
			e := pw.err
			pw.mu.Unlock()
			pw.done(e)
		}
	}
}

// Close flushes what is queued and closes the writer.
func (p *KafkaProducer) Close() error { return p.w.Close() }

// produceUntilDone produces msgs and calls ack exactly once: nil once they are all
// acknowledged. A failed produce is tried again after a growing pause until the message's
// generation abandons it (group.Abandoned): then ack gets the last error, and the message
// is read again by the partition's next owner.
func produceUntilDone(ctx context.Context, p Producer, log *zap.Logger, msgs []kafka.Message, ack group.Ack) {
	abandon := group.Abandoned(ctx)
	var attempt func(wait time.Duration)
	attempt = func(wait time.Duration) {
		p.Produce(msgs, func(err error) {
			if err == nil {
				ack(nil)
				return
			}
			if abandon.Err() != nil {
				ack(err)
				return
			}
			log.Warn("producing to Kafka failed; trying again", zap.Error(err), zap.Duration("in", wait))
			afterOrGone(abandon, wait, func() { attempt(min(2*wait, 30*time.Second)) }, func() { ack(err) })
		})
	}
	attempt(100 * time.Millisecond)
}
