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
	// It must not keep m.
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

	scratch sync.Pool // of *mapScratch
}

// mapScratch is what Handle reuses from one message to the next.
type mapScratch struct {
	mapper mapper.Mapper
	// msg is the message handed to Resolve, Format and decode, a copy: m itself, whose
	// address they would take, would be moved to the heap for every message.
	msg kafka.Message
	buf []byte // the JSON decoded from a json-schema or avro message
}

// Handle is the stage's Handler.
func (s *MapStage) Handle(ctx context.Context, m kafka.Message, ack group.Ack) {
	s.Metrics.consumedC.with2(string(config.StageMap), m.Topic).Inc()
	sc, _ := s.scratch.Get().(*mapScratch)
	if sc == nil {
		sc = new(mapScratch)
	}
	sc.msg = m
	defer func() { sc.msg = kafka.Message{}; s.scratch.Put(sc) }()
	name, unresolved := s.Resolve(&sc.msg)
	acct := s.Accounts[name]
	if unresolved != nil {
		acct = nil
	}

	in := input{event: m.Value, format: decode.JSON}
	if s.Format != nil {
		in.format = s.Format(&sc.msg)
	}
	if in.format != decode.JSON {
		ev, err := s.decode(ctx, &sc.msg, in.format, sc.buf)
		var bad *decode.Error
		switch {
		case errors.As(err, &bad):
			dl := s.deadLetterOf(&m, m.Value, failure{stage: config.StageMap, reason: string(bad.Reason), message: bad.Error(), account: name})
			produceUntilDone(ctx, s.Producer, s.Log, s.Metrics, []kafka.Message{dl}, ack)
			return
		case err != nil: // the registry did not answer before the generation ended
			ack(err)
			return
		}
		if cap(ev) > cap(sc.buf) && cap(ev) <= maxKeptBuffer {
			sc.buf = ev[:0]
		}
		in.event = ev
	}

	var msgs []kafka.Message
	outs := sc.mapper.Map(in.event, acct)
	for i := range outs {
		o := &outs[i]
		if msgs == nil && o.Kind != mapper.Skipped {
			msgs = make([]kafka.Message, 0, len(outs)-i)
		}
		for _, w := range o.Warnings {
			s.Metrics.warningsC.with1(w.Code).Inc()
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
			s.Metrics.mappedC.with2(o.Record.Account, o.Record.Type).Inc()
			msgs = append(msgs, rec)
		case mapper.DeadLetter:
			msg := o.Err.Error()
			if o.Err.Reason == mapper.ReasonUnknownAccount && unresolved != nil {
				msg = string(mapper.ReasonUnknownAccount) + ": " + unresolved.Error()
			}
			msgs = append(msgs, s.deadLetter(&m, &in, o, failure{stage: config.StageMap, reason: string(o.Err.Reason), message: msg, account: name}))
		case mapper.Skipped:
			s.Metrics.skippedC.with1(string(o.Skip)).Inc()
		}
	}
	if len(msgs) == 0 {
		ack(nil)
		return
	}
	produceUntilDone(ctx, s.Producer, s.Log, s.Metrics, msgs, ack)
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

// record is the message of a mapped outcome: the record, keyed by its account, with the
// source headers (sourceHeaders) and the record's own. Its key and header values are
// slices of one buffer, so that a record costs two allocations besides its JSON.
func (s *MapStage) record(m *kafka.Message, in *input, o *mapper.Outcome) kafka.Message {
	r := &o.Record
	batch := len(o.Event) != len(in.event)
	n, size := 7, len(m.Topic)+len(r.Account)+len(r.Type)+len(r.ID)+2*20 // partition, offset
	if !m.Time.IsZero() {
		n, size = n+1, size+len(timeLayout)+len("+00:00")
	}
	if batch {
		n, size = n+1, size+20
	}
	hs := make([]kafka.Header, 0, n)
	buf := make([]byte, 0, size)
	add := func(key string, start int) {
		hs = append(hs, kafka.Header{Key: key, Value: buf[start:len(buf):len(buf)]})
	}
	start := len(buf)
	buf = append(buf, m.Topic...)
	add(HeaderSourceTopic, start)
	start = len(buf)
	buf = strconv.AppendInt(buf, int64(m.Partition), 10)
	add(HeaderSourcePartition, start)
	start = len(buf)
	buf = strconv.AppendInt(buf, m.Offset, 10)
	add(HeaderSourceOffset, start)
	if !m.Time.IsZero() {
		start = len(buf)
		buf = appendTime(buf, m.Time)
		add(HeaderSourceTimestamp, start)
	}
	start = len(buf)
	buf = append(buf, r.Account...)
	add(HeaderAccount, start)
	key := hs[len(hs)-1].Value
	start = len(buf)
	buf = append(buf, r.Type...)
	add(HeaderRecordType, start)
	start = len(buf)
	buf = append(buf, r.ID...)
	add(HeaderRecordID, start)
	if batch {
		start = len(buf)
		buf = strconv.AppendInt(buf, int64(o.Index), 10)
		add(HeaderBatchIndex, start)
	}
	if len(m.Headers) > 0 {
		hs = carried(m, hs)
	}
	return kafka.Message{Topic: s.RecordsTopic, Key: key, Value: r.JSON, Headers: hs}
}

// carried returns hs, a record's headers, with those that m, a dead letter replayed to
// the map stage, carries over from its first failure: the original event's source
// headers in place of the replay topic's coordinates, and the replay's own headers. So a
// record of a replayed event whose push fails too is dead-lettered naming the original
// event, and its replays go on counting towards dlq.max_replays.
func carried(m *kafka.Message, hs []kafka.Header) []kafka.Header {
	if _, ok := headerBytes(m, HeaderSourceTopic); !ok {
		return hs
	}
	var keep []kafka.Header
	for _, key := range []string{HeaderSourceTopic, HeaderSourcePartition, HeaderSourceOffset, HeaderSourceTimestamp,
		HeaderReplayCount, HeaderReplayedAt, HeaderReplayID, HeaderReplayOf} {
		if v, ok := headerBytes(m, key); ok {
			keep = append(keep, kafka.Header{Key: key, Value: v})
		}
	}
	return withHeaders(hs, keep...)
}

// deadLetter carries the event unchanged: the whole message, or its element of a batch
// envelope (with the element's index in a header); cut when it is too large for the
// dead-letter topic. It counts it. A message decoded from another format (json-schema,
// avro) is carried whole, as it came, so that a replay decodes it the same way: for an
// element of a batch, with the element's index.
func (s *MapStage) deadLetter(m *kafka.Message, in *input, o *mapper.Outcome, f failure) kafka.Message {
	var extra []kafka.Header
	if len(o.Event) != len(in.event) {
		extra = append(extra, h(HeaderBatchIndex, strconv.Itoa(o.Index)))
	}
	value := o.Event
	if in.format != decode.JSON {
		value = m.Value
	}
	return s.deadLetterOf(m, value, f, extra...)
}

// deadLetterOf is the dead letter of m carrying value, with the stage's group; it counts it.
func (s *MapStage) deadLetterOf(m *kafka.Message, value []byte, f failure, extra ...kafka.Header) kafka.Message {
	f.group = s.Group
	dl, reason := deadLetter(s.DeadLetterTopic, maxMessageSize(s.Producer, s.DeadLetterTopic), m, value, f, s.now(), extra...)
	s.Metrics.deadLetteredC.with2(string(config.StageMap), reason).Inc()
	return dl
}
