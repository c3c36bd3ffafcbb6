package decode

import (
	"fmt"

	"github.com/hamba/avro/v2"
)

// kind is what one node of a compiled Avro schema reads.
type kind uint8

const (
	kNull kind = iota
	kBoolean
	kInt
	kLong
	kFloat
	kDouble
	kBytes
	kString
	kJSONText // a string holding JSON (connect.name io.debezium.data.Json): written as it is
	kRecord
	kJSONValue // the record org.apache.avro.data.Json: written as its one field, unwrapped
	kEnum
	kArray
	kMap
	kUnion
	kFixed
	kDate            // int: days since 1970-01-01, written "2006-01-02"
	kTimestampMillis // long: written as RFC 3339 UTC with milliseconds
	kTimestampMicros // long: written as RFC 3339 UTC with microseconds
	kDecimalBytes    // bytes: a two's-complement unscaled integer, written as a JSON number
	kDecimalFixed    // fixed: the same
)

// node is one compiled Avro schema: what to read and how to write it as JSON.
type node struct {
	kind     kind
	fields   []field  // record
	elem     *node    // array items, map values
	branches []*node  // union
	symbols  [][]byte // enum: each symbol as a JSON string
	size     int      // fixed
	scale    int      // decimal
	name     string   // named types, for errors
	// zeroWidth: a value of this node may take no bytes (null, an empty record, a
	// zero-size fixed), so a block count cannot be bounded by the bytes left.
	zeroWidth bool
}

// field is a record field: its key as written in JSON ("name":) and its type.
type field struct {
	key  []byte
	node *node
	// nullable: a union with a null branch; a null value leaves the field out of the
	// JSON object, since Avro cannot tell an absent field from a null one.
	nullable bool
}

// jsonValueRecord is the Avro project's schema of any JSON value
// (share/schemas/org/apache/avro/data/Json.avsc): a record of one field, "value", a
// union of long, double, string, boolean, null, an array of Json and a map of Json.
const jsonValueRecord = "org.apache.avro.data.Json"

// debeziumJSON is the connect.name of a string holding a JSON document (Debezium,
// Kafka Connect).
const debeziumJSON = "io.debezium.data.Json"

// compile parses schema text, after the texts of the schemas it references, and
// compiles it.
func compile(text string, refs []string) (*node, error) {
	cache := &avro.SchemaCache{} // named types are the schema's own, not shared with other ids
	for _, r := range refs {
		if _, err := avro.ParseWithCache(r, "", cache); err != nil {
			return nil, fmt.Errorf("a referenced schema does not parse: %w", err)
		}
	}
	s, err := avro.ParseWithCache(text, "", cache)
	if err != nil {
		return nil, fmt.Errorf("the schema does not parse: %w", err)
	}
	c := compiler{named: map[string]*node{}}
	return c.node(s), nil
}

type compiler struct {
	named map[string]*node // full name -> node, so that recursive types compile once
}

func (c *compiler) node(s avro.Schema) *node {
	if ref, ok := s.(*avro.RefSchema); ok {
		s = ref.Schema()
	}
	if ns, ok := s.(avro.NamedSchema); ok {
		if n, ok := c.named[ns.FullName()]; ok {
			return n
		}
	}
	switch s := s.(type) {
	case *avro.PrimitiveSchema:
		return c.primitive(s)
	case *avro.RecordSchema:
		n := &node{kind: kRecord, name: s.FullName()}
		c.named[s.FullName()] = n
		fs := s.Fields()
		if s.FullName() == jsonValueRecord && len(fs) == 1 && fs[0].Name() == "value" {
			n.kind = kJSONValue
		}
		n.fields = make([]field, len(fs))
		for i, f := range fs {
			fn := c.node(f.Type())
			n.fields[i] = field{key: append(appendString(nil, f.Name()), ':'), node: fn, nullable: hasNull(fn)}
		}
		n.zeroWidth = true
		for _, f := range n.fields {
			n.zeroWidth = n.zeroWidth && f.node.zeroWidth
		}
		return n
	case *avro.EnumSchema:
		n := &node{kind: kEnum, name: s.FullName()}
		c.named[s.FullName()] = n
		for _, sym := range s.Symbols() {
			n.symbols = append(n.symbols, appendString(nil, sym))
		}
		return n
	case *avro.FixedSchema:
		n := &node{kind: kFixed, name: s.FullName(), size: s.Size(), zeroWidth: s.Size() == 0}
		if d, ok := s.Logical().(*avro.DecimalLogicalSchema); ok {
			n.kind, n.scale = kDecimalFixed, d.Scale()
		}
		c.named[s.FullName()] = n
		return n
	case *avro.ArraySchema:
		return &node{kind: kArray, elem: c.node(s.Items())}
	case *avro.MapSchema:
		return &node{kind: kMap, elem: c.node(s.Values())}
	case *avro.UnionSchema:
		n := &node{kind: kUnion}
		for _, t := range s.Types() {
			b := c.node(t)
			n.branches = append(n.branches, b)
			n.zeroWidth = n.zeroWidth || b.zeroWidth
		}
		return n
	}
	return &node{kind: kNull, zeroWidth: true} // not reached: every schema type is above
}

func (c *compiler) primitive(s *avro.PrimitiveSchema) *node {
	var lt avro.LogicalType
	if l := s.Logical(); l != nil {
		lt = l.Type()
	}
	switch s.Type() {
	case avro.Null:
		return &node{kind: kNull, zeroWidth: true}
	case avro.Boolean:
		return &node{kind: kBoolean}
	case avro.Int:
		if lt == avro.Date {
			return &node{kind: kDate}
		}
		return &node{kind: kInt}
	case avro.Long:
		switch lt {
		case avro.TimestampMillis:
			return &node{kind: kTimestampMillis}
		case avro.TimestampMicros:
			return &node{kind: kTimestampMicros}
		}
		return &node{kind: kLong}
	case avro.Float:
		return &node{kind: kFloat}
	case avro.Double:
		return &node{kind: kDouble}
	case avro.Bytes:
		if d, ok := s.Logical().(*avro.DecimalLogicalSchema); ok {
			return &node{kind: kDecimalBytes, scale: d.Scale()}
		}
		return &node{kind: kBytes}
	case avro.String:
		if name, _ := s.Prop("connect.name").(string); name == debeziumJSON {
			return &node{kind: kJSONText}
		}
		return &node{kind: kString}
	}
	return &node{kind: kNull, zeroWidth: true}
}

func hasNull(n *node) bool {
	if n.kind == kNull {
		return true
	}
	if n.kind != kUnion {
		return false
	}
	for _, b := range n.branches {
		if b.kind == kNull {
			return true
		}
	}
	return false
}
