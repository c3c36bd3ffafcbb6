package processor

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
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

// permanent reports whether producing again cannot help: the message is too large for the
// writer (kafka-go's own check against BatchBytes) or for the topic (the broker's), or the
// broker refuses the records or the request as invalid. Everything else (connections,
// leaders moving, timeouts, missing replicas, authorization that an operator may grant)
// may pass. By kafka-go's error types, not their text.
func permanent(err error) bool {
	var tooLarge kafka.MessageTooLargeError
	if errors.As(err, &tooLarge) {
		return true
	}
	var code kafka.Error
	if errors.As(err, &code) {
		switch code {
		case kafka.MessageSizeTooLarge, kafka.RecordListTooLarge, kafka.InvalidMessageSize, kafka.InvalidRecord,
			kafka.InvalidTopic, kafka.InvalidRequiredAcks, kafka.UnsupportedForMessageFormat:
			return true
		}
	}
	return false
}

// produceUntilDone produces msgs and calls ack exactly once: ack(nil) once every message
// is acknowledged. A transient failure is tried again after an exponential backoff with
// jitter, for as long as the message's generation is not abandoned (Abandoned(ctx)); once
// it is, ack gets the last error and the message is given back, to be read again. A
// permanent failure (permanent: a message too large for its topic) is logged as an error
// and acked at once, not retried for ever.
func produceUntilDone(ctx context.Context, p Producer, log *zap.Logger, msgs []kafka.Message, ack func(error)) {
	abandoned := Abandoned(ctx)
	b := backoff.NewExponentialBackOff(backoff.WithInitialInterval(100*time.Millisecond),
		backoff.WithMaxInterval(30*time.Second), backoff.WithMaxElapsedTime(0))
	var attempt func()
	attempt = func() {
		p.Produce(msgs, func(err error) {
			switch {
			case err == nil:
				ack(nil)
			case permanent(err):
				log.Error("producing to Kafka failed for good: the message is given back", zap.Error(err), topicsField(msgs))
				ack(err)
			case abandoned.Err() != nil:
				ack(err)
			default:
				wait := b.NextBackOff()
				log.Warn("producing to Kafka failed; trying again", zap.Error(err), topicsField(msgs), zap.Duration("in", wait))
				go func() {
					t := time.NewTimer(wait)
					defer t.Stop()
					select {
					case <-t.C:
						attempt()
					case <-abandoned.Done():
						ack(err)
					}
				}()
			}
		})
	}
	attempt()
}

func topicsField(msgs []kafka.Message) zap.Field {
	var ts []string
	for _, m := range msgs {
		if len(ts) == 0 || ts[len(ts)-1] != m.Topic {
			ts = append(ts, m.Topic)
		}
	}
	return zap.Strings("topics", ts)
}

// ackDone adapts a stage's done to produceUntilDone's ack. Temporary: once the stages'
// Handler takes ack, they pass it on and an error gives the message back.
func ackDone(done func()) func(error) {
	return func(err error) {
		if err == nil {
			done()
		}
	}
}
