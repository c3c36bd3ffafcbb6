package processor

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/decode"
	"github.com/kafka-ometria/kafka-ometria/group"
	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// MapStage maps events to records. Each event message becomes records on the records
// topic (keyed by account, so an account lives on one partition) and dead letters on the
// dead-letter topic; the message is done once Kafka acknowledged all of them, or at once
// when there are none (skipped events); a produce abandoned at a rebalance gives it back.
type MapStage struct {
	RecordsTopic    string
	DeadLetterTopic string
	Group           string // the stage's consumer group, for dead letters' ometria-group
	// Resolve names the account of a message; an error (saying why) means unknown_account.
	Resolve  func(m *kafka.Message) (string, error)
	Accounts map[string]*mapper.Account
	Producer Producer
	Metrics  *Metrics
	Log      *zap.Logger
	Now      func() time.Time // default time.Now
	// Format says how a message's value is written (FormatOf); nil: every one is JSON.
	// A message in another format is decoded by Decoder into JSON before it is mapped; its
	// dead letters carry its value as it came, so that a replay decodes it again.
	Format       func(m *kafka.Message) decode.Format
	Decoder      *decode.Decoder
	RegistryWait registryWait

	mappers sync.Pool
}

// work is what one Handle call reuses from the last: a mapper and a decoding buffer.
type work struct {
	mapper.Mapper
	buf []byte
}

// Handle is the stage's Handler.
func (s *MapStage) Handle(ctx context.Context, m kafka.Message, ack group.Ack) {
	s.Metrics.consumed.WithLabelValues(string(config.StageMap), m.Topic).Inc()
	name, unresolved := s.Resolve(&m)
	acct := s.Accounts[name]
	if unresolved != nil {
		acct = nil
	}
	mp, _ := s.mappers.Get().(*work)
	if mp == nil {
		mp = new(work)
	}
	defer s.mappers.Put(mp)

	in := input{event: m.Value, format: decode.JSON}
	if s.Format != nil {
		in.format = s.Format(&m)
	}
	if in.format != decode.JSON {
		ev, err := s.decode(ctx, &m, in.format, mp.buf)
		var bad *decode.Error
		switch {
		case errors.As(err, &bad):
			dl, reason := deadLetter(s.DeadLetterTopic, maxMessageSize(s.Producer, s.DeadLetterTopic), &m, m.Value,
				failure{stage: config.StageMap, reason: string(bad.Reason), message: bad.Error(), account: name, group: s.Group}, s.now())
			s.Metrics.deadLettered.WithLabelValues(string(config.StageMap), reason).Inc()
			produceUntilDone(ctx, s.Producer, s.Log, []kafka.Message{dl}, ack)
			return
		case err != nil: // the registry did not answer before the generation ended
			ack(err)
			return
		}
		if cap(ev) > cap(mp.buf) && cap(ev) <= maxKeptBuffer {
			mp.buf = ev[:0]
		}
		in.event = ev
	}

	var msgs []kafka.Message
	outs := mp.Map(in.event, acct)
	for i := range outs {
		o := &outs[i]
		for _, w := range o.Warnings {
			s.Metrics.warnings.WithLabelValues(w.Code).Inc()
		}
		switch o.Kind {
		case mapper.Mapped:
			rec := s.record(&m, &in, o)
			if n, limit := messageSize(&rec), maxMessageSize(s.Producer, s.RecordsTopic); n > limit {
				msgs = append(msgs, s.deadLetter(&m, &in, o, failure{stage: config.StageMap, reason: ReasonMessageTooLarge, account: name,
					message: fmt.Sprintf("%s: the %s record makes a message of %d bytes, over what %s takes (max.message.bytes %d)",
						ReasonMessageTooLarge, o.Record.Type, n, s.RecordsTopic, limit+recordBatchOverhead)}))
				continue
			}
			s.Metrics.mapped.WithLabelValues(o.Record.Account, o.Record.Type).Inc()
			msgs = append(msgs, rec)
		case mapper.DeadLetter:
			msg := o.Err.Error()
			if o.Err.Reason == mapper.ReasonUnknownAccount && unresolved != nil {
				msg = string(mapper.ReasonUnknownAccount) + ": " + unresolved.Error()
			}
			msgs = append(msgs, s.deadLetter(&m, &in, o, failure{stage: config.StageMap, reason: string(o.Err.Reason), message: msg, account: name}))
		case mapper.Skipped:
			s.Metrics.skipped.WithLabelValues(string(o.Skip)).Inc()
		}
	}
	if len(msgs) == 0 {
		ack(nil)
		return
	}
	produceUntilDone(ctx, s.Producer, s.Log, msgs, ack)
}

// input is the event a message gave the mapper: its value, or the JSON decoded from it.
type input struct {
	event  []byte
	format decode.Format
}

// maxKeptBuffer bounds the decoding buffer a mapper keeps from one message to the next.
const maxKeptBuffer = 1 << 20

func (s *MapStage) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *MapStage) record(m *kafka.Message, in *input, o *mapper.Outcome) kafka.Message {
	hs := append(sourceHeaders(m),
		h(HeaderAccount, o.Record.Account),
		h(HeaderRecordType, o.Record.Type),
		h(HeaderRecordID, o.Record.ID))
	if len(o.Event) != len(in.event) {
		hs = append(hs, h(HeaderBatchIndex, strconv.Itoa(o.Index)))
	}
	return kafka.Message{Topic: s.RecordsTopic, Key: []byte(o.Record.Account), Value: o.Record.JSON, Headers: hs}
}

// deadLetter carries the event unchanged: the whole message, or its element of a batch
// envelope (with the element's index in a header); cut when it is too large for the
// dead-letter topic. It counts it. A message decoded from another format (json-schema,
// avro) is carried whole, as it came, so that a replay decodes it the same way: for an
// element of a batch, with the element's index.
func (s *MapStage) deadLetter(m *kafka.Message, in *input, o *mapper.Outcome, f failure) kafka.Message {
	f.group = s.Group
	var extra []kafka.Header
	if len(o.Event) != len(in.event) {
		extra = append(extra, h(HeaderBatchIndex, strconv.Itoa(o.Index)))
	}
	value := o.Event
	if in.format != decode.JSON {
		value = m.Value
	}
	dl, reason := deadLetter(s.DeadLetterTopic, maxMessageSize(s.Producer, s.DeadLetterTopic), m, value, f, s.now(), extra...)
	s.Metrics.deadLettered.WithLabelValues(string(config.StageMap), reason).Inc()
	return dl
}
