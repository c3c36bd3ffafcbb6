package dlq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/processor"
)

// ErrNoTopic is the error (wrapped) of OpenTopic for a topic that does not exist.
var ErrNoTopic = errors.New("the topic does not exist")

// Topic is a topic read partition by partition, directly: no consumer group is joined
// and no offset is committed. Its partitions' offsets are taken once, when it is opened,
// so a read ends at the high-water mark of that moment.
type Topic struct {
	Name       string
	Setting    string      // the configuration key naming it, for errors (topics.dead_letter)
	Partitions []Partition // by ID
	conn       *processor.Connection
}

// Partition is a partition of a Topic: Start is its log start offset and End its
// high-water mark when the topic was opened.
type Partition struct {
	ID         int
	Start, End int64
}

// Len is the number of offsets of the partition, End - Start.
func (p Partition) Len() int64 { return p.End - p.Start }

// transport returns conn's transport, or a new one (kafka-go's shared default would
// not see topics created since it first read the metadata).
func transport(conn *processor.Connection) *kafka.Transport {
	if conn.Transport != nil {
		return conn.Transport
	}
	return &kafka.Transport{}
}

// client returns a Kafka client for conn; done releases its connections. Without a
// transport of the connection's, it gets one of its own: kafka-go's shared default would
// not see topics created since it first read the metadata.
func client(conn *processor.Connection) (*kafka.Client, func()) {
	tr := conn.Transport
	done := func() {}
	if tr == nil {
		tr = &kafka.Transport{}
		done = tr.CloseIdleConnections
	}
	return &kafka.Client{Addr: kafka.TCP(conn.Brokers...), Transport: tr, Timeout: 10 * time.Second}, done
}

// brokersNamed names the setting kafka.brokers in err, an error reaching Kafka, unless
// it names the setting to check already (processor's hints name kafka.tls, kafka.sasl
// or kafka.brokers).
func brokersNamed(err error) error {
	for _, setting := range []string{"kafka.brokers", "kafka.tls", "kafka.sasl"} {
		if strings.Contains(err.Error(), setting) {
			return err
		}
	}
	return fmt.Errorf("kafka.brokers: %w", err)
}

// OpenTopic reads the partitions of topic name and their offsets. setting names the
// configuration key of the topic: errors name it.
func OpenTopic(ctx context.Context, conn *processor.Connection, name, setting string) (*Topic, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	c, done := client(conn)
	defer done()
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{name}})
	if err != nil {
		// Kafka cannot be read: processor.EnsureTopics says so as `run` does, naming the
		// brokers and the setting to check when the connection's credentials are refused.
		if _, herr := processor.EnsureTopics(ctx, conn, []string{name}, false, 1); herr != nil && !strings.Contains(herr.Error(), "do not exist") {
			return nil, brokersNamed(herr)
		}
		return nil, brokersNamed(fmt.Errorf("reading topic %s (%s) from Kafka (%s): %w", name, setting, strings.Join(conn.Brokers, ","), err))
	}
	t := &Topic{Name: name, Setting: setting, conn: conn}
	var req []kafka.OffsetRequest
	for _, mt := range meta.Topics {
		if mt.Name != name {
			continue
		}
		if mt.Error != nil {
			if errors.Is(mt.Error, kafka.UnknownTopicOrPartition) {
				return nil, fmt.Errorf("%s: topic %s: %w (brokers %s)", setting, name, ErrNoTopic, strings.Join(conn.Brokers, ","))
			}
			return nil, fmt.Errorf("%s: topic %s: %w", setting, name, mt.Error)
		}
		for _, p := range mt.Partitions {
			t.Partitions = append(t.Partitions, Partition{ID: p.ID})
			req = append(req, kafka.OffsetRequest{Partition: p.ID})
		}
	}
	if len(t.Partitions) == 0 {
		return nil, fmt.Errorf("%s: topic %s: %w (brokers %s)", setting, name, ErrNoTopic, strings.Join(conn.Brokers, ","))
	}
	slices.SortFunc(t.Partitions, func(a, b Partition) int { return a.ID - b.ID })
	// One request for the start offsets and one for the ends: a broker refuses a
	// partition twice in one request.
	for _, which := range []int64{kafka.FirstOffset, kafka.LastOffset} {
		for i := range req {
			req[i].Timestamp = which
		}
		lo, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{name: req}})
		if err != nil {
			return nil, fmt.Errorf("%s: the offsets of topic %s: %w", setting, name, err)
		}
		for _, po := range lo.Topics[name] {
			if po.Error != nil {
				return nil, fmt.Errorf("%s: the offsets of topic %s partition %d: %w", setting, name, po.Partition, po.Error)
			}
			i := slices.IndexFunc(t.Partitions, func(p Partition) bool { return p.ID == po.Partition })
			if i < 0 {
				continue
			}
			if which == kafka.FirstOffset {
				t.Partitions[i].Start = po.FirstOffset
			} else {
				t.Partitions[i].End = po.LastOffset
			}
		}
	}
	return t, nil
}

// Ends returns each partition's end offset.
func (t *Topic) Ends() map[int]int64 {
	out := make(map[int]int64, len(t.Partitions))
	for _, p := range t.Partitions {
		out[p.ID] = p.End
	}
	return out
}

// stallTimeout bounds how long a read goes on without any progress before it gives up.
const stallTimeout = 30 * time.Second

// Read calls fn with each message of partition of the topic from offset from to offset
// to (excluded), in order. An error of fn stops the read and is returned.
//
// It fetches from the partition's leader itself, one fetch at a time: nothing is fetched
// ahead (so nothing is left waiting when it ends), and a fetch's answer may take as long
// as a loaded broker needs. A failed fetch is tried again on a new connection.
func (t *Topic) Read(ctx context.Context, partition int, from, to int64, fn func(kafka.Message) error) error {
	if from >= to {
		return nil
	}
	dialer := t.conn.Dialer
	if dialer == nil {
		dialer = kafka.DefaultDialer
	}
	var conn *kafka.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	off, progress, failures := from, time.Now(), 0
	var lastErr error
	for off < to {
		if err := ctx.Err(); err != nil {
			return err
		}
		if time.Since(progress) > stallTimeout {
			return fmt.Errorf("%s: reading topic %s partition %d: no progress at offset %d (the end is %d) for %v: %v",
				t.Setting, t.Name, partition, off, to, stallTimeout, lastErr)
		}
		if failures > 0 {
			if err := sleep(ctx, min(time.Duration(failures)*200*time.Millisecond, 2*time.Second)); err != nil {
				return err
			}
		}
		if conn == nil {
			c, err := dialer.DialLeader(ctx, "tcp", t.conn.Brokers[failures%len(t.conn.Brokers)], t.Name, partition)
			if err != nil {
				lastErr, failures = err, failures+1
				continue
			}
			conn = c
		}
		if _, err := conn.Seek(off, kafka.SeekAbsolute|kafka.SeekDontCheck); err != nil {
			lastErr, failures = err, failures+1
			conn.Close()
			conn = nil
			continue
		}
		_ = conn.SetReadDeadline(time.Now().Add(stallTimeout))
		batch := conn.ReadBatchWith(kafka.ReadBatchConfig{MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 500 * time.Millisecond})
		var fnErr error
		for fnErr == nil {
			m, err := batch.ReadMessage()
			if err != nil || m.Offset >= to {
				break
			}
			if m.Offset < off {
				continue
			}
			off, progress = m.Offset+1, time.Now()
			fnErr = fn(m)
		}
		next := batch.Offset() // past transaction markers and compacted gaps too
		err := batch.Close()
		switch {
		case fnErr != nil:
			return fnErr
		case errors.Is(err, kafka.OffsetOutOfRange): // retention deleted what was left to read
			if first, ferr := conn.ReadFirstOffset(); ferr == nil && first > off {
				off, progress = first, time.Now()
				continue
			}
			fallthrough
		case err != nil:
			lastErr, failures = err, failures+1
			conn.Close()
			conn = nil
			continue
		}
		failures = 0
		if next > off {
			off, progress = next, time.Now()
		}
	}
	return nil
}
