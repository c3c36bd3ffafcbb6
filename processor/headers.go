package processor

import (
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// Kafka header names kafka-ometria writes. They are part of the contract with operators
// (dead letters) and between stages (records, retries).
const (
	// On records (ometria.records), retries (ometria.retry) and dead letters (ometria.dlq).
	HeaderAccount         = "ometria-account"          // the account name
	HeaderRecordType      = "ometria-record-type"      // contact, order, custom_event, product
	HeaderRecordID        = "ometria-record-id"        // the record's id
	HeaderSourceTopic     = "ometria-source-topic"     // where the event was read
	HeaderSourcePartition = "ometria-source-partition" //
	HeaderSourceOffset    = "ometria-source-offset"    //
	HeaderSourceTimestamp = "ometria-source-timestamp" // the event message's timestamp, RFC 3339, milliseconds
	HeaderBatchIndex      = "ometria-batch-index"      // the event's place in a {"batch": [...]} envelope

	// On dead letters and retries.
	HeaderReason      = "ometria-reason"       // machine-readable reason code
	HeaderMessage     = "ometria-message"      // human message
	HeaderStage       = "ometria-stage"        // map, push or retry: the stage that failed it (and that a replay feeds)
	HeaderAttempt     = "ometria-attempt"      // attempts so far
	HeaderFirstFailed = "ometria-first-failed" // RFC 3339, milliseconds
	HeaderLastFailed  = "ometria-last-failed"  // RFC 3339, milliseconds
	HeaderNextAttempt = "ometria-next-attempt" // on retries: when the retry stage pushes it again
	HeaderGroup       = "ometria-group"        // the consumer group of the stage that failed it
	// On push- and retry-stage dead letters of records Ometria rejected, when it said.
	HeaderRequestID = "ometria-request-id" // Ometria's request_id of the push that isolated the record
	HeaderErrorPath = "ometria-error-path" // Ometria's error_path, e.g. "root > lastname"

	// On a dead letter whose value was cut to fit the dead-letter topic (reason
	// message_too_large); the source headers say where the whole value is.
	HeaderTruncated      = "ometria-truncated"       // "true"
	HeaderOriginalSize   = "ometria-original-size"   // the whole value's length in bytes, decimal
	HeaderOriginalSHA256 = "ometria-original-sha256" // SHA-256 of the whole value, hex
	HeaderOriginalReason = "ometria-original-reason" // the reason it would have had, had it fit
)

// Reason codes of the push and retry stages (the map stage's are the mapper's), and
// message_too_large, of every stage.
const (
	ReasonRejected         = "rejected_by_ometria" // Ometria rejected the record
	ReasonUnknownAccount   = "unknown_account"     // a record for an account with no key
	ReasonRetriesExhausted = "retries_exhausted"   // the last retry attempt failed
	ReasonRetryExpired     = "retry_expired"       // parked longer than the retry stage's max age
	// A message too large for its topic: a record or retry too large for the records or
	// retry topic (dead-lettered instead), or a dead letter too large for the dead-letter
	// topic (written cut). Any stage.
	ReasonMessageTooLarge = "message_too_large"

	// Why a record was parked on the retry topic.
	ParkAccountUnavailable = "account_unavailable" // Ometria refuses the account's key
	ParkPushFailing        = "push_failing"        // the sink's retries were spent (429, 5xx, timeouts)
)

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func formatTime(t time.Time) string {
	var b [len(timeLayout)]byte
	return string(appendTime(b[:0], t))
}

// appendTime appends t in UTC as timeLayout formats it, without the cost of reading the
// layout, for the years of four digits.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, timeLayout)
	}
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	return append(b,
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}

// header returns the value of the last header named key.
func header(m *kafka.Message, key string) (string, bool) {
	v, ok := headerBytes(m, key)
	return string(v), ok
}

// headerBytes is header without the copy: the header's own bytes.
func headerBytes(m *kafka.Message, key string) ([]byte, bool) {
	for i := len(m.Headers) - 1; i >= 0; i-- {
		if m.Headers[i].Key == key {
			return m.Headers[i].Value, true
		}
	}
	return nil, false
}

func headerInt(m *kafka.Message, key string) int64 {
	v, _ := header(m, key)
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

func headerTime(m *kafka.Message, key string) (time.Time, bool) {
	v, ok := header(m, key)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(timeLayout, v)
	return t, err == nil
}

func h(key, value string) kafka.Header { return kafka.Header{Key: key, Value: []byte(value)} }

// sourceHeaders say where an event was read.
func sourceHeaders(m *kafka.Message) []kafka.Header {
	hs := []kafka.Header{
		h(HeaderSourceTopic, m.Topic),
		h(HeaderSourcePartition, strconv.Itoa(m.Partition)),
		h(HeaderSourceOffset, strconv.FormatInt(m.Offset, 10)),
	}
	if !m.Time.IsZero() {
		hs = append(hs, h(HeaderSourceTimestamp, formatTime(m.Time)))
	}
	return hs
}

// withHeaders returns hs with the headers of set replacing those of the same names.
func withHeaders(hs []kafka.Header, set ...kafka.Header) []kafka.Header {
	out := make([]kafka.Header, 0, len(hs)+len(set))
outer:
	for _, x := range hs {
		for _, s := range set {
			if s.Key == x.Key {
				continue outer
			}
		}
		out = append(out, x)
	}
	return append(out, set...)
}

func itoa(n int) string { return strconv.Itoa(n) }

// Headers of replays (`kafka-ometria dlq replay`), on the messages it sends back and, when
// those fail again, on their dead letters.
const (
	HeaderReplayCount = "ometria-replay-count" // times this entry was replayed, decimal
	HeaderReplayedAt  = "ometria-replayed-at"  // RFC 3339, milliseconds: the last replay
	HeaderReplayID    = "ometria-replay-id"    // the replay that sent it
	HeaderReplayOf    = "ometria-replay-of"    // the dead letter it was: "topic/partition/offset"
)
