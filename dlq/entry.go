// Package dlq reads, counts, exports and replays kafka-ometria's dead letters.
//
// A dead letter is the failed message's value, unchanged, with headers saying why it
// failed and where it came from (see the processor.Header* names). This package parses
// them into Entry values, selects entries with a Filter, counts them (Stats), renders
// and encodes them (inspect, export and import as JSONL), reads topics partition by
// partition without any consumer group (Topic), and sends entries back to the stage that
// failed them (Replay), resumably and at most once each, with a bookmark kept in Kafka.
//
// Entries and filters need no Kafka: NewEntry parses a kafka.Message.
package dlq

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// ownPrefix starts the name of every header kafka-ometria writes.
const ownPrefix = "ometria-"

// timeLayout is how kafka-ometria writes times in headers (RFC 3339, milliseconds).
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// Entry is one dead letter: the Kafka message and what its headers and value say.
type Entry struct {
	kafka.Message

	// Managed reports whether the entry carries kafka-ometria's failure headers
	// (ometria-reason or ometria-stage). An entry produced by hand, or by an older
	// version, does not: its fields below are then mostly empty.
	Managed bool

	Reason  string
	Text    string // the human message (ometria-message)
	Stage   string // map, push, retry; "" when the entry has none
	Account string
	Attempt int64

	FirstFailed, LastFailed time.Time // zero when absent or unreadable

	SourceTopic     string // "" when absent
	SourcePartition int64
	SourceOffset    int64
	BatchIndex      int64 // -1 when absent

	RecordType string // push and retry letters: contact, order, custom_event
	RecordID   string

	// EventType and EventName are, for an entry that is not a push or retry letter and
	// whose value is a JSON object, its "type" and "event" string fields.
	EventType, EventName string

	ReplayCount int64 // times it was replayed before it failed this time
	Truncated   bool  // the value was cut to fit the topic: never replayed
}

// NewEntry parses m.
func NewEntry(m kafka.Message) *Entry {
	e := &Entry{Message: m, BatchIndex: -1}
	e.Reason, _ = e.Header(processor.HeaderReason)
	stage, hasStage := e.Header(processor.HeaderStage)
	_, hasReason := e.Header(processor.HeaderReason)
	e.Managed = hasReason || hasStage
	e.Stage = stage
	e.Text, _ = e.Header(processor.HeaderMessage)
	e.Account, _ = e.Header(processor.HeaderAccount)
	e.Attempt = e.headerInt(processor.HeaderAttempt, 0)
	e.FirstFailed = e.headerTime(processor.HeaderFirstFailed)
	e.LastFailed = e.headerTime(processor.HeaderLastFailed)
	e.SourceTopic, _ = e.Header(processor.HeaderSourceTopic)
	e.SourcePartition = e.headerInt(processor.HeaderSourcePartition, -1)
	e.SourceOffset = e.headerInt(processor.HeaderSourceOffset, -1)
	e.BatchIndex = e.headerInt(processor.HeaderBatchIndex, -1)
	e.RecordType, _ = e.Header(processor.HeaderRecordType)
	e.RecordID, _ = e.Header(processor.HeaderRecordID)
	e.ReplayCount = e.headerInt(processor.HeaderReplayCount, 0)
	t, _ := e.Header(processor.HeaderTruncated)
	e.Truncated = strings.EqualFold(strings.TrimSpace(t), "true")
	if !e.isRecord() {
		e.EventType, e.EventName = eventFields(m.Value)
	}
	return e
}

// isRecord reports whether the entry is a letter of the push or retry stage (a record).
func (e *Entry) isRecord() bool {
	return e.Stage == string(config.StagePush) || e.Stage == string(config.StageRetry)
}

// eventFields returns the "type" and "event" string fields of a JSON object.
func eventFields(v []byte) (typ, name string) {
	var ev struct {
		Type  json.RawMessage `json:"type"`
		Event json.RawMessage `json:"event"`
	}
	if json.Unmarshal(v, &ev) != nil {
		return "", ""
	}
	return jsonString(ev.Type), jsonString(ev.Event)
}

func jsonString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// Header returns the value of the last header named key.
func (e *Entry) Header(key string) (string, bool) {
	for i := len(e.Headers) - 1; i >= 0; i-- {
		if e.Headers[i].Key == key {
			return string(e.Headers[i].Value), true
		}
	}
	return "", false
}

// headerOf returns the value of the last header of m named key, or "".
func headerOf(m kafka.Message, key string) string {
	for i := len(m.Headers) - 1; i >= 0; i-- {
		if m.Headers[i].Key == key {
			return string(m.Headers[i].Value)
		}
	}
	return ""
}

func (e *Entry) headerInt(key string, def int64) int64 {
	v, ok := e.Header(key)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return def
	}
	return n
}

func (e *Entry) headerTime(key string) time.Time {
	v, ok := e.Header(key)
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v))
	if err != nil {
		return time.Time{}
	}
	return t
}

// FailedAt is when the entry failed: its ometria-last-failed time, else the message's
// timestamp.
func (e *Entry) FailedAt() time.Time {
	if !e.LastFailed.IsZero() {
		return e.LastFailed
	}
	return e.Time
}

// Coordinates names the entry: "topic/partition/offset".
func (e *Entry) Coordinates() string {
	return fmt.Sprintf("%s/%d/%d", e.Topic, e.Partition, e.Offset)
}

// EventLabel is the entry's event type as stats count it: the record type of a push or
// retry letter, else the event's type, with the event name for a track event
// (`track "Order Completed"`); "" when unknown.
func (e *Entry) EventLabel() string {
	if e.isRecord() {
		return e.RecordType
	}
	if e.EventType == "track" && e.EventName != "" {
		return "track " + strconv.Quote(e.EventName)
	}
	return e.EventType
}

// StageLabel is the entry's stage, or "(none)" for an entry without kafka-ometria's headers.
func (e *Entry) StageLabel() string {
	if e.Stage == "" {
		return none
	}
	return e.Stage
}

// none labels a missing value in counts and tables.
const none = "(none)"
