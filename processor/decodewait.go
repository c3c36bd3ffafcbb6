package processor

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/decode"
)

// Reasons of kafka_ometria_schema_registry_retries_total.
const (
	registryUnavailable  = "unavailable"  // no answer, a timeout, a 5xx, an answer that is not the registry's
	registryUnauthorized = "unauthorized" // 401 or 403: the credentials are wrong
)

// registryLogEvery bounds the map stage's log lines about a registry that does not answer.
const registryLogEvery = 10 * time.Second

// FormatOf returns the format of a message of the map stage: its topic's
// (topics.formats), or, for the replay topic, the format of the topic named in its
// ometria-source-topic header, where the event was first read (json without one).
func FormatOf(t *config.Topics) func(m *kafka.Message) decode.Format {
	return func(m *kafka.Message) decode.Format {
		topic := m.Topic
		if topic == t.Replay {
			topic, _ = header(m, HeaderSourceTopic)
		}
		return decode.Format(t.FormatOf(topic))
	}
}

// registryWait is the map stage's waiting for a schema registry that does not answer:
// its backoff settings and its rate-limited logging.
type registryWait struct {
	Initial, Max time.Duration // the backoff between tries; default 200ms and 30s
	lastLog      atomic.Int64  // unix nanoseconds of the last log line
	lastBack     atomic.Int64  // of the last "answers again" line
}

// decode returns m's event as JSON, decoded into dst by format f. While the registry
// gives no usable answer (decode.UnavailableError) it tries again with an exponential
// backoff, for as long as ctx lasts: the partition waits, and nothing is dead-lettered
// for it. It returns a *decode.Error for a message that cannot be decoded (dead-letter
// it), or the last error when ctx ended first (give the message back).
func (s *MapStage) decode(ctx context.Context, m *kafka.Message, f decode.Format, dst []byte) ([]byte, error) {
	var b backoff.BackOff
	attempts := 0
	defer func() {
		if attempts > 0 { // it waited: counted in registryWaiting from its first failed try
			s.Metrics.registryWaiting.Dec()
		}
	}()
	for {
		out, err := s.Decoder.Decode(ctx, f, m.Value, dst)
		var u *decode.UnavailableError
		if !errors.As(err, &u) {
			if attempts > 0 && err == nil {
				s.logBack(m, attempts)
			}
			return out, err
		}
		if ctx.Err() != nil {
			return nil, err
		}
		if b == nil {
			initial, max := s.RegistryWait.Initial, s.RegistryWait.Max
			if initial <= 0 {
				initial = 200 * time.Millisecond
			}
			if max <= 0 {
				max = 30 * time.Second
			}
			b = backoff.NewExponentialBackOff(backoff.WithInitialInterval(initial), backoff.WithMaxInterval(max), backoff.WithMaxElapsedTime(0))
		}
		if attempts == 0 {
			s.Metrics.registryWaiting.Inc()
		}
		attempts++
		wait := b.NextBackOff()
		reason := registryUnavailable
		if u.Unauthorized {
			reason = registryUnauthorized
		}
		s.Metrics.registryRetries.WithLabelValues(reason).Inc()
		s.logWait(m, u, attempts, wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
	}
}

// logWait logs a failed try, at most once every registryLogEvery for the whole stage:
// an error for refused credentials (a configuration problem), a warning otherwise.
func (s *MapStage) logWait(m *kafka.Message, u *decode.UnavailableError, attempt int, wait time.Duration) {
	if !due(&s.RegistryWait.lastLog) {
		return
	}
	fields := []zap.Field{zap.String("topic", m.Topic), zap.Int("partition", m.Partition), zap.Int64("offset", m.Offset),
		zap.Uint32("schema_id", u.ID), zap.Int("attempt", attempt), zap.Duration("next_try_in", wait), zap.Error(u)}
	if u.Unauthorized {
		s.Log.Error("the schema registry refuses kafka-ometria's credentials: the partition waits (fix schema_registry.username and its password)", fields...)
		return
	}
	s.Log.Warn("the schema registry does not answer: the partition waits and tries again", fields...)
}

func (s *MapStage) logBack(m *kafka.Message, attempts int) {
	if due(&s.RegistryWait.lastBack) {
		s.Log.Info("the schema registry answers again", zap.String("topic", m.Topic), zap.Int("partition", m.Partition),
			zap.Int64("offset", m.Offset), zap.Int("attempts", attempts+1))
	}
}

// due reports whether registryLogEvery has passed since *last, and if so sets it to now.
func due(last *atomic.Int64) bool {
	now := time.Now().UnixNano()
	prev := last.Load()
	return now-prev >= int64(registryLogEvery) && last.CompareAndSwap(prev, now)
}
