// Package decode turns Kafka message values into the JSON events the mapper takes:
// plain JSON as it is, and values in the Confluent wire format (a zero byte, a 4-byte
// big-endian schema id, the payload) by the schema the registry holds for the id. Avro
// is decoded with the writer's schema straight into JSON: a union is written as its
// value (never {"string": "x"}), a long as an exact integer, a record as an object whose
// null fields are left out, a map as an object in the order written.
//
// Schemas are cached by id (they are immutable), so the registry is asked once per id.
// A failure is an *Error, permanent, whose Reason the message is dead-lettered with, or
// an *UnavailableError: the registry gave no answer, and the caller should wait and try
// again. The package does no waiting, logging or retrying of its own.
package decode

import (
	"context"
	"fmt"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// Options tune a Decoder.
type Options struct {
	// CacheSize bounds the schemas kept, by id. Default 1000.
	CacheSize int
	// UnknownTTL is how long an id the registry does not know is remembered as unknown,
	// so that a run of messages with a bad id asks the registry once. Default 1 minute.
	UnknownTTL time.Duration
	// Now is the clock, default time.Now.
	Now func() time.Time
}

// Decoder decodes message values. It is safe for concurrent use.
type Decoder struct {
	reg        Registry
	schemas    *lru.Cache[uint32, *entry]
	unknownTTL time.Duration
	now        func() time.Time

	mu       sync.Mutex
	inflight map[uint32]*call // one registry request per id at a time
}

// entry is a schema of the cache: compiled, or the permanent error it gives.
type entry struct {
	typ   sr.SchemaType
	root  *node  // Avro schemas
	err   *Error // unknown_schema (until expires) or unsupported_schema
	until time.Time
}

type call struct {
	done chan struct{}
	e    *entry
	err  error
}

// New returns a Decoder that asks reg for schemas; reg may be nil when no topic is Avro
// (json-schema headers are then only checked, not their ids).
func New(reg Registry, o Options) *Decoder {
	if o.CacheSize <= 0 {
		o.CacheSize = 1000
	}
	if o.UnknownTTL <= 0 {
		o.UnknownTTL = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c, _ := lru.New[uint32, *entry](o.CacheSize) // fails only for a size <= 0
	return &Decoder{reg: reg, schemas: c, unknownTTL: o.UnknownTTL, now: o.Now, inflight: map[uint32]*call{}}
}

// Decode returns the JSON event of value, written in format f: value itself for JSON
// and json-schema (after the header), or the Avro payload decoded into dst's array
// (dst[:0], grown as needed). The result may alias value or dst.
func (d *Decoder) Decode(ctx context.Context, f Format, value, dst []byte) ([]byte, error) {
	if !f.Framed() {
		return value, nil
	}
	id, payload, err := Header(value)
	if err != nil {
		return nil, err
	}
	if f == JSONSchema && d.reg == nil {
		return payload, nil
	}
	e, err := d.schema(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.err != nil {
		return nil, e.err
	}
	want := sr.TypeAvro
	if f == JSONSchema {
		want = sr.TypeJSON
	}
	if e.typ != want {
		return nil, fail(mapper.ReasonUnsupportedSchema, "schema id %d is a %s schema; the topic's format is %s", id, e.typ, f)
	}
	if f == JSONSchema {
		return payload, nil
	}
	r := avroReader{b: payload}
	out := r.value(dst[:0], e.root, 0)
	if r.err == nil && r.i != len(r.b) {
		r.fail("%d bytes after the value", len(r.b)-r.i)
	}
	if r.err != nil {
		r.err.Msg = fmt.Sprintf("schema id %d: %s", id, r.err.Msg)
		return nil, r.err
	}
	return out, nil
}

// schema returns the cache's entry of id, asking the registry when it has none (one
// request at a time per id; the others wait for its answer, or for ctx).
func (d *Decoder) schema(ctx context.Context, id uint32) (*entry, error) {
	if e, ok := d.schemas.Get(id); ok && (e.until.IsZero() || d.now().Before(e.until)) {
		return e, nil
	}
	d.mu.Lock()
	c, ok := d.inflight[id]
	if !ok {
		c = &call{done: make(chan struct{})}
		d.inflight[id] = c
		go d.fetch(id, c)
	}
	d.mu.Unlock()
	select {
	case <-c.done:
		return c.e, c.err
	case <-ctx.Done():
		return nil, &UnavailableError{ID: id, Err: ctx.Err()}
	}
}

// fetch asks the registry for id, compiles what it answers and caches it. It runs on its
// own goroutine, bounded by the registry client's timeout, so that a caller whose ctx
// ends does not cancel the request the others wait for.
func (d *Decoder) fetch(id uint32, c *call) {
	defer func() {
		d.mu.Lock()
		delete(d.inflight, id)
		d.mu.Unlock()
		close(c.done)
	}()
	s, err := d.reg.Schema(context.Background(), id)
	if err != nil {
		if e, ok := err.(*Error); ok {
			c.e = &entry{err: e}
			if e.Reason == mapper.ReasonUnknownSchema {
				c.e.until = d.now().Add(d.unknownTTL)
			}
			d.schemas.Add(id, c.e)
			return
		}
		c.err = err
		return
	}
	e := &entry{typ: s.Type}
	if s.Type == sr.TypeAvro {
		root, err := compile(s.Text, s.References)
		if err != nil {
			e.err = fail(mapper.ReasonUnsupportedSchema, "schema id %d: %v", id, err)
		}
		e.root = root
	}
	d.schemas.Add(id, e)
	c.e = e
}
