package dlq

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"
)

// Line is an entry as one line of JSONL (export, import, inspect --json): its
// coordinates, timestamp, key, value and headers, exactly. A key, value or header value
// that is UTF-8 is a JSON string (null when absent), any other bytes go base64-encoded in
// the *_base64 field instead. On import, value_json may give the value as JSON itself
// (handy when fixing an entry by hand); it is written compact.
type Line struct {
	Topic       string          `json:"topic"`
	Partition   int             `json:"partition"`
	Offset      int64           `json:"offset"`
	Timestamp   time.Time       `json:"timestamp"`
	Key         *string         `json:"key"`
	KeyBase64   string          `json:"key_base64,omitempty"`
	Value       *string         `json:"value"`
	ValueBase64 string          `json:"value_base64,omitempty"`
	ValueJSON   json.RawMessage `json:"value_json,omitempty"`
	Headers     []LineHeader    `json:"headers"`
	// DeadLetter is what kafka-ometria's headers say, on inspect's output only.
	DeadLetter *Info `json:"dead_letter,omitempty"`
}

// LineHeader is one Kafka header of a Line.
type LineHeader struct {
	Key         string  `json:"key"`
	Value       *string `json:"value"`
	ValueBase64 string  `json:"value_base64,omitempty"`
}

// Info is the parsed view of an entry, on inspect's JSON output.
type Info struct {
	Managed     bool      `json:"managed"` // carries kafka-ometria's headers
	Reason      string    `json:"reason,omitempty"`
	Message     string    `json:"message,omitempty"`
	Stage       string    `json:"stage,omitempty"`
	Account     string    `json:"account,omitempty"`
	Attempt     int64     `json:"attempt,omitempty"`
	FailedAt    time.Time `json:"failed_at"`
	EventType   string    `json:"event_type,omitempty"`
	EventName   string    `json:"event_name,omitempty"`
	RecordType  string    `json:"record_type,omitempty"`
	Source      string    `json:"source,omitempty"` // topic/partition/offset
	ReplayCount int64     `json:"replay_count"`
	Truncated   bool      `json:"truncated"`
	ValueIsJSON bool      `json:"value_is_json"`
}

// bytesField encodes b as a JSON string, or as base64 when it is not UTF-8.
func bytesField(b []byte) (s *string, b64 string) {
	if b == nil {
		return nil, ""
	}
	if utf8.Valid(b) {
		v := string(b)
		return &v, ""
	}
	return nil, base64.StdEncoding.EncodeToString(b)
}

func fieldBytes(name string, s *string, b64 string) ([]byte, error) {
	switch {
	case s != nil && b64 != "":
		return nil, fmt.Errorf("both %s and %s_base64 are set", name, name)
	case s != nil:
		return []byte(*s), nil
	case b64 != "":
		b, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("%s_base64: %v", name, err)
		}
		return b, nil
	}
	return nil, nil
}

// NewLine returns the Line of e; with info, the parsed view too.
func NewLine(e *Entry, info bool) Line {
	l := Line{Topic: e.Topic, Partition: e.Partition, Offset: e.Offset, Timestamp: e.Time.UTC(), Headers: []LineHeader{}}
	l.Key, l.KeyBase64 = bytesField(e.Key)
	l.Value, l.ValueBase64 = bytesField(e.Value)
	for _, h := range e.Headers {
		lh := LineHeader{Key: h.Key}
		lh.Value, lh.ValueBase64 = bytesField(h.Value)
		l.Headers = append(l.Headers, lh)
	}
	if info {
		l.DeadLetter = &Info{Managed: e.Managed, Reason: e.Reason, Message: e.Text, Stage: e.Stage, Account: e.Account,
			Attempt: e.Attempt, FailedAt: e.FailedAt().UTC(), EventType: e.EventType, EventName: e.EventName,
			RecordType: e.RecordType, ReplayCount: e.ReplayCount, Truncated: e.Truncated, ValueIsJSON: json.Valid(e.Value)}
		if e.SourceTopic != "" {
			l.DeadLetter.Source = fmt.Sprintf("%s/%d/%d", e.SourceTopic, e.SourcePartition, e.SourceOffset)
		}
	}
	return l
}

// EncodeLine is the JSON of e's Line, without a newline.
func EncodeLine(e *Entry, info bool) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(NewLine(e, info)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// DecodeLine parses one line of JSONL into the message it describes.
func DecodeLine(data []byte) (kafka.Message, error) {
	var l Line
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&l); err != nil {
		return kafka.Message{}, fmt.Errorf("not a JSON object of an entry: %v", err)
	}
	if dec.More() {
		return kafka.Message{}, errors.New("more than one JSON value on the line")
	}
	m := kafka.Message{Topic: l.Topic, Partition: l.Partition, Offset: l.Offset, Time: l.Timestamp}
	var err error
	if m.Key, err = fieldBytes("key", l.Key, l.KeyBase64); err != nil {
		return m, err
	}
	if m.Value, err = fieldBytes("value", l.Value, l.ValueBase64); err != nil {
		return m, err
	}
	if len(l.ValueJSON) > 0 {
		if l.Value != nil || l.ValueBase64 != "" {
			return m, errors.New("value_json is set with value or value_base64")
		}
		var b bytes.Buffer
		if err := json.Compact(&b, l.ValueJSON); err != nil {
			return m, fmt.Errorf("value_json: %v", err)
		}
		m.Value = b.Bytes()
	}
	for i, h := range l.Headers {
		if h.Key == "" {
			return m, fmt.Errorf("headers[%d]: no key", i)
		}
		v, err := fieldBytes(fmt.Sprintf("headers[%d].value", i), h.Value, h.ValueBase64)
		if err != nil {
			return m, err
		}
		m.Headers = append(m.Headers, kafka.Header{Key: h.Key, Value: v})
	}
	return m, nil
}
