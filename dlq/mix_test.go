package dlq

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/processor"
)

// spec describes one entry of the known mix: what each filter looks at.
type spec struct {
	partition  int
	offset     int64 // its offset in its partition (the mix is produced in order)
	stage      string
	reason     string
	account    string
	typ, name  string // event type and name (map letters, entries without headers)
	recordType string // push and retry letters
	source     string
	failed     time.Time
	tenant     string
	replays    int
	truncated  bool
	binary     bool // a value that is not JSON
}

var mixDay = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// mix returns 72 entries over 3 partitions: map, push and retry letters, entries without
// headers, a cut one, some replayed before, over three days, two accounts, two source
// topics and two tenants (a user header).
func mix() []spec {
	var out []spec
	next := map[int]int64{}
	for i := range 72 {
		s := spec{partition: i % 3, account: []string{"acme", "beta"}[i/3%2], tenant: []string{"a", "b"}[i/4%2],
			source: []string{"ev1", "ev2"}[i/2%2], failed: mixDay.Add(time.Duration(i/2%3)*24*time.Hour + time.Duration(i)*time.Minute)}
		switch i % 6 {
		case 0, 1:
			s.stage, s.reason, s.typ = "map", "missing_email", "identify"
		case 2:
			s.stage, s.reason, s.typ, s.name = "map", "invalid_currency", "track", "Order Completed"
		case 3:
			s.stage, s.reason, s.recordType, s.source = "push", "rejected_by_ometria", []string{"contact", "order"}[i/6%2], "records"
		case 4:
			s.stage, s.reason, s.recordType, s.source = "retry", "retries_exhausted", "custom_event", "records"
		case 5:
			if i%12 == 5 { // no kafka-ometria headers
				s.typ, s.name, s.account, s.source, s.binary = "track", "Product Viewed", "", "", i%24 == 5
			} else {
				s.stage, s.reason, s.typ = "map", "invalid_json", ""
				s.binary = true
			}
		}
		if i%9 == 7 {
			s.replays = 3
		}
		if i == 8 {
			s.truncated, s.reason = true, "message_too_large"
		}
		s.offset = next[s.partition]
		next[s.partition]++
		out = append(out, s)
	}
	return out
}

// message is the dead letter of s, as kafka-ometria writes it.
func (s spec) message(i int) kafka.Message {
	m := kafka.Message{Partition: s.partition, Key: []byte(strconv.Itoa(i)), Time: s.failed}
	switch {
	case s.binary:
		m.Value = []byte{0xff, 0x00, byte(i), '{'}
	case s.recordType != "":
		m.Value = fmt.Appendf(nil, `{"@type":%q,"id":"r%d"}`, s.recordType, i)
		m.Key = []byte(s.account)
	case s.name != "":
		m.Value = fmt.Appendf(nil, `{"type":%q,"event":%q,"userId":"u%d"}`, s.typ, s.name, i)
	default:
		m.Value = fmt.Appendf(nil, `{"type":%q,"userId":"u%d"}`, s.typ, i)
	}
	m.Headers = append(m.Headers, h("x-tenant", s.tenant))
	if s.stage == "" {
		return m
	}
	m.Time = s.failed.Add(time.Hour) // the failure time is the header's
	if s.source != "" {
		m.Headers = append(m.Headers, h(processor.HeaderSourceTopic, s.source),
			h(processor.HeaderSourcePartition, "0"), h(processor.HeaderSourceOffset, strconv.Itoa(100+i)),
			h(processor.HeaderSourceTimestamp, s.failed.Add(-time.Hour).Format(timeLayout)))
	}
	if s.recordType != "" {
		m.Headers = append(m.Headers, h(processor.HeaderRecordType, s.recordType), h(processor.HeaderRecordID, fmt.Sprintf("r%d", i)))
	}
	m.Headers = append(m.Headers,
		h(processor.HeaderReason, s.reason), h(processor.HeaderMessage, s.reason+": something"),
		h(processor.HeaderStage, s.stage), h(processor.HeaderAttempt, "1"),
		h(processor.HeaderFirstFailed, s.failed.Format(timeLayout)), h(processor.HeaderLastFailed, s.failed.Format(timeLayout)))
	if s.account != "" {
		m.Headers = append(m.Headers, h(processor.HeaderAccount, s.account))
	}
	if s.replays > 0 {
		m.Headers = append(m.Headers, h(processor.HeaderReplayCount, strconv.Itoa(s.replays)))
	}
	if s.truncated {
		m.Headers = append(m.Headers, h(processor.HeaderTruncated, "true"), h(processor.HeaderOriginalSize, "2000000"))
	}
	return m
}

// mixTopic produces the mix to a new dead-letter topic of 3 partitions.
func mixTopic(t *testing.T, k *testKafka) (string, []spec) {
	t.Helper()
	topic := k.topic(t, "dlq", 3)
	specs := mix()
	msgs := make([]kafka.Message, len(specs))
	for i, s := range specs {
		msgs[i] = s.message(i)
	}
	k.produce(t, topic, msgs...)
	return topic, specs
}

type coord struct {
	partition int
	offset    int64
}
