package processor

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"
)

// How large a message a topic takes.
//
// The broker refuses a record batch longer than the topic's max.message.bytes; a batch is
// 61 bytes of header, then its records. kafka-go refuses, before sending, a message whose
// size by its own count (messageSize) is over the Writer's BatchBytes, and fills a batch
// up to BatchBytes by the same count. That count gives each message 22 bytes of framing
// (those of the old v1 format); a v2 record's framing is varints: its length (at most 4
// bytes under 128 MiB), attributes (1), timestamp delta (1: kafka-go stamps every record
// of a batch that has no Time of its own with the same time, and KafkaProducer clears
// Time), offset delta (at most 2 in a batch of 500), key and value lengths (at most 4
// each): 16 bytes at most, under 22. Headers are counted alike. So a batch that kafka-go
// fills to BatchBytes is at most 61 + BatchBytes long on the wire, and a writer whose
// BatchBytes is the topic's limit minus 61 sends only what the broker takes.
const (
	// recordBatchOverhead is the header of a v2 record batch, offset and length included.
	recordBatchOverhead = 61
	// DefaultMaxMessageBytes is the max.message.bytes assumed for a topic whose limit and
	// broker default could not be read: 1 MiB, a little under Kafka's default of 1,048,588.
	DefaultMaxMessageBytes = 1 << 20
	// maxMessageHeader bounds the ometria-message header of dead letters and retries.
	maxMessageHeader = 1024
	// maxOwnHeader bounds each of kafka-ometria's headers on a dead letter whose headers
	// alone were over its topic's limit.
	maxOwnHeader = 256
)

// batchBytes is the kafka-go BatchBytes, and the largest messageSize, for a topic whose
// max.message.bytes is limit.
func batchBytes(limit int) int { return max(limit-recordBatchOverhead, 1) }

// messageSize is the size of m as kafka-go counts it against BatchBytes
// (kafka.Message.totalSize, unexported).
func messageSize(m *kafka.Message) int {
	n := 4 + 1 + 1 + 4 + len(m.Key) + 4 + len(m.Value) + 8 + varintLen(len(m.Headers))
	for _, h := range m.Headers {
		n += varintLen(len(h.Key)) + len(h.Key) + varintLen(len(h.Value)) + len(h.Value)
	}
	return n
}

func varintLen(n int) int {
	u := uint64(int64(n)<<1) ^ uint64(int64(n)>>63) // zig-zag
	l := 1
	for ; u >= 0x80; u >>= 7 {
		l++
	}
	return l
}

// sizeLimiter is implemented by producers that know how large a message each topic takes.
type sizeLimiter interface {
	// MaxMessageSize is the largest messageSize topic takes.
	MaxMessageSize(topic string) int
}

// maxMessageSize is the largest messageSize p can produce to topic: its own figure when
// it has one, else that of a topic with DefaultMaxMessageBytes.
func maxMessageSize(p Producer, topic string) int {
	if l, ok := p.(sizeLimiter); ok {
		return l.MaxMessageSize(topic)
	}
	return batchBytes(DefaultMaxMessageBytes)
}

// fitDeadLetter returns dl, a dead letter, as it fits in limit (a messageSize): dl itself
// when it fits; else dl with its value cut to fill the room its key and headers leave,
// reason message_too_large, and headers that say it was cut and what the whole value was
// (its size, its SHA-256, the reason it would have had; the source headers say where it
// is). When even the headers do not fit, only kafka-ometria's own are kept, each bounded;
// then the key is cut. false: it cannot fit (a limit smaller than a few KB).
func fitDeadLetter(dl kafka.Message, limit int) (kafka.Message, bool) {
	if messageSize(&dl) <= limit {
		return dl, true
	}
	value, size := dl.Value, messageSize(&dl)
	sum := sha256.Sum256(value)
	reason, _ := header(&dl, HeaderReason)
	why, _ := header(&dl, HeaderMessage)
	if !strings.HasPrefix(why, reason+":") {
		why = reason + ": " + why
	}
	cut := func(hs []kafka.Header, note string) kafka.Message {
		out := dl
		out.Value = []byte{}
		out.Headers = withHeaders(hs,
			h(HeaderReason, ReasonMessageTooLarge),
			h(HeaderMessage, boundMessage(fmt.Sprintf("%s: the dead letter (%d bytes) is over what %s takes (max.message.bytes %d): its value is cut from %d bytes%s; it was %s",
				ReasonMessageTooLarge, size, dl.Topic, limit+recordBatchOverhead, len(value), note, why))),
			h(HeaderOriginalReason, reason),
			h(HeaderTruncated, "true"),
			h(HeaderOriginalSize, strconv.Itoa(len(value))),
			h(HeaderOriginalSHA256, hex.EncodeToString(sum[:])))
		return out
	}
	out := cut(dl.Headers, "")
	if messageSize(&out) > limit {
		own := make([]kafka.Header, 0, len(dl.Headers))
		for _, x := range dl.Headers {
			if strings.HasPrefix(x.Key, "ometria-") && len(x.Key) <= maxOwnHeader {
				own = append(own, kafka.Header{Key: x.Key, Value: x.Value[:min(len(x.Value), maxOwnHeader)]})
			}
		}
		out = cut(own, fmt.Sprintf(" and %d of its %d headers are left out", len(dl.Headers)-len(own), len(dl.Headers)))
	}
	room := limit - messageSize(&out)
	if room < 0 && len(out.Key) > 0 {
		n := min(len(out.Key), -room)
		out.Key = out.Key[:len(out.Key)-n]
		room += n
	}
	if room < 0 {
		return dl, false
	}
	out.Value = value[:min(room, len(value)):min(room, len(value))]
	if out.Value == nil {
		out.Value = []byte{}
	}
	return out, true
}

// boundMessage cuts s to maxMessageHeader bytes, on a character boundary, marking the cut.
func boundMessage(s string) string {
	if len(s) <= maxMessageHeader {
		return s
	}
	const mark = "…"
	n := maxMessageHeader - len(mark)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + mark
}

// nonNull returns v, or an empty value when v is nil: kafka-go reads an empty value as
// nil and writes nil as null, which a compacted topic takes for a delete marker.
func nonNull(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}
