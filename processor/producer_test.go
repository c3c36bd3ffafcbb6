package processor

import (
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kafka-ometria/kafka-ometria/group"

	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

func TestPermanent(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{kafka.MessageTooLargeError{}, true},
		{fmt.Errorf("produce: %w", kafka.MessageTooLargeError{}), true},
		{kafka.MessageSizeTooLarge, true},
		{fmt.Errorf("%w: the request included a message larger than the max message size the server will accept", kafka.MessageSizeTooLarge), true},
		{kafka.RecordListTooLarge, true},
		{kafka.InvalidRecord, true},
		{kafka.NotLeaderForPartition, false},
		{kafka.LeaderNotAvailable, false},
		{kafka.NotEnoughReplicas, false},
		{kafka.RequestTimedOut, false},
		{kafka.TopicAuthorizationFailed, false}, // an operator may grant it
		{io.ErrUnexpectedEOF, false},
		{syscall.ECONNREFUSED, false},
		{context.DeadlineExceeded, false},
		{io.ErrClosedPipe, false},
		{errors.New("[10] Message Size Too Large"), false}, // by type, not by text
	} {
		if got := permanent(c.err); got != c.want {
			t.Errorf("permanent(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// scriptedProducer answers each Produce call with the next error of errs (nil once they
// are spent), synchronously when sync is set.
type scriptedProducer struct {
	mu    sync.Mutex
	errs  []error
	calls int
	sync  bool
}

func (p *scriptedProducer) Produce(_ []kafka.Message, done func(error)) {
	p.mu.Lock()
	p.calls++
	var err error
	if len(p.errs) > 0 {
		err, p.errs = p.errs[0], p.errs[1:]
	}
	p.mu.Unlock()
	if p.sync {
		done(err)
		return
	}
	go done(err)
}

func (p *scriptedProducer) callCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// ackOnce returns an ack that fails the test when called twice, and the channel of its error.
func ackOnce(t *testing.T) (func(error), chan error) {
	ch := make(chan error, 2)
	var mu sync.Mutex
	n := 0
	return func(err error) {
		mu.Lock()
		n++
		if n > 1 {
			t.Error("ack called twice")
		}
		mu.Unlock()
		ch <- err
	}, ch
}

func waitAckWithin(t *testing.T, ch chan error, d time.Duration) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(d):
		t.Fatal("ack was not called")
		return nil
	}
}

// abandonable returns a Handler's ctx whose generation is abandoned when the returned
// func is called.
func abandonable() (context.Context, context.CancelFunc) {
	a, cancel := context.WithCancel(context.Background())
	return group.WithAbandoned(context.Background(), a), cancel
}

// TestProduceUntilDone: ack is called exactly once: nil after transient failures are
// retried through; at once with a permanent error; with the last error once the
// generation is abandoned.
func TestProduceUntilDone(t *testing.T) {
	msgs := []kafka.Message{{Topic: "t", Value: []byte("v")}}
	for _, sync := range []bool{false, true} {
		t.Run(fmt.Sprintf("sync=%v", sync), func(t *testing.T) {
			t.Run("transient", func(t *testing.T) {
				p := &scriptedProducer{errs: []error{kafka.NotLeaderForPartition, io.ErrUnexpectedEOF}, sync: sync}
				ack, ch := ackOnce(t)
				produceUntilDone(context.Background(), p, zap.NewNop(), nil, msgs, ack)
				if err := waitAckWithin(t, ch, 5*time.Second); err != nil || p.callCount() != 3 {
					t.Fatalf("ack(%v) after %d calls, want nil after 3", err, p.callCount())
				}
			})
			t.Run("refused", func(t *testing.T) {
				// Kafka refuses the message twice for good (too large for the topic): it
				// is not acked (not finished, not given back, so the partition neither
				// commits past it nor rebalances over it, and its stall shows), it is
				// counted, and it is tried again after a wait; the third try passes.
				p := &scriptedProducer{errs: []error{kafka.MessageTooLargeError{}, kafka.InvalidRecord}, sync: sync}
				m := NewMetrics(nil)
				ack, ch := ackOnce(t)
				pr := &production{p: p, log: zap.NewNop(), metrics: m, msgs: msgs, ack: ack,
					abandoned: context.Background(), refusedWait: 200 * time.Millisecond}
				pr.attempt()
				select {
				case err := <-ch:
					t.Fatalf("ack(%v) at once: a refused message must wait, neither finished nor given back", err)
				case <-time.After(150 * time.Millisecond):
				}
				if err := waitAckWithin(t, ch, 5*time.Second); err != nil || p.callCount() != 3 {
					t.Fatalf("ack(%v) after %d calls, want nil after 3", err, p.callCount())
				}
				if got := testutil.ToFloat64(m.produceRefused.WithLabelValues("t")); got != 2 {
					t.Fatalf("%s{topic=t} = %v, want 2", MetricProduceRefused, got)
				}
			})
			t.Run("refused then abandoned", func(t *testing.T) {
				p := &scriptedProducer{errs: []error{kafka.MessageSizeTooLarge, kafka.MessageSizeTooLarge}, sync: sync}
				ctx, abandon := abandonable()
				ack, ch := ackOnce(t)
				produceUntilDone(ctx, p, zap.NewNop(), nil, msgs, ack)
				time.Sleep(100 * time.Millisecond)
				abandon()
				if err := waitAckWithin(t, ch, time.Second); !errors.Is(err, kafka.MessageSizeTooLarge) || p.callCount() != 1 {
					t.Fatalf("ack(%v) after %d calls, want the refusal after 1: given back once the generation is gone", err, p.callCount())
				}
			})
			t.Run("abandoned while waiting", func(t *testing.T) {
				errs := make([]error, 1000)
				for i := range errs {
					errs[i] = kafka.LeaderNotAvailable
				}
				p := &scriptedProducer{errs: errs, sync: sync}
				ctx, abandon := abandonable()
				ack, ch := ackOnce(t)
				produceUntilDone(ctx, p, zap.NewNop(), nil, msgs, ack)
				time.Sleep(500 * time.Millisecond)
				abandon()
				if err := waitAckWithin(t, ch, time.Second); !errors.Is(err, kafka.LeaderNotAvailable) {
					t.Fatalf("ack(%v), want the last error", err)
				}
				n := p.callCount()
				time.Sleep(300 * time.Millisecond)
				if n < 2 || p.callCount() != n {
					t.Fatalf("%d calls, then %d after the ack: want retries before it and none after", n, p.callCount())
				}
			})
			t.Run("already abandoned", func(t *testing.T) {
				p := &scriptedProducer{errs: []error{kafka.LeaderNotAvailable}, sync: sync}
				ctx, abandon := abandonable()
				abandon()
				ack, ch := ackOnce(t)
				produceUntilDone(ctx, p, zap.NewNop(), nil, msgs, ack)
				if err := waitAckWithin(t, ch, time.Second); !errors.Is(err, kafka.LeaderNotAvailable) || p.callCount() != 1 {
					t.Fatalf("ack(%v) after %d calls, want the error after 1", err, p.callCount())
				}
			})
		})
	}
}

// TestKafkaProducerAcksEveryProduce: every Produce call is answered once, across topics
// and writers, also when a writer refuses some of its messages at once.
func TestKafkaProducerAcksEveryProduce(t *testing.T) {
	brokers := kfakeCluster(t, 0)
	p := newTestProducer(t, brokers, "ometria.records", "ometria.dlq")
	big := make([]byte, 2<<20) // over every writer's BatchBytes
	for _, msgs := range [][]kafka.Message{
		{{Topic: "ometria.records", Value: []byte("r")}, {Topic: "ometria.dlq", Value: []byte("d")}, {Topic: "ometria.records", Value: []byte("r2")}},
		{{Topic: "ometria.records", Value: []byte("r")}, {Topic: "ometria.dlq", Value: big}},
		{},
	} {
		ack, ch := ackOnce(t)
		p.Produce(msgs, ack)
		err := waitAckWithin(t, ch, 10*time.Second)
		tooLarge := len(msgs) == 2
		if (err != nil) != tooLarge || (tooLarge && !permanent(err)) {
			t.Fatalf("%d messages: %v", len(msgs), err)
		}
	}
}
