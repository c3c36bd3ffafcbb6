package processor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/sink"
)

// Pusher is what the push and retry stages need of a sink.
type Pusher interface {
	Write(ctx context.Context, r sink.Record) error
}

// RetryPolicy says when a parked record is tried again, and when it is given up.
type RetryPolicy struct {
	MaxAttempts int           // pushes after the first failure before a dead letter. Default 10.
	MaxAge      time.Duration // since the first failure, after which a record is dead-lettered. Default 24h.
	Initial     time.Duration // the wait before the first retry. Default 1m.
	Max         time.Duration // the longest wait between retries. Default 1h.
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 10
	}
	if p.MaxAge <= 0 {
		p.MaxAge = 24 * time.Hour
	}
	if p.Initial <= 0 {
		p.Initial = time.Minute
	}
	if p.Max <= 0 {
		p.Max = time.Hour
	}
	return p
}

// delay is the wait before attempt n (1-based) of a parked record: Initial, doubling, capped.
func (p RetryPolicy) delay(n int64) time.Duration {
	d := p.Initial
	for i := int64(1); i < n && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// PushStage pushes records (from the records topic, or from the retry topic for the
// retry stage) to Ometria. A record is done when Ometria accepted it, when it is
// dead-lettered (Ometria rejected it), or when it is parked on the retry topic (its
// account's key is refused, or its retry budget is spent): the other accounts of the
// partition keep flowing. A record the sink could not finish before shutting down is not
// done, so its offset is not committed and it is read again.
type PushStage struct {
	Stage           string // StagePush or StageRetry
	RetryTopic      string
	DeadLetterTopic string
	Retry           RetryPolicy
	Sink            Pusher
	Producer        Producer
	Metrics         *Metrics
	Log             *zap.Logger
	Now             func() time.Time // default time.Now
}

func (s *PushStage) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Handle is the push stage's Handler.
func (s *PushStage) Handle(ctx context.Context, m kafka.Message, done func()) error {
	s.Metrics.consumed.WithLabelValues(s.Stage, m.Topic).Inc()
	account := string(m.Key)
	typ, _ := header(&m, HeaderRecordType)
	id, _ := header(&m, HeaderRecordID)
	rec := sink.Record{Account: account, Type: typ, ID: id, JSON: m.Value, Ctx: Abandoned(ctx), Done: func(err error) {
		s.settle(ctx, &m, account, err, done)
	}}
	return s.Sink.Write(ctx, rec)
}

// settle acts on the sink's verdict on one record.
func (s *PushStage) settle(ctx context.Context, m *kafka.Message, account string, err error, done func()) {
	switch {
	case err == nil:
		done()
	case errors.Is(err, sink.ErrNotDone):
		// Not done: the offset stays uncommitted and the record is read again.
	case sink.IsPermanent(err):
		s.deadLetter(ctx, m, failure{stage: s.Stage, reason: ReasonRejected, message: err.Error(), account: account}, done)
	case errors.Is(err, sink.ErrUnknownAccount):
		s.deadLetter(ctx, m, failure{stage: s.Stage, reason: ReasonUnknownAccount, message: err.Error(), account: account}, done)
	default: // sink.ErrAccountUnavailable, sink.ErrRetriesExhausted
		s.park(ctx, m, account, err, done)
	}
}

func (s *PushStage) deadLetter(ctx context.Context, m *kafka.Message, f failure, done func()) {
	dl, reason := deadLetter(s.DeadLetterTopic, maxMessageSize(s.Producer, s.DeadLetterTopic), m, m.Value, f, s.now())
	s.Metrics.deadLettered.WithLabelValues(s.Stage, reason).Inc()
	produceUntilDone(ctx, s.Producer, s.Log, []kafka.Message{dl}, ackDone(done))
}

// park moves the record to the retry topic with its next attempt time, or dead-letters it
// when its attempts or its age are spent.
func (s *PushStage) park(ctx context.Context, m *kafka.Message, account string, cause error, done func()) {
	p := s.Retry.withDefaults()
	now := s.now()
	attempt := headerInt(m, HeaderAttempt) + 1
	first, ok := headerTime(m, HeaderFirstFailed)
	if !ok {
		first = now
	}
	reason := ParkAccountUnavailable
	if errors.Is(cause, sink.ErrRetriesExhausted) {
		reason = ParkPushFailing
	}
	switch {
	case attempt > int64(p.MaxAttempts):
		s.deadLetter(ctx, m, failure{stage: s.Stage, reason: ReasonRetriesExhausted, message: cause.Error(), account: account}, done)
		return
	case now.Sub(first) > p.MaxAge:
		s.deadLetter(ctx, m, failure{stage: s.Stage, reason: ReasonRetryExpired, message: cause.Error(), account: account}, done)
		return
	}
	f := failure{stage: s.Stage, reason: reason, message: cause.Error(), account: account}
	next := h(HeaderNextAttempt, formatTime(now.Add(p.delay(attempt))))
	msg := kafka.Message{Topic: s.RetryTopic, Key: m.Key, Value: nonNull(m.Value), Headers: failureHeaders(m, f, now, []kafka.Header{next})}
	if n, limit := messageSize(&msg), maxMessageSize(s.Producer, s.RetryTopic); n > limit {
		s.deadLetter(ctx, m, failure{stage: s.Stage, reason: ReasonMessageTooLarge, account: account,
			message: fmt.Sprintf("%s: its retry makes a message of %d bytes, over what %s takes (max.message.bytes %d); it was parked for %s",
				ReasonMessageTooLarge, n, s.RetryTopic, limit+recordBatchOverhead, cause)}, done)
		return
	}
	s.Metrics.parked.WithLabelValues(account, reason).Inc()
	s.Log.Info("record parked for a later retry", zap.String("account", account), zap.String("reason", reason),
		zap.Int64("attempt", attempt), zap.String("next_attempt", string(next.Value)))
	produceUntilDone(ctx, s.Producer, s.Log, []kafka.Message{msg}, ackDone(done))
}

// RetryStage waits until each parked record is due, then pushes it like the push stage.
// Waiting blocks only the record's own partition.
type RetryStage struct {
	*PushStage
}

// Handle is the retry stage's Handler.
func (s RetryStage) Handle(ctx context.Context, m kafka.Message, done func()) error {
	if due, ok := headerTime(&m, HeaderNextAttempt); ok {
		if wait := due.Sub(s.now()); wait > 0 {
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return ctx.Err() // not done: read again after the rebalance or restart
			}
		}
	}
	return s.PushStage.Handle(ctx, m, done)
}
