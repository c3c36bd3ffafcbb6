package dlq

import (
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// Targets says where a replay sends entries.
type Targets struct {
	// To, when set, receives every entry replayed, whatever its stage (--to).
	To string
	// Replay receives map-stage letters (topics.replay); Records push- and retry-stage
	// letters (topics.records).
	Replay, Records string
	// RoutingHeader is routing.header: a replayed map-stage letter carries its account
	// in it, as the topic route of the original topic does not apply any more.
	RoutingHeader string
}

// Target returns the topic e goes to, or "" when e has no unambiguous target (an entry
// without kafka-ometria's headers, or with an unknown stage, and no To).
func (t *Targets) Target(e *Entry) string {
	if t.To != "" {
		return t.To
	}
	switch {
	case e.Stage == string(config.StageMap):
		return t.Replay
	case e.isRecord():
		return t.Records
	}
	return ""
}

// String describes the targets, e.g. "map->ometria.replay push,retry->ometria.records".
func (t *Targets) String() string {
	if t.To != "" {
		return "all->" + t.To
	}
	return string(config.StageMap) + "->" + t.Replay + " " + string(config.StagePush) + "," + string(config.StageRetry) + "->" + t.Records
}

// kept are kafka-ometria's headers a replayed message keeps: where the event was read and
// its timestamp, so that a second failure still points at the original event and says
// when it was written (a dead letter of a message with source headers keeps them, in
// every stage). The replayed message's own Kafka timestamp is the replay's: an original's
// older than the target's retention.ms could be deleted before it is read, and a broker
// may refuse it (message.timestamp.before.max.ms).
var kept = []string{processor.HeaderSourceTopic, processor.HeaderSourcePartition, processor.HeaderSourceOffset,
	processor.HeaderSourceTimestamp, processor.HeaderBatchIndex}

// keptOfRecords are those a replayed record keeps besides: the push stage needs them.
var keptOfRecords = []string{processor.HeaderAccount, processor.HeaderRecordType, processor.HeaderRecordID}

// ReplayMessage is the message that replays e to topic, with timestamp at: e's value and
// key, the user's headers, the source headers (kept), and the replay headers (count,
// time, replay id, and e's coordinates), replacing kafka-ometria's failure and earlier
// replay headers. A record (push or retry letter) keeps its account, type and id headers
// and is keyed by its account; any other entry carries its account, when it has one, in
// the routing header.
func ReplayMessage(e *Entry, topic, routingHeader, replayID string, at time.Time) kafka.Message {
	record := e.isRecord()
	setRouting := !record && e.Account != "" && routingHeader != ""
	hs := make([]kafka.Header, 0, len(e.Headers)+5)
	for _, h := range e.Headers {
		switch {
		case setRouting && h.Key == routingHeader:
		case strings.HasPrefix(h.Key, ownPrefix) && !isKept(h.Key, record):
		default:
			hs = append(hs, h)
		}
	}
	if setRouting {
		hs = append(hs, kafka.Header{Key: routingHeader, Value: []byte(e.Account)})
	}
	hs = append(hs,
		kafka.Header{Key: processor.HeaderReplayCount, Value: []byte(strconv.FormatInt(e.ReplayCount+1, 10))},
		kafka.Header{Key: processor.HeaderReplayedAt, Value: []byte(at.UTC().Format(timeLayout))},
		kafka.Header{Key: processor.HeaderReplayID, Value: []byte(replayID)},
		kafka.Header{Key: processor.HeaderReplayOf, Value: []byte(e.Coordinates())},
	)
	key := e.Key
	if record && e.Account != "" {
		key = []byte(e.Account)
	}
	return kafka.Message{Topic: topic, Key: key, Value: e.Value, Headers: hs, Time: at}
}

func isKept(key string, record bool) bool {
	for _, k := range kept {
		if k == key {
			return true
		}
	}
	if record {
		for _, k := range keptOfRecords {
			if k == key {
				return true
			}
		}
	}
	return false
}
