package decode

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// jv is a JSON value that keeps the order (and repeats) of object keys, for the test
// encoder: json.Number, string, bool, nil, []jv, or []kv.
type jv any

type kv struct {
	key string
	val jv
}

// parseOrdered parses one JSON document, keeping objects' keys in order.
func parseOrdered(b []byte) (jv, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	v, err := parseValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err == nil {
		return nil, fmt.Errorf("data after the value")
	}
	return v, nil
}

func parseValue(d *json.Decoder) (jv, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '[':
			arr := []jv{}
			for d.More() {
				v, err := parseValue(d)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := d.Token()
			return arr, err
		case '{':
			obj := []kv{}
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := parseValue(d)
				if err != nil {
					return nil, err
				}
				obj = append(obj, kv{k.(string), v})
			}
			_, err := d.Token()
			return obj, err
		}
	}
	return t, nil
}

// encodeAvro writes v in Avro's binary encoding by the compiled schema n: the test's
// producer. A record field missing from v, or null, takes the null branch of its union.
func encodeAvro(out []byte, n *node, v jv) ([]byte, error) {
	long := func(x int64) { out = binary.AppendVarint(out, x) }
	switch n.kind {
	case kNull:
		if v != nil {
			return nil, fmt.Errorf("%v is not null", v)
		}
	case kBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%v is not a boolean", v)
		}
		if b {
			out = append(out, 1)
		} else {
			out = append(out, 0)
		}
	case kInt, kLong:
		num, ok := v.(json.Number)
		x, err := strconv.ParseInt(string(num), 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("%v is not an integer", v)
		}
		long(x)
	case kFloat, kDouble:
		num, ok := v.(json.Number)
		f, err := strconv.ParseFloat(string(num), 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("%v is not a number", v)
		}
		if n.kind == kFloat {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(float32(f)))
		} else {
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(f))
		}
	case kString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%v is not a string", v)
		}
		long(int64(len(s)))
		out = append(out, s...)
	case kEnum:
		s, _ := v.(string)
		for i, sym := range n.symbols {
			if string(sym) == strconv.Quote(s) {
				long(int64(i))
				return out, nil
			}
		}
		return nil, fmt.Errorf("%v is not a symbol of %s", v, n.name)
	case kArray:
		arr, ok := v.([]jv)
		if !ok {
			return nil, fmt.Errorf("%v is not an array", v)
		}
		if len(arr) > 0 {
			long(int64(len(arr)))
			for _, x := range arr {
				var err error
				if out, err = encodeAvro(out, n.elem, x); err != nil {
					return nil, err
				}
			}
		}
		long(0)
	case kMap:
		obj, ok := v.([]kv)
		if !ok {
			return nil, fmt.Errorf("%v is not an object", v)
		}
		if len(obj) > 0 {
			long(int64(len(obj)))
			for _, m := range obj {
				long(int64(len(m.key)))
				out = append(out, m.key...)
				var err error
				if out, err = encodeAvro(out, n.elem, m.val); err != nil {
					return nil, err
				}
			}
		}
		long(0)
	case kJSONValue:
		return encodeAvro(out, n.fields[0].node, v)
	case kRecord:
		obj, ok := v.([]kv)
		if !ok {
			return nil, fmt.Errorf("%v is not an object", v)
		}
		used := 0
		for _, f := range n.fields {
			name, _ := strconv.Unquote(strings.TrimSuffix(string(f.key), ":"))
			var fv jv
			found := 0
			for _, m := range obj {
				if m.key == name {
					fv = m.val
					found++
				}
			}
			if found > 1 {
				return nil, fmt.Errorf("%s appears %d times: a record cannot hold that", name, found)
			}
			used += found
			var err error
			if out, err = encodeAvro(out, f.node, fv); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		if used != len(obj) {
			return nil, fmt.Errorf("the object has keys that are not fields of %s", n.name)
		}
	case kUnion:
		for i, b := range n.branches {
			if fits(b, v) {
				long(int64(i))
				return encodeAvro(out, b, v)
			}
		}
		return nil, fmt.Errorf("no branch of the union takes %v", v)
	default:
		return nil, fmt.Errorf("the test encoder does not write kind %d", n.kind)
	}
	return out, nil
}

// fits reports whether v is of b's kind, for choosing a union's branch: an integer
// literal is a long, any other number a double.
func fits(b *node, v jv) bool {
	switch v := v.(type) {
	case nil:
		return b.kind == kNull
	case bool:
		return b.kind == kBoolean
	case json.Number:
		if _, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return b.kind == kLong || b.kind == kInt
		}
		return b.kind == kDouble || b.kind == kFloat
	case string:
		return b.kind == kString || b.kind == kEnum
	case []jv:
		return b.kind == kArray
	case []kv:
		return b.kind == kMap || b.kind == kRecord || b.kind == kJSONValue
	}
	return false
}
