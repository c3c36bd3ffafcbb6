package processor

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/group"
	"github.com/kafka-ometria/kafka-ometria/mapper"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/sink"
)

// fakeProducer keeps what it is given; it fails the first `fail` calls.
type fakeProducer struct {
	mu    sync.Mutex
	msgs  []kafka.Message
	fail  int
	calls int
}

func (p *fakeProducer) Produce(msgs []kafka.Message, done func(error)) {
	p.mu.Lock()
	p.calls++
	if p.fail > 0 {
		p.fail--
		p.mu.Unlock()
		go done(errors.New("broker down"))
		return
	}
	p.msgs = append(p.msgs, msgs...)
	p.mu.Unlock()
	go done(nil)
}

func (p *fakeProducer) topic(t string) []kafka.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []kafka.Message
	for _, m := range p.msgs {
		if m.Topic == t {
			out = append(out, m)
		}
	}
	return out
}

// doneOnce returns an Ack and a channel that receives its outcome; a second call fails the test.
func doneOnce(t *testing.T) (group.Ack, chan error) {
	ch := make(chan error, 1)
	var once sync.Once
	return func(err error) {
		called := false
		once.Do(func() { ch <- err; called = true })
		if !called {
			t.Error("ack called twice")
		}
	}, ch
}

// waitDone waits for the message to be finished (acked with nil).
func waitDone(t *testing.T, ch chan error) {
	t.Helper()
	if err := waitAck(t, ch); err != nil {
		t.Fatalf("given back (%v), want finished", err)
	}
}

func waitAck(t *testing.T, ch chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("ack was not called")
		return nil
	}
}

func hdr(m kafka.Message, key string) string { v, _ := header(&m, key); return v }

func newMapStage(t *testing.T, p Producer) *MapStage {
	acct, err := mapper.NewAccount(mapper.Settings{Name: "acme", PhoneRegion: "GB"})
	if err != nil {
		t.Fatal(err)
	}
	return &MapStage{
		RecordsTopic: "ometria.records", DeadLetterTopic: "ometria.dlq", Group: "ko-map",
		Resolve: func(m *kafka.Message) (string, error) {
			if v, ok := header(m, "ometria-account"); ok && v != "acme" {
				return v, fmt.Errorf("the ometria-account header names %q, which is not a configured account", v)
			}
			return "acme", nil
		},
		Accounts: map[string]*mapper.Account{"acme": acct},
		Producer: p, Metrics: NewMetrics(nil), Log: zap.NewNop(),
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	}
}

const identifyEvent = `{"type":"identify","userId":"u1","traits":{"listingId":"l1","email":"ada@example.com"}}`

func TestMapStage(t *testing.T) {
	p := &fakeProducer{}
	s := newMapStage(t, p)
	in := func(v string, hs ...kafka.Header) kafka.Message {
		return kafka.Message{Topic: "rudder.events", Partition: 2, Offset: 41, Value: []byte(v), Headers: hs,
			Time: time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)}
	}
	for _, c := range []struct {
		name       string
		m          kafka.Message
		records    int
		deadLetter string // reason
	}{
		{"identify", in(identifyEvent), 1, ""},
		{"invalid", in(`{"type":"identify","traits":{}}`), 0, "missing_listing_id"},
		{"not json", in(`{"type":`), 0, "invalid_json"},
		{"page", in(`{"type":"page"}`), 0, ""},
		{"unknown account", in(identifyEvent, kafka.Header{Key: "ometria-account", Value: []byte("nobody")}), 0, "unknown_account"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p.msgs = nil
			done, ch := doneOnce(t)
			s.Handle(context.Background(), c.m, done)
			waitDone(t, ch)
			recs, dls := p.topic("ometria.records"), p.topic("ometria.dlq")
			if len(recs) != c.records {
				t.Fatalf("%d records, want %d", len(recs), c.records)
			}
			for _, r := range recs {
				if string(r.Key) != "acme" || hdr(r, HeaderRecordType) != "contact" || hdr(r, HeaderRecordID) != "l1" ||
					hdr(r, HeaderSourceTopic) != "rudder.events" || hdr(r, HeaderSourcePartition) != "2" || hdr(r, HeaderSourceOffset) != "41" {
					t.Fatalf("record key %q headers %v", r.Key, r.Headers)
				}
			}
			if c.deadLetter == "" {
				if len(dls) != 0 {
					t.Fatalf("unexpected dead letter %v", dls[0].Headers)
				}
				return
			}
			if len(dls) != 1 {
				t.Fatalf("%d dead letters, want 1", len(dls))
			}
			d := dls[0]
			if string(d.Value) != string(c.m.Value) || hdr(d, HeaderReason) != c.deadLetter || hdr(d, HeaderStage) != string(config.StageMap) ||
				hdr(d, HeaderAttempt) != "1" || hdr(d, HeaderSourceOffset) != "41" || hdr(d, HeaderFirstFailed) != "2026-01-02T03:04:05.000Z" ||
				hdr(d, HeaderLastFailed) == "" || !strings.Contains(hdr(d, HeaderMessage), c.deadLetter) ||
				hdr(d, HeaderGroup) != "ko-map" || hdr(d, HeaderSourceTimestamp) != "2026-01-02T03:00:00.000Z" {
				t.Fatalf("dead letter %q with headers %v", d.Value, d.Headers)
			}
		})
	}
}

func TestMapStageBatchEnvelope(t *testing.T) {
	p := &fakeProducer{}
	s := newMapStage(t, p)
	bad := `{"type":"track"}`
	m := kafka.Message{Topic: "rudder.events", Value: []byte(`{"batch":[` + identifyEvent + `,` + bad + `,{"type":"page"}]}`)}
	done, ch := doneOnce(t)
	s.Handle(context.Background(), m, done)
	waitDone(t, ch)
	recs, dls := p.topic("ometria.records"), p.topic("ometria.dlq")
	if len(recs) != 1 || len(dls) != 1 {
		t.Fatalf("%d records and %d dead letters, want 1 and 1", len(recs), len(dls))
	}
	if string(dls[0].Value) != bad || hdr(dls[0], HeaderBatchIndex) != "1" || hdr(recs[0], HeaderBatchIndex) != "0" {
		t.Fatalf("dead letter %q (index %q), record index %q", dls[0].Value, hdr(dls[0], HeaderBatchIndex), hdr(recs[0], HeaderBatchIndex))
	}
}

func TestMapStageRetriesFailedProduce(t *testing.T) {
	p := &fakeProducer{fail: 2}
	s := newMapStage(t, p)
	done, ch := doneOnce(t)
	s.Handle(context.Background(), kafka.Message{Value: []byte(identifyEvent)}, done)
	waitDone(t, ch)
	if p.calls != 3 || len(p.topic("ometria.records")) != 1 {
		t.Fatalf("%d produce calls, %d records; want 3 and 1", p.calls, len(p.topic("ometria.records")))
	}
}

// pushSetup returns a push stage over an emulator with the account "acme" (key "k").
func pushSetup(t *testing.T, stage config.Stage) (*PushStage, *fakeProducer, *ometriatest.Server) {
	srv := ometriatest.NewServer(ometriatest.Config{}, ometriatest.Account{Name: "acme", Key: "k", RateLimit: math.Inf(1)})
	t.Cleanup(srv.Close)
	sk, err := sink.New(sink.Config{BaseURL: srv.URL(), Linger: time.Millisecond, Unavailable: time.Hour, MaxAttempts: 2, RetryInitial: time.Millisecond},
		func(n string) (sink.Account, bool) { return sink.Account{Key: "k", Rate: 1000}, n == "acme" })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sk.Close(context.Background()) })
	p := &fakeProducer{}
	retry := config.DefaultRetry()
	retry.MaxAttempts = 3
	return &PushStage{Stage: stage, Group: "ko-" + string(stage), RetryTopic: "ometria.retry", DeadLetterTopic: "ometria.dlq", Sink: sk, Producer: p,
		Metrics: NewMetrics(nil), Log: zap.NewNop(), Retry: retry}, p, srv
}

func recordMsg(account, id, js string, hs ...kafka.Header) kafka.Message {
	return kafka.Message{Topic: "ometria.records", Key: []byte(account), Value: []byte(js),
		Headers: append([]kafka.Header{h(HeaderRecordType, "contact"), h(HeaderRecordID, id)}, hs...)}
}

func TestPushStage(t *testing.T) {
	s, p, srv := pushSetup(t, config.StagePush)
	push := func(m kafka.Message) {
		t.Helper()
		done, ch := doneOnce(t)
		s.Handle(context.Background(), m, done)
		waitDone(t, ch)
	}
	push(recordMsg("acme", "c1", `{"@type":"contact","id":"c1","email":"a@example.com"}`))
	if _, ok := srv.Record("acme", "contact", "", "c1"); !ok {
		t.Fatal("the accepted record is not at the emulator")
	}
	push(recordMsg("acme", "c2", `{"@type":"contact","id":"c2","email":"a@example.com","gender":"x"}`))
	dls := p.topic("ometria.dlq")
	if len(dls) != 1 || hdr(dls[0], HeaderReason) != ReasonRejected || hdr(dls[0], HeaderStage) != string(config.StagePush) ||
		!strings.Contains(hdr(dls[0], HeaderMessage), "gender") || hdr(dls[0], HeaderGroup) != "ko-push" ||
		hdr(dls[0], HeaderRequestID) == "" || !strings.Contains(hdr(dls[0], HeaderErrorPath), "gender") {
		t.Fatalf("dead letters %v", dls)
	}
	push(recordMsg("nobody", "c3", `{"@type":"contact","id":"c3","email":"a@example.com"}`))
	if dls := p.topic("ometria.dlq"); len(dls) != 2 || hdr(dls[1], HeaderReason) != ReasonUnknownAccount {
		t.Fatalf("dead letters %v", dls)
	}
	// A refused key parks the record, attempt 1, due a minute later.
	srv.SetFaults(ometriatest.Faults{Forbidden: []string{"acme"}})
	push(recordMsg("acme", "c4", `{"@type":"contact","id":"c4","email":"a@example.com"}`))
	rs := p.topic("ometria.retry")
	if len(rs) != 1 || hdr(rs[0], HeaderAttempt) != "1" || hdr(rs[0], HeaderReason) != "account_unavailable" || hdr(rs[0], HeaderNextAttempt) == "" {
		t.Fatalf("retries %v", rs)
	}
	next, _ := headerTime(&rs[0], HeaderNextAttempt)
	if d := time.Until(next); d < 50*time.Second || d > 61*time.Second {
		t.Fatalf("next attempt in %v, want about a minute", d)
	}
	// The last attempt dead-letters it.
	last := rs[0]
	last.Headers = withHeaders(last.Headers, h(HeaderAttempt, "3"))
	push(last)
	if dls := p.topic("ometria.dlq"); len(dls) != 3 || hdr(dls[2], HeaderReason) != ReasonRetriesExhausted || hdr(dls[2], HeaderAttempt) != "4" {
		t.Fatalf("dead letters %v", dls)
	}
}

func TestRetryStageWaitsUntilDue(t *testing.T) {
	s, _, srv := pushSetup(t, config.StageRetry)
	r := RetryStage{s}
	due := time.Now().Add(300 * time.Millisecond)
	m := recordMsg("acme", "c1", `{"@type":"contact","id":"c1","email":"a@example.com"}`, h(HeaderNextAttempt, formatTime(due)))
	done, ch := doneOnce(t)
	start := time.Now()
	r.Handle(context.Background(), m, done)
	waitDone(t, ch)
	if time.Since(start) < 250*time.Millisecond {
		t.Fatal("pushed before it was due")
	}
	if _, ok := srv.Record("acme", "contact", "", "c1"); !ok {
		t.Fatal("not pushed")
	}
	// Cancelled while waiting: given back at once, to be read again later.
	ctx, cancel := context.WithCancel(context.Background())
	m2 := recordMsg("acme", "c2", `{"@type":"contact","id":"c2","email":"a@example.com"}`, h(HeaderNextAttempt, formatTime(time.Now().Add(time.Hour))))
	done2, ch2 := doneOnce(t)
	r.Handle(ctx, m2, done2)
	cancel()
	if err := waitAck(t, ch2); err == nil {
		t.Fatal("a record cancelled while it waited was acked as finished")
	}
	if _, ok := srv.Record("acme", "contact", "", "c2"); ok {
		t.Fatal("a record cancelled while it waited was pushed")
	}
}

// Two accounts share a retry partition: the record due soon must not wait behind the
// one due in ten minutes.
func TestRetryStageDoesNotBlockBehindALaterRecord(t *testing.T) {
	s, _, srv := pushSetup(t, config.StageRetry)
	r := RetryStage{s}
	late := recordMsg("acme", "c1", `{"@type":"contact","id":"c1","email":"a@example.com"}`,
		h(HeaderNextAttempt, formatTime(time.Now().Add(10*time.Minute))))
	soon := recordMsg("acme", "c2", `{"@type":"contact","id":"c2","email":"b@example.com"}`,
		h(HeaderNextAttempt, formatTime(time.Now().Add(2*time.Second))))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lateAck, lateCh := doneOnce(t)
	soonAck, soonCh := doneOnce(t)
	start := time.Now()
	r.Handle(ctx, late, lateAck) // one partition: the engine hands these out one after the other
	r.Handle(ctx, soon, soonAck)
	waitDone(t, soonCh)
	// Due at 2 s, pushed by about T + 1 s: an account quiet for a second waits one second
	// before its first push (the sink's cold start, which keeps its rate across processes).
	if took := time.Since(start); took > 3500*time.Millisecond {
		t.Fatalf("the record due in 2 s was pushed after %v, want by about 3 s", took)
	}
	if _, ok := srv.Record("acme", "contact", "", "c2"); !ok {
		t.Fatal("the record due in 2 s is not at the emulator")
	}
	cancel()
	if err := waitAck(t, lateCh); err == nil {
		t.Fatal("the record due in 10 minutes was finished, not given back, at cancel")
	}
}

// A sink that gives every record back (ErrNotDone) must see each message acked with an
// error, so that its slots are freed.
type notDonePusher struct{}

func (notDonePusher) Write(_ context.Context, r sink.Record) error {
	go r.Done(sink.ErrNotDone)
	return nil
}

func TestPushStageGivesBackWhatTheSinkDidNotFinish(t *testing.T) {
	s := &PushStage{Stage: config.StagePush, Sink: notDonePusher{}, Metrics: NewMetrics(nil), Log: zap.NewNop()}
	for i := 0; i < 7; i++ {
		ack, ch := doneOnce(t)
		s.Handle(context.Background(), recordMsg("acme", "c", `{}`), ack)
		if err := waitAck(t, ch); !errors.Is(err, sink.ErrNotDone) {
			t.Fatalf("message %d acked with %v, want sink.ErrNotDone (given back)", i, err)
		}
	}
}

func TestRetryMaxAgeDeadLetters(t *testing.T) {
	s, p, srv := pushSetup(t, config.StageRetry)
	srv.SetFaults(ometriatest.Faults{Forbidden: []string{"acme"}})
	old := formatTime(time.Now().Add(-48 * time.Hour)) // the default max age is 24h
	m := recordMsg("acme", "c1", `{"@type":"contact","id":"c1","email":"a@example.com"}`, h(HeaderFirstFailed, old), h(HeaderAttempt, "1"))
	done, ch := doneOnce(t)
	s.Handle(context.Background(), m, done)
	waitDone(t, ch)
	dls := p.topic("ometria.dlq")
	if len(dls) != 1 || hdr(dls[0], HeaderReason) != ReasonRetryExpired || hdr(dls[0], HeaderFirstFailed) != old || len(p.topic("ometria.retry")) != 0 {
		t.Fatalf("dead letters %v, retries %v", dls, p.topic("ometria.retry"))
	}
}

func TestMapStageUnknownAccountSaysWhy(t *testing.T) {
	p := &fakeProducer{}
	s := newMapStage(t, p)
	done, ch := doneOnce(t)
	s.Handle(context.Background(), kafka.Message{Value: []byte(identifyEvent), Headers: []kafka.Header{h("ometria-account", "nobody")}}, done)
	waitDone(t, ch)
	dls := p.topic("ometria.dlq")
	if len(dls) != 1 || hdr(dls[0], HeaderReason) != "unknown_account" ||
		hdr(dls[0], HeaderMessage) != `unknown_account: the ometria-account header names "nobody", which is not a configured account` {
		t.Fatalf("dead letters %v", dls)
	}
}
