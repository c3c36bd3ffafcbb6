package processor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/group"
	"github.com/kafka-ometria/kafka-ometria/mapper"
	"github.com/kafka-ometria/kafka-ometria/sink"
)

// Pusher is what the push and retry stages need of a sink.
type Pusher interface {
	Write(ctx context.Context, r sink.Record) error
}

// retryDelay is the wait before attempt n (1-based) of a parked record: InitialDelay,
// doubling, capped at MaxDelay.
func retryDelay(p config.Retry, n int64) time.Duration {
	d := p.InitialDelay
	for i := int64(1); i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	return min(d, p.MaxDelay)
}

// PushStage pushes records (from the records topic, or from the retry topic for the
// retry stage) to Ometria. A record is done when Ometria accepted it, when it is
// dead-lettered (Ometria rejected it), or when it is parked on the retry topic (its
// account's key is refused, or its retry budget is spent): the other accounts of the
// partition keep flowing. A record the sink could not finish before shutting down is not
// done, so its offset is not committed and it is read again.
type PushStage struct {
	Stage           config.Stage // config.StagePush or config.StageRetry
	RetryTopic      string
	DeadLetterTopic string
	Group           string       // the stage's consumer group, for dead letters' ometria-group
	Retry           config.Retry // as the configuration gives it (config.DefaultRetry's defaults)
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
func (s *PushStage) Handle(ctx context.Context, m kafka.Message, ack group.Ack) {
	s.Metrics.consumedC.with2(string(s.Stage), m.Topic).Inc()
	s.push(ctx, m, ack)
}

// push hands the record of m to the sink; its verdict settles m.
func (s *PushStage) push(ctx context.Context, m kafka.Message, ack group.Ack) {
	account := string(m.Key)
	typ := recordType(&m)
	id, _ := header(&m, HeaderRecordID)
	rec := sink.Record{Account: account, Type: typ, ID: id, JSON: m.Value, Ctx: group.Abandoned(ctx), Done: func(err error) {
		s.settle(ctx, &m, account, err, ack)
	}}
	if err := s.Sink.Write(ctx, rec); err != nil {
		ack(err) // the sink did not take it (shutting down): read it again
	}
}

// recordType is the value of m's last ometria-record-type header, as header gives it,
// without a copy for the types the mapper makes.
func recordType(m *kafka.Message) string {
	v, _ := headerBytes(m, HeaderRecordType)
	for _, t := range recordTypes {
		if string(v) == t {
			return t
		}
	}
	return string(v)
}

var recordTypes = mapper.Types()

// settle acts on the sink's verdict on one record.
func (s *PushStage) settle(ctx context.Context, m *kafka.Message, account string, err error, ack group.Ack) {
	switch {
	case err == nil:
		ack(nil)
	case errors.Is(err, sink.ErrNotDone):
		ack(err) // given back: the offset stays uncommitted and the record is read again
	case sink.IsPermanent(err):
		f := failure{stage: s.Stage, reason: ReasonRejected, message: err.Error(), account: account}
		if rej := (*sink.RejectedError)(nil); errors.As(err, &rej) {
			f.requestID, f.errorPath = rej.RequestID, rej.Path
		}
		s.deadLetter(ctx, m, f, ack)
	case errors.Is(err, sink.ErrUnknownAccount):
		s.deadLetter(ctx, m, failure{stage: s.Stage, reason: ReasonUnknownAccount, message: err.Error(), account: account}, ack)
	default: // sink.ErrAccountUnavailable, sink.ErrRetriesExhausted
		s.park(ctx, m, account, err, ack)
	}
}

func (s *PushStage) deadLetter(ctx context.Context, m *kafka.Message, f failure, ack group.Ack) {
	f.group = s.Group
	dl, reason := deadLetter(s.DeadLetterTopic, maxMessageSize(s.Producer, s.DeadLetterTopic), m, m.Value, f, s.now())
	s.Metrics.deadLetteredC.with2(string(s.Stage), reason).Inc()
	produceUntilDone(ctx, s.Producer, s.Log, s.Metrics, []kafka.Message{dl}, ack)
}

// park moves the record to the retry topic with its next attempt time, or dead-letters it
// when its attempts or its age are spent.
func (s *PushStage) park(ctx context.Context, m *kafka.Message, account string, cause error, ack group.Ack) {
	p := s.Retry
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
		s.deadLetter(ctx, m, failure{stage: s.Stage, reason: ReasonRetriesExhausted, message: cause.Error(), account: account}, ack)
		return
	case now.Sub(first) > p.MaxAge:
		s.deadLetter(ctx, m, failure{stage: s.Stage, reason: ReasonRetryExpired, message: cause.Error(), account: account}, ack)
		return
	}
	f := failure{stage: s.Stage, reason: reason, message: cause.Error(), account: account, group: s.Group}
	next := h(HeaderNextAttempt, formatTime(now.Add(retryDelay(p, attempt))))
	msg := kafka.Message{Topic: s.RetryTopic, Key: m.Key, Value: nonNull(m.Value), Headers: failureHeaders(m, f, now, []kafka.Header{next})}
	if n, limit := messageSize(&msg), maxMessageSize(s.Producer, s.RetryTopic); n > limit {
		s.deadLetter(ctx, m, failure{stage: s.Stage, reason: ReasonMessageTooLarge, account: account,
			message: fmt.Sprintf("%s: its retry makes a message of %d bytes, over what %s takes (max.message.bytes %d); it was parked for %s",
				ReasonMessageTooLarge, n, s.RetryTopic, limit+recordBatchOverhead, cause)}, ack)
		return
	}
	s.Metrics.parked.WithLabelValues(account, reason).Inc()
	s.Log.Info("record parked for a later retry", zap.String("account", account), zap.String("reason", reason),
		zap.Int64("attempt", attempt), zap.String("next_attempt", string(next.Value)))
	produceUntilDone(ctx, s.Producer, s.Log, s.Metrics, []kafka.Message{msg}, ack)
}

// RetryStage pushes each parked record when it is due, like the push stage. Waiting
// blocks nothing: Handle returns at once and a timer pushes the record when due, so a
// record due in a minute is not held back by one due in an hour on the same partition.
// The partition's bound (group.Config.PartitionUnfinished) and the retry stage's own
// room (not the push stage's, which waiting records would take from every account) bound
// how many records wait in memory; the committed offset stays at the earliest unfinished
// one, so a restart reads the waiting records again. When the generation stops
// fetching (a rebalance, a shutdown), waiting records are given back at once.
type RetryStage struct {
	*PushStage
}

// Handle is the retry stage's Handler.
func (s RetryStage) Handle(ctx context.Context, m kafka.Message, ack group.Ack) {
	s.Metrics.consumedC.with2(string(s.Stage), m.Topic).Inc()
	wait := time.Duration(0)
	if due, ok := headerTime(&m, HeaderNextAttempt); ok {
		wait = due.Sub(s.now())
	}
	if wait <= 0 {
		s.push(ctx, m, ack)
		return
	}
	afterOrGone(ctx, wait, func() { s.push(ctx, m, ack) }, func() { ack(context.Cause(ctx)) })
}

// NotBefore is when a retry topic message is due: the stall clock starts then.
func NotBefore(m *kafka.Message) time.Time {
	t, _ := headerTime(m, HeaderNextAttempt)
	return t
}
