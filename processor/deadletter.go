package processor

import (
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/config"
)

// failure describes why a message is dead-lettered or parked.
type failure struct {
	stage   config.Stage
	reason  string
	message string
	account string
	group   string // the stage's consumer group
	// From Ometria, for a record it rejected: its request_id and error_path.
	requestID, errorPath string
}

// deadLetter builds the dead letter of value, read as m by stage f.stage: the value
// unchanged (empty, not null, when it is empty), the headers saying why and where from,
// extra added. A message that was already a dead letter or a retry keeps its source, its
// first failure time and counts its attempts. One whose messageSize is over limit, the
// dead-letter topic's, is cut to fit (fitDeadLetter): reason is the reason it carries,
// message_too_large when it was cut. When it cannot fit even cut, it is returned whole,
// and its produce fails.
func deadLetter(topic string, limit int, m *kafka.Message, value []byte, f failure, now time.Time, extra ...kafka.Header) (dl kafka.Message, reason string) {
	dl = kafka.Message{
		Topic:   topic,
		Key:     m.Key,
		Value:   nonNull(value),
		Headers: failureHeaders(m, f, now, extra),
	}
	dl, _ = fitDeadLetter(dl, limit)
	reason, _ = header(&dl, HeaderReason)
	return dl, reason
}

// failureHeaders are the headers of a dead letter or retry of m.
func failureHeaders(m *kafka.Message, f failure, now time.Time, extra []kafka.Header) []kafka.Header {
	hs := m.Headers
	if _, ok := header(m, HeaderSourceTopic); !ok {
		hs = append(append([]kafka.Header(nil), hs...), sourceHeaders(m)...)
	}
	attempt := headerInt(m, HeaderAttempt) + 1
	first := formatTime(now)
	if t, ok := headerTime(m, HeaderFirstFailed); ok {
		first = formatTime(t)
	}
	set := []kafka.Header{
		h(HeaderReason, f.reason),
		h(HeaderMessage, boundMessage(f.message)),
		h(HeaderStage, string(f.stage)),
		h(HeaderAttempt, strconv.FormatInt(attempt, 10)),
		h(HeaderFirstFailed, first),
		h(HeaderLastFailed, formatTime(now)),
	}
	for _, x := range []struct{ key, value string }{
		{HeaderAccount, f.account}, {HeaderGroup, f.group}, {HeaderRequestID, f.requestID}, {HeaderErrorPath, f.errorPath},
	} {
		if x.value != "" {
			set = append(set, h(x.key, x.value))
		}
	}
	return withHeaders(hs, append(set, extra...)...)
}
