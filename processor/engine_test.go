package processor

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/group"
	"github.com/kafka-ometria/kafka-ometria/sink"
)

// These tests run the stages through the consumer-group engine (group.Run) on kfake, as
// production does, rather than calling Handle directly.

// engineCluster returns the brokers of a one-broker kfake cluster with topics of one
// partition each.
func engineCluster(t *testing.T, topics ...string) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topics...),
		kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

func produceTo(t *testing.T, brokers []string, topic string, msgs ...kafka.Message) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer w.Close()
	for i := range msgs {
		msgs[i].Topic = ""
	}
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatalf("producing to %s: %v", topic, err)
	}
}

// gauge reads the value of the gauge name with the given labels from what reg gathers
// (the metrics as /metrics serves them); ok is false when there is no such series.
func gauge(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) (v float64, ok bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, want := range labels {
				if have[k] != want {
					continue series
				}
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting until %s", d, what)
		}
	}
}

// holdingPusher is a sink that keeps every record it is given and answers each with
// sink.ErrNotDone: when giveBack is called (the sink shutting down), or once the
// record's Ctx is done (a record abandoned at the end of its generation), whichever
// comes first.
type holdingPusher struct {
	mu       sync.Mutex
	held     []*sync.Once
	recs     []sink.Record
	answered int
}

func (p *holdingPusher) Write(_ context.Context, r sink.Record) error {
	once := new(sync.Once)
	p.mu.Lock()
	p.held, p.recs = append(p.held, once), append(p.recs, r)
	p.mu.Unlock()
	go func() {
		<-r.Ctx.Done()
		p.answer(once, r)
	}()
	return nil
}

func (p *holdingPusher) answer(once *sync.Once, r sink.Record) {
	once.Do(func() {
		r.Done(sink.ErrNotDone)
		p.mu.Lock()
		p.answered++
		p.mu.Unlock()
	})
}

// giveBack answers every record held with sink.ErrNotDone.
func (p *holdingPusher) giveBack() {
	p.mu.Lock()
	held, recs := p.held, p.recs
	p.mu.Unlock()
	for i := range held {
		p.answer(held[i], recs[i])
	}
}

func (p *holdingPusher) counts() (written, answered int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.recs), p.answered
}

// TestPushStageThroughTheEngineFreesWhatTheSinkGivesBack (issue 11, defect 3): the push
// stage runs in group.Run with a room of 10 and the Prometheus hooks processor uses; the
// sink answers its 7 records sink.ErrNotDone. Once the generation has ended, all 7 slots
// are free: the room is empty and kafka_ometria_in_flight reads 0. Both ways a sink gives
// records back: as it shuts down during the drain (each ack frees its slot, so the drain
// does not time out), and only once the records are abandoned after a drain that timed
// out (the generation frees them; the late answers free nothing twice).
func TestPushStageThroughTheEngineFreesWhatTheSinkGivesBack(t *testing.T) {
	for _, c := range []struct {
		name         string
		drainTimeout time.Duration
		giveBack     bool // the sink answers during the drain; else only once abandoned
	}{
		{"given back during the drain", 5 * time.Second, true},
		{"given back once abandoned", 200 * time.Millisecond, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			brokers := engineCluster(t, config.DefaultRecordsTopic)
			var msgs []kafka.Message
			for i := range 7 {
				msgs = append(msgs, recordMsg("acme", fmt.Sprint("c", i), `{"@type":"contact","id":"c"}`))
			}
			produceTo(t, brokers, config.DefaultRecordsTopic, msgs...)

			reg := prometheus.NewPedanticRegistry()
			metrics := NewMetrics(reg)
			pusher := &holdingPusher{}
			stage := &PushStage{Stage: config.StagePush, Group: config.StagePush.GroupID("ko"), RetryTopic: config.DefaultRetryTopic,
				DeadLetterTopic: config.DefaultDeadLetterTopic, Retry: config.DefaultRetry(), Sink: pusher, Producer: &fakeProducer{},
				Metrics: metrics, Log: zap.NewNop()}
			core, logs := observer.New(zapcore.InfoLevel)
			room := group.NewRoom(10)
			gc := group.Config{Brokers: brokers, GroupID: stage.Group, Topics: []string{config.DefaultRecordsTopic}, Room: room,
				CommitInterval: 50 * time.Millisecond, DrainTimeout: c.drainTimeout, HeartbeatInterval: 100 * time.Millisecond,
				SessionTimeout: 10 * time.Second, RebalanceTimeout: 10 * time.Second, JoinGroupBackoff: 100 * time.Millisecond,
				Logger: zap.New(core)}
			metrics.groupHooks(string(config.StagePush), gc.GroupID, &gc, nil)
			inFlight := func() float64 {
				v, _ := gauge(t, reg, MetricInFlight, map[string]string{"stage": string(config.StagePush)})
				return v
			}

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- group.Run(ctx, gc, stage.Handle) }()
			eventually(t, 20*time.Second, "the sink holds the 7 records", func() bool { n, _ := pusher.counts(); return n == 7 })
			if n, v := room.Held(), inFlight(); n != 7 || v != 7 {
				t.Fatalf("the sink holds 7 records: the room holds %d slots and %s reads %v, want 7 and 7", n, MetricInFlight, v)
			}

			cancel() // the generation ends: a shutdown
			if c.giveBack {
				pusher.giveBack()
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("group.Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("group.Run did not return 20 s after cancel")
			}
			eventually(t, 5*time.Second, "the sink answered all 7", func() bool { _, n := pusher.counts(); return n == 7 })
			if n, v := room.Held(), inFlight(); n != 0 || v != 0 {
				t.Fatalf("after the generation ended the room holds %d slots and %s reads %v, want 0 and 0", n, MetricInFlight, v)
			}
			timedOut := logs.FilterMessage("drain timed out: unfinished messages will be read again").Len() > 0
			if c.giveBack && timedOut {
				t.Fatal("the drain timed out: the records the sink gave back did not free their slots")
			}
			if !c.giveBack && !timedOut {
				t.Fatal("the drain did not time out: the test proves nothing of abandoned records")
			}
		})
	}
}
