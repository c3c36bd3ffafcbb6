package processor

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
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

// KafkaProducer is a Producer over asynchronous kafka-go Writers that wait for the
// acknowledgement of all in-sync replicas (acks=all) and hash keys to partitions, so
// that the records of one account always land on one partition. It has one Writer per
// topic it was given the limit of, its BatchBytes sized from that topic's
// max.message.bytes, so that a batch kafka-go sends is one the broker takes (fit.go),
// and one for any other topic, sized from DefaultMaxMessageBytes.
type KafkaProducer struct {
	writers map[string]*kafka.Writer // read-only after NewKafkaProducer
	other   *kafka.Writer
}

// NewKafkaProducer returns a producer for brokers. transport may be nil (plain TCP).
// limits are the max.message.bytes of the topics it writes to (MessageLimits).
func NewKafkaProducer(brokers []string, transport *kafka.Transport, limits map[string]int) *KafkaProducer {
	p := &KafkaProducer{writers: map[string]*kafka.Writer{}}
	writer := func(limit int) *kafka.Writer {
		w := &kafka.Writer{
			Addr:         kafka.TCP(brokers...),
			Balancer:     &kafka.Hash{},
			RequiredAcks: kafka.RequireAll,
			Async:        true,
			BatchTimeout: 5 * time.Millisecond,
			BatchSize:    500, // fit.go counts on at most 500 records a batch
			BatchBytes:   int64(batchBytes(limit)),
			Completion:   completion,
		}
		if transport != nil {
			w.Transport = transport
		}
		return w
	}
	for topic, limit := range limits {
		p.writers[topic] = writer(limit)
	}
	p.other = writer(DefaultMaxMessageBytes)
	return p
}

func (p *KafkaProducer) writer(topic string) *kafka.Writer {
	if w, ok := p.writers[topic]; ok {
		return w
	}
	return p.other
}

// MaxMessageSize is the largest message, by kafka-go's count (messageSize), that the
// producer writes to topic; a larger one fails with kafka.MessageTooLargeError.
func (p *KafkaProducer) MaxMessageSize(topic string) int { return int(p.writer(topic).BatchBytes) }

// pendingWrite counts the messages of one Produce call not yet acknowledged.
type pendingWrite struct {
	mu   sync.Mutex
	left int
	err  error
	done func(error)
}

// finish records that n more messages are through, failed with err when not nil, and
// calls done after the last.
func (pw *pendingWrite) finish(n int, err error) {
	pw.mu.Lock()
	pw.left -= n
	if err != nil {
		pw.err = err
	}
	last, e := pw.left == 0, pw.err
	pw.mu.Unlock()
	if last {
		pw.done(e)
	}
}

// Produce implements Producer.
func (p *KafkaProducer) Produce(msgs []kafka.Message, done func(error)) {
	if len(msgs) == 0 {
		done(nil)
		return
	}
	pw := &pendingWrite{left: len(msgs), done: done}
	first, one := p.writer(msgs[0].Topic), true
	for i := range msgs {
		msgs[i].WriterData = pw
		msgs[i].Time = time.Time{} // stamped by kafka-go, one time a batch: see fit.go
		one = one && p.writer(msgs[i].Topic) == first
	}
	if one { // the usual case: all to one writer, which needs no grouping
		if err := first.WriteMessages(context.Background(), msgs...); err != nil {
			pw.finish(len(msgs), err) // refused before any was queued (closed writer, too large)
		}
		return
	}
	byWriter := map[*kafka.Writer][]kafka.Message{}
	var order []*kafka.Writer
	for i := range msgs {
		w := p.writer(msgs[i].Topic)
		if _, ok := byWriter[w]; !ok {
			order = append(order, w)
		}
		byWriter[w] = append(byWriter[w], msgs[i])
	}
	for _, w := range order {
		ms := byWriter[w]
		if err := w.WriteMessages(context.Background(), ms...); err != nil {
			pw.finish(len(ms), err) // refused before any was queued (closed writer, too large)
		}
	}
}

func completion(msgs []kafka.Message, err error) {
	for _, m := range msgs {
		if pw, ok := m.WriterData.(*pendingWrite); ok {
			pw.finish(1, err)
		}
	}
}

// Close flushes what is queued and closes the writers.
func (p *KafkaProducer) Close() error {
	errs := []error{p.other.Close()}
	for _, w := range p.writers {
		errs = append(errs, w.Close())
	}
	return errors.Join(errs...)
}

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

// refusedWait is the first wait before a message Kafka refused for good is tried again;
// the waits then grow, with jitter, to refusedMaxWait.
const (
	refusedWait    = 5 * time.Second
	refusedMaxWait = 5 * time.Minute
)

// produceUntilDone produces msgs and calls ack exactly once: ack(nil) once every message
// is acknowledged. A transient failure is tried again after an exponential backoff with
// jitter, for as long as the message's generation is not abandoned (group.Abandoned(ctx)); once
// it is, ack gets the last error and the message is given back, to be read again.
//
// A refusal (permanent: too large for its topic, or invalid; the stages cut dead letters
// to fit the limit read at start, so it takes a topic changed since, or a broker that
// refuses for another reason) cannot be passed by trying again at once, and the message
// has nowhere else to go without being lost. So it is neither finished nor given back
// (which would stop the partition, rebalance the group, and fail the same way at the next
// owner, again and again): it stays unfinished, so that its partition's stall shows on
// kafka_ometria_oldest_unfinished_seconds and then /readyz; it is logged as an error and
// counted (kafka_ometria_produce_refused_total), and tried again, first after refusedWait,
// then less and less often, up to refusedMaxWait, in case an operator fixed the topic.
// metrics may be nil.
func produceUntilDone(ctx context.Context, p Producer, log *zap.Logger, metrics *Metrics, msgs []kafka.Message, ack group.Ack) {
	pr := &production{p: p, log: log, metrics: metrics, msgs: msgs, ack: ack, abandoned: group.Abandoned(ctx), refusedWait: refusedWait}
	pr.attempt()
}

// production is one produceUntilDone.
type production struct {
	p           Producer
	log         *zap.Logger
	metrics     *Metrics
	msgs        []kafka.Message
	ack         group.Ack
	abandoned   context.Context
	refusedWait time.Duration
	b, slow     *backoff.ExponentialBackOff // made at the first transient failure, the first refusal
}

func (pr *production) attempt() { pr.p.Produce(pr.msgs, pr.done) }

// done is the outcome of an attempt.
func (pr *production) done(err error) {
	switch {
	case err == nil:
		pr.ack(nil)
	case pr.abandoned.Err() != nil:
		pr.ack(err)
	case permanent(err):
		if pr.slow == nil {
			pr.slow = backoff.NewExponentialBackOff(backoff.WithInitialInterval(pr.refusedWait),
				backoff.WithMaxInterval(max(refusedMaxWait, pr.refusedWait)), backoff.WithMaxElapsedTime(0))
		}
		wait := pr.slow.NextBackOff()
		topics := messageTopics(pr.msgs)
		for _, t := range topics {
			pr.metrics.refused(t)
		}
		pr.log.Error("Kafka refused the message for good: it stays unfinished, holding up its partition, and is tried again later; "+
			"check the topic's max.message.bytes (read at start: a restart reads it again) and the broker's log",
			zap.Error(err), zap.Strings("topics", topics), zap.Duration("in", wait))
		afterOrGone(pr.abandoned, wait, pr.attempt, func() { pr.ack(err) })
	default:
		if pr.b == nil {
			pr.b = backoff.NewExponentialBackOff(backoff.WithInitialInterval(100*time.Millisecond),
				backoff.WithMaxInterval(30*time.Second), backoff.WithMaxElapsedTime(0))
		}
		wait := pr.b.NextBackOff()
		pr.log.Warn("producing to Kafka failed; trying again", zap.Error(err), topicsField(pr.msgs), zap.Duration("in", wait))
		afterOrGone(pr.abandoned, wait, pr.attempt, func() { pr.ack(err) })
	}
}

func topicsField(msgs []kafka.Message) zap.Field { return zap.Strings("topics", messageTopics(msgs)) }

// messageTopics lists the topics of msgs, each once where they come together.
func messageTopics(msgs []kafka.Message) []string {
	var ts []string
	for _, m := range msgs {
		if len(ts) == 0 || ts[len(ts)-1] != m.Topic {
			ts = append(ts, m.Topic)
		}
	}
	return ts
}
