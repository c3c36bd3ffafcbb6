package processor

import (
	"context"
	"fmt"
	"math"
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
	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
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

// TestPushStageThroughTheEngineFreesWhatTheSinkGivesBack: the push
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
				v, _ := itest.Metric(t, reg, MetricInFlight, map[string]string{"stage": string(config.StagePush)})
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

// TestRetryStageThroughTheEngineDoesNotBlockAnotherAccount: two accounts share the retry topic's one partition. The retry stage runs as production
// runs it (processor.Run with stages [retry]); the first record, of acme, is due in ten
// minutes; the next, of beta, in 2 s. beta's record reaches Ometria (the emulator) at its
// due time plus a second (the sink's linger, 1 s by default, and its cold start for an
// account quiet for a second, which run together), not behind acme's.
func TestRetryStageThroughTheEngineDoesNotBlockAnotherAccount(t *testing.T) {
	t.Parallel()
	brokers := engineCluster(t, config.DefaultRecordsTopic, config.DefaultRetryTopic, config.DefaultDeadLetterTopic)
	emu := ometriatest.NewServer(ometriatest.Config{},
		ometriatest.Account{Name: "acme", Key: "key-acme", RateLimit: math.Inf(1)},
		ometriatest.Account{Name: "beta", Key: "key-beta", RateLimit: math.Inf(1)})
	t.Cleanup(emu.Close)
	cfg, err := config.Parse(fmt.Appendf(nil, `
kafka: {brokers: [%q]}
stages: [retry]
ometria: {base_url: %q}
accounts:
  acme: {api_key_env: KEY_ACME}
  beta: {api_key_env: KEY_BETA}
`, brokers[0], emu.URL()))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	done, stop := runInBackground(t, Options{Config: cfg, Registry: reg, Group: fastGroup(100 * time.Millisecond)})
	parked := func(account, id string, due time.Time) kafka.Message {
		return kafka.Message{Key: []byte(account), Value: fmt.Appendf(nil, `{"@type":"contact","id":%q,"email":"a@example.com"}`, id),
			Headers: []kafka.Header{h(HeaderRecordType, "contact"), h(HeaderRecordID, id), h(HeaderAttempt, "1"),
				h(HeaderNextAttempt, formatTime(due))}}
	}
	// acme's record first, at offset 0, and handed to the retry stage before beta's is
	// produced: beta's is behind it on the partition.
	produceTo(t, brokers, cfg.Topics.Retry, parked("acme", "c1", time.Now().Add(10*time.Minute)))
	eventually(t, 30*time.Second, "the retry stage holds acme's record", func() bool {
		select {
		case err := <-done:
			t.Fatalf("processor.Run returned: %v", err)
		default:
		}
		v, _ := itest.Metric(t, reg, MetricInFlight, map[string]string{"stage": string(config.StageRetry)})
		return v == 1
	})
	due := time.Now().Add(2 * time.Second)
	produceTo(t, brokers, cfg.Topics.Retry, parked("beta", "c2", due))

	// Pushed at T, it arrives by about T + 1 s (the linger and the cold start); a second more
	// for a loaded machine. Behind acme's, it would wait ten minutes.
	const slack = time.Second
	var arrived time.Time
	eventually(t, time.Until(due)+time.Second+slack+5*time.Second, "beta's record reaches the emulator", func() bool {
		for _, r := range emu.Requests("beta") {
			if r.Accepted > 0 {
				arrived = r.Time
				return true
			}
		}
		return false
	})
	if late := arrived.Sub(due); late < 0 || late > time.Second+slack {
		t.Fatalf("beta's record due at T arrived at T%+v, want between T and T+%v", late.Round(time.Millisecond), time.Second+slack)
	}
	t.Logf("beta's record due at T arrived at T+%v", arrived.Sub(due).Round(time.Millisecond))
	if _, ok := emu.Record("beta", "contact", "", "c2"); !ok {
		t.Fatal("beta's record is not at the emulator")
	}
	if n := emu.RequestCount("acme"); n != 0 {
		t.Fatalf("acme's record, due in ten minutes, was pushed (%d requests)", n)
	}
	stop()
}

// TestMapStageStartsTheReplayTopicWhereStartOffsetsSays: kafka.start_offsets reaches the
// map stage's group for topics.replay, which it reads besides the event topics. With
// latest, a new group skips what the replay topic already held and maps what comes after.
func TestMapStageStartsTheReplayTopicWhereStartOffsetsSays(t *testing.T) {
	t.Parallel()
	brokers := engineCluster(t, "rudder.events", config.DefaultReplayTopic, config.DefaultRecordsTopic, config.DefaultDeadLetterTopic)
	cfg, err := config.Parse(fmt.Appendf(nil, `
kafka: {brokers: [%q], start_offsets: {%s: latest}}
stages: [map]
topics: {events: [rudder.events]}
routing: {default_account: acme}
accounts:
  acme: {api_key_env: KEY_ACME}
`, brokers[0], config.DefaultReplayTopic))
	if err != nil {
		t.Fatal(err)
	}
	produceTo(t, brokers, cfg.Topics.Replay, kafka.Message{Value: []byte(identifyEvent)}) // offset 0: before the group
	done, stop := runInBackground(t, Options{Config: cfg, Group: fastGroup(50 * time.Millisecond)})
	mapGroup := config.StageMap.GroupID(cfg.Kafka.GroupID)
	committed := func() int64 {
		resp, err := (&kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 5 * time.Second}).OffsetFetch(context.Background(),
			&kafka.OffsetFetchRequest{GroupID: mapGroup, Topics: map[string][]int{cfg.Topics.Replay: {0}}})
		if err != nil || resp.Error != nil || len(resp.Topics[cfg.Topics.Replay]) != 1 {
			return -1
		}
		return resp.Topics[cfg.Topics.Replay][0].CommittedOffset
	}
	// The group commits where it starts (the end, 1) though no message came.
	eventually(t, 30*time.Second, "the map group commits its start on the replay topic", func() bool {
		select {
		case err := <-done:
			t.Fatalf("processor.Run returned: %v", err)
		default:
		}
		return committed() >= 1
	})
	produceTo(t, brokers, cfg.Topics.Replay, kafka.Message{Value: []byte(identifyEvent)}) // offset 1
	eventually(t, 30*time.Second, "the map group commits the replay topic's second message", func() bool { return committed() == 2 })
	stop()
	recs := readRaw(t, brokers, cfg.Topics.Records, 1)
	if got := rawHeader(recs[0], HeaderSourceOffset); got != "1" || rawHeader(recs[0], HeaderSourceTopic) != cfg.Topics.Replay {
		t.Fatalf("the record comes from %s offset %s, want %s offset 1", rawHeader(recs[0], HeaderSourceTopic), got, cfg.Topics.Replay)
	}
	conn, err := kafka.DialLeader(context.Background(), "tcp", brokers[0], cfg.Topics.Records, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if end, err := conn.ReadLastOffset(); err != nil || end != 1 {
		t.Fatalf("the records topic ends at %d (%v), want 1: the message before the group was mapped too", end, err)
	}
}

// fastGroup is a group config that joins, rebalances and commits (every commit) quickly.
func fastGroup(commit time.Duration) group.Config {
	return group.Config{CommitInterval: commit, DrainTimeout: time.Second, HeartbeatInterval: 100 * time.Millisecond,
		SessionTimeout: 10 * time.Second, RebalanceTimeout: 10 * time.Second, JoinGroupBackoff: 100 * time.Millisecond}
}

// runInBackground runs Run with o (and API keys "key-<account>") until stop, which fails
// the test unless Run then returns nil within 20 s; done receives Run's result, for a test
// that watches for an early return. stop runs at the end of the test too.
func runInBackground(t *testing.T, o Options) (done <-chan error, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	o.Keys = func(a string) (string, error) { return "key-" + a, nil }
	go func() { ch <- Run(ctx, o) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-ch:
				if err != nil {
					t.Errorf("processor.Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Error("processor.Run did not return 20 s after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return ch, stop
}
