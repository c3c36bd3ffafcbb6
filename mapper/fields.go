package mapper

import (
	"bytes"
	"strconv"
)

// Writers for optional fields: a value of the wrong kind is left out with a warning.

// optString writes a string field; numbers are written as strings.
func (v *view) optString(key string, f found) {
	if !f.present() {
		return
	}
	w := &v.m.w
	switch f.v.kind {
	case '"':
		w.key(key)
		w.raw(f.v)
	case '0':
		w.key(key)
		w.strBytes(f.v.raw)
	default:
		v.m.warn(WarnInvalidValue, f.field())
	}
}

// optID writes an id that is not required: a string, or a number as the whole number it
// is (idText). Unlike a required id it is not checked for whitespace or personal data.
func (v *view) optID(key string, f found) {
	if !f.present() {
		return
	}
	if b, ok := idText(f.v); ok && (f.v.kind == '"' || f.v.kind == '0') {
		v.m.w.key(key)
		v.m.w.strBytes(b)
		return
	}
	v.m.warn(WarnInvalidValue, f.field())
}

// optTimestamp writes an ISO-8601 date-time as RFC 3339.
func (v *view) optTimestamp(key string, f found) {
	if !f.present() {
		return
	}
	if b, ok := f.v.text(); ok && f.v.kind == '"' && v.m.w.stringVia(key, b, appendTimestamp) {
		return
	}
	v.m.warn(WarnInvalidTimestamp, f.field())
}

// optBool writes a JSON boolean; anything else is left out.
func (v *view) optBool(key string, f found) {
	if !f.present() {
		return
	}
	if f.v.kind == 't' || f.v.kind == 'f' {
		v.m.w.key(key)
		v.m.w.raw(f.v)
		return
	}
	v.m.warn(WarnInvalidValue, f.field())
}

// optNumber writes a number; a string holding a JSON number is written as that number.
func (v *view) optNumber(key string, f found) {
	if !f.present() {
		return
	}
	if n, ok := number(f.v); ok {
		v.m.w.key(key)
		v.m.w.rawNumber(n)
		return
	}
	v.m.warn(WarnInvalidValue, f.field())
}

// number returns the JSON number text of a number, or of a string holding one ("12.50"),
// within the range of a double: 1e400 is not a number (it would be +Inf).
func number(x value) ([]byte, bool) {
	switch x.kind {
	case '0':
		if finite(x.raw) {
			return x.raw, true
		}
	case '"':
		b := bytes.TrimSpace(x.contents())
		if isJSONNumber(b) && finite(b) {
			return b, true
		}
	}
	return nil, false
}

// finite reports whether the JSON number text n is within the range of a float64: whether
// it parses without overflowing to ±Inf. (A number too small, 1e-400, is 0: in range.)
// Only a number of more than 308 digits, or with an exponent of three digits or more, can
// overflow: the common number is decided by looking at its last bytes.
func finite(n []byte) bool {
	if len(n) <= 4 { // 1e99 at most
		return true
	}
	return finiteLong(n)
}

func finiteLong(n []byte) bool {
	j := len(n)
	for j > 0 && n[j-1]-'0' <= 9 {
		j--
	}
	switch {
	case j == 0 || (j == 1 && n[0] == '-') || n[j-1] == '.':
		// digits only, or a fraction: no exponent
		if len(n) <= 308 {
			return true
		}
	case n[j-1]|0x20 == 'e' || (j >= 2 && n[j-2]|0x20 == 'e'):
		// an exponent of len(n)-j digits: below 1e200 * 1e99 when it has two
		if len(n)-j <= 2 && len(n) <= 200 {
			return true
		}
	}
	_, err := strconv.ParseFloat(string(n), 64)
	return err == nil
}

// positive reports whether the number text n is greater than zero.
func positive(n []byte) bool {
	if len(n) == 0 || n[0] == '-' {
		return false
	}
	for _, c := range n {
		if c == 'e' || c == 'E' {
			break
		}
		if c >= '1' && c <= '9' {
			return true
		}
	}
	return false
}

// optArray writes an array as it is; a single scalar is wrapped in one. A number out of
// range is left out (inRange).
func (v *view) optArray(key string, f found) {
	if !f.present() {
		return
	}
	w := &v.m.w
	switch f.v.kind {
	case '[':
		if v.ev.outOfRange {
			v.keyInRange(key, f.v, f.field())
			return
		}
		w.key(key)
		w.raw(f.v)
	case '"', '0':
		if f.v.kind == '0' && v.ev.outOfRange && !finite(f.v.raw) {
			v.m.warn(WarnNumberOutOfRange, f.field())
			return
		}
		w.key(key)
		w.openArray()
		w.raw(f.v)
		w.closeArray()
	default:
		v.m.warn(WarnInvalidValue, f.field())
	}
}

// optStringArray writes an array of strings; numbers become strings, other elements are
// left out with a warning. A single string or number becomes a one-element array.
func (v *view) optStringArray(key string, f found) {
	if !f.present() {
		return
	}
	w := &v.m.w
	switch f.v.kind {
	case '"', '0':
		w.key(key)
		w.openArray()
		if f.v.kind == '"' {
			w.raw(f.v)
		} else {
			w.strBytes(f.v.raw)
		}
		w.closeArray()
	case '[':
		w.key(key)
		w.openArray()
		start := len(v.m.elems)
		v.m.elems = appendElements(v.m.elems, f.v.raw)
		bad := false
		for _, e := range v.m.elems[start:] {
			switch e.kind {
			case '"':
				w.raw(e)
			case '0':
				w.strBytes(e.raw)
			default:
				bad = true
			}
		}
		w.closeArray()
		if bad {
			v.m.warn(WarnInvalidValue, f.field())
		}
	default:
		v.m.warn(WarnInvalidValue, f.field())
	}
}
