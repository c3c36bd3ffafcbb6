package decode

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// maxDepth bounds how deep values nest, as the mapper bounds JSON (256 levels): a
// recursive schema cannot make decoding overflow the stack.
const maxDepth = 256

// maxZeroWidthItems bounds the items of one block of an array or map whose items may
// take no bytes (an array of nulls), which the bytes left cannot bound.
const maxZeroWidthItems = 1 << 16

// avroReader reads Avro's binary encoding from a byte slice. The first problem found
// is kept in err; reads after it return zero values.
type avroReader struct {
	b   []byte
	i   int
	err *Error
}

func (r *avroReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fail(mapper.ReasonInvalidAvro, format, args...)
		r.err.Msg = "at byte " + strconv.Itoa(r.i+headerSize) + ": " + r.err.Msg
	}
}

// long reads a zig-zag varint of at most 10 bytes.
func (r *avroReader) long() int64 {
	var u uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if r.i >= len(r.b) {
			r.fail("the value is truncated")
			return 0
		}
		c := r.b[r.i]
		r.i++
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int64(u>>1) ^ -int64(u&1)
		}
	}
	r.fail("a varint longer than 10 bytes")
	return 0
}

func (r *avroReader) int() int32 {
	n := r.long()
	if n < math.MinInt32 || n > math.MaxInt32 {
		r.fail("int %d out of range", n)
		return 0
	}
	return int32(n)
}

// take returns the next n bytes.
func (r *avroReader) take(n int64) []byte {
	if n < 0 || n > int64(len(r.b)-r.i) {
		if n < 0 {
			r.fail("a negative length %d", n)
		} else {
			r.fail("the value is truncated (%d bytes wanted, %d left)", n, len(r.b)-r.i)
		}
		r.i = len(r.b)
		return nil
	}
	s := r.b[r.i : r.i+int(n)]
	r.i += int(n)
	return s
}

// blockCount reads the count of the next block of an array or map (a negative count is
// followed by the block's size in bytes, which is skipped), bounded by what is left.
func (r *avroReader) blockCount(elem *node) int64 {
	n := r.long()
	if n < 0 {
		if n == math.MinInt64 {
			r.fail("a block count out of range")
			return 0
		}
		n = -n
		r.long() // the block's size in bytes
	}
	left := int64(len(r.b) - r.i)
	if elem.zeroWidth && n > maxZeroWidthItems || !elem.zeroWidth && n > left {
		r.fail("a block of %d items in %d bytes", n, left)
		return 0
	}
	return n
}

// value appends the JSON of one value of n.
func (r *avroReader) value(out []byte, n *node, depth int) []byte {
	if r.err != nil {
		return out
	}
	if depth > maxDepth {
		r.fail("values nested more than %d levels", maxDepth)
		return out
	}
	switch n.kind {
	case kNull:
		return append(out, "null"...)
	case kBoolean:
		b := r.take(1)
		switch {
		case b == nil:
		case b[0] == 0:
			return append(out, "false"...)
		case b[0] == 1:
			return append(out, "true"...)
		default:
			r.fail("a boolean byte 0x%02x", b[0])
		}
		return out
	case kInt:
		return strconv.AppendInt(out, int64(r.int()), 10)
	case kLong:
		return strconv.AppendInt(out, r.long(), 10)
	case kFloat:
		b := r.take(4)
		if b == nil {
			return out
		}
		return r.float(out, float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), 32)
	case kDouble:
		b := r.take(8)
		if b == nil {
			return out
		}
		return r.float(out, math.Float64frombits(binary.LittleEndian.Uint64(b)), 64)
	case kString:
		s := r.take(r.long())
		if r.err == nil && !utf8.Valid(s) {
			r.fail("a string that is not UTF-8")
		}
		return appendString(out, s)
	case kJSONText:
		s := r.take(r.long())
		if r.err == nil && !json.Valid(s) {
			r.fail("a %s string that is not JSON", debeziumJSON)
		}
		return append(out, s...)
	case kBytes:
		return appendBytes(out, r.take(r.long()))
	case kFixed:
		return appendBytes(out, r.take(int64(n.size)))
	case kDecimalBytes:
		return r.decimal(out, r.take(r.long()), n.scale)
	case kDecimalFixed:
		return r.decimal(out, r.take(int64(n.size)), n.scale)
	case kDate:
		d := r.int()
		return append(append(append(out, '"'), time.Unix(int64(d)*86400, 0).UTC().Format(time.DateOnly)...), '"')
	case kTimestampMillis:
		return appendTime(out, time.UnixMilli(r.long()), "2006-01-02T15:04:05.000Z07:00")
	case kTimestampMicros:
		return appendTime(out, time.UnixMicro(r.long()), "2006-01-02T15:04:05.000000Z07:00")
	case kEnum:
		i := r.long()
		if r.err == nil && (i < 0 || i >= int64(len(n.symbols))) {
			r.fail("enum %s index %d out of range (%d symbols)", n.name, i, len(n.symbols))
			return out
		}
		if r.err != nil {
			return out
		}
		return append(out, n.symbols[i]...)
	case kUnion:
		b := r.branch(n)
		if b == nil {
			return out
		}
		return r.value(out, b, depth)
	case kArray:
		out = append(out, '[')
		first := true
		for count := r.blockCount(n.elem); count > 0 && r.err == nil; count = r.blockCount(n.elem) {
			for ; count > 0 && r.err == nil; count-- {
				if !first {
					out = append(out, ',')
				}
				first = false
				out = r.value(out, n.elem, depth+1)
			}
		}
		return append(out, ']')
	case kMap:
		out = append(out, '{')
		first := true
		for count := r.blockCount(n.elem); count > 0 && r.err == nil; count = r.blockCount(n.elem) {
			for ; count > 0 && r.err == nil; count-- {
				if !first {
					out = append(out, ',')
				}
				first = false
				key := r.take(r.long())
				if r.err == nil && !utf8.Valid(key) {
					r.fail("a map key that is not UTF-8")
				}
				out = append(appendString(out, key), ':')
				out = r.value(out, n.elem, depth+1)
			}
		}
		return append(out, '}')
	case kJSONValue:
		return r.value(out, n.fields[0].node, depth+1)
	case kRecord:
		out = append(out, '{')
		first := true
		for i := range n.fields {
			f := &n.fields[i]
			fn := f.node
			if f.nullable {
				if fn.kind == kUnion {
					if fn = r.branch(fn); fn == nil {
						return out
					}
				}
				if fn.kind == kNull {
					continue // left out: Avro has no absent field
				}
			}
			if !first {
				out = append(out, ',')
			}
			first = false
			out = r.value(append(out, f.key...), fn, depth+1)
		}
		return append(out, '}')
	}
	return out
}

// branch reads a union's branch index and returns the branch, or nil.
func (r *avroReader) branch(n *node) *node {
	i := r.long()
	if r.err != nil {
		return nil
	}
	if i < 0 || i >= int64(len(n.branches)) {
		r.fail("union branch %d out of range (%d branches)", i, len(n.branches))
		return nil
	}
	return n.branches[i]
}

// float writes f as encoding/json does; NaN and the infinities have no JSON form.
func (r *avroReader) float(out []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		r.fail("%v has no JSON form", f)
		return out
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	out = strconv.AppendFloat(out, f, format, -1, bits)
	if format == 'e' { // clean up e-09 to e-9, as encoding/json does
		n := len(out)
		if n >= 4 && out[n-4] == 'e' && out[n-3] == '-' && out[n-2] == '0' {
			out[n-2] = out[n-1]
			out = out[:n-1]
		}
	}
	return out
}

// decimal writes the two's-complement big-endian unscaled value b with scale digits
// after the point, as a JSON number.
func (r *avroReader) decimal(out []byte, b []byte, scale int) []byte {
	if r.err != nil {
		return out
	}
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 { // negative
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
	}
	if len(b) == 0 {
		return append(out, '0')
	}
	s := v.String()
	neg := s[0] == '-'
	if neg {
		out = append(out, '-')
		s = s[1:]
	}
	if scale <= 0 {
		return append(out, s...)
	}
	for len(s) <= scale {
		s = "0" + s
	}
	return append(append(append(out, s[:len(s)-scale]...), '.'), s[len(s)-scale:]...)
}

func appendTime(out []byte, t time.Time, layout string) []byte {
	return append(t.UTC().AppendFormat(append(out, '"'), layout), '"')
}
