package mapper

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
)

// This file is a small JSON scanner that validates a document in one pass and records
// where the values the mapper reads begin and end, without building a tree. It exists
// because a full parse (fastjson) costs about 4.7 µs for a 1.8 KB event on the project's
// machine, more than the whole mapping budget; see docs/benchmarks.md. This scanner, with
// what parseEvent collects, costs about 2.8 µs (19,400 instructions) an event there
// (BenchmarkParse). Differential tests and a fuzz target check it against
// encoding/json.

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 256

// value is one JSON value: its exact bytes in the input and its kind.
// The zero value means "absent".
type value struct {
	raw  []byte
	kind byte // 0 absent, '"' string, '0' number, 't' true, 'f' false, 'n' null, '{' object, '[' array
}

func (v value) exists() bool { return v.kind != 0 }

// present reports a value that counts as given: not absent, not null, not "".
func (v value) present() bool {
	return v.kind != 0 && v.kind != 'n' && !(v.kind == '"' && len(v.raw) == 2)
}

// member is one key of an object, its key unescaped.
type member struct {
	key     []byte
	val     value
	slot    slot // what the key is, to the mapping tables
	escaped bool // the key held escapes; else key is the input's bytes, fit to be written as they are
}

var errEOF = errors.New("unexpected end of JSON input")

type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return e.msg + " at offset " + itoa(e.off) }

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func errAt(off int, msg string) error { return &syntaxError{off: off, msg: msg} }

// skipWS returns the index of the first byte at or after d[i] that is not whitespace.
// The check for the common case, no whitespace at all, is inlined into the callers.
func skipWS(d []byte, i int) int {
	if i < len(d) && d[i] > ' ' {
		return i
	}
	return skipWSLoop(d, i)
}

func skipWSLoop(d []byte, i int) int {
	for i < len(d) {
		switch d[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// specialMask has the high bit set in each byte of w (eight bytes, little-endian) that
// is '"', '\\' or a control byte, and maybe in bytes after the first such one.
// A byte x is zero when (x-1) &^ x has its high bit set; q and b are zero where w has a
// quote or a backslash, and their high bits are those of w, so one "&^ w" serves all three.
func specialMask(w uint64) uint64 {
	q := w ^ (lsb * '"')
	b := w ^ (lsb * '\\')
	return ((q - lsb) | (b - lsb) | (w - lsb*0x20)) &^ w & msb
}

// stringSpecial returns the index of the first '"', '\\' or control byte in s, or -1.
// It looks at eight bytes at a time: this loop is where most of the scanning time goes.
func stringSpecial(s []byte) int {
	i := 0
	for ; i <= len(s)-8; i += 8 {
		if m := specialMask(binary.LittleEndian.Uint64(s[i : i+8 : i+8])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return -1
}

// scanValue validates the value starting at d[i] (no leading whitespace) and returns
// the index just past it. It sets *big when the value holds a number outside the range
// of a double (and leaves it alone otherwise).
func scanValue(d []byte, i, depth int, big *bool) (int, error) {
	if i >= len(d) {
		return i, errEOF
	}
	switch c := d[i]; c {
	case '"':
		if j := plainEnd(d, i+1); j >= 0 && d[j] == '"' { // the fast path
			return j + 1, nil
		}
		end, _, err := scanStringSlow(d, i)
		return end, err
	case '{':
		return scanObject(d, i, depth+1, big)
	case '[':
		return scanArray(d, i, depth+1, big)
	case 't':
		return scanLiteral(d, i, "true")
	case 'f':
		return scanLiteral(d, i, "false")
	case 'n':
		return scanLiteral(d, i, "null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return scanNumber(d, i, big)
		}
		return i, errAt(i, "invalid character "+quoteByte(c))
	}
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(c) + "'"
	}
	return "0x" + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])
}

func scanLiteral(d []byte, i int, lit string) (int, error) {
	if len(d)-i < len(lit) {
		return len(d), errEOF
	}
	if string(d[i:i+len(lit)]) != lit {
		return i, errAt(i, "invalid literal")
	}
	return i + len(lit), nil
}

// plainEnd returns the index of the first '"', '\\' or control byte at or after d[j],
// looking at eight bytes at a time, or -1 when it is not found before the last eight
// bytes of d. It is small enough to be inlined: the scanner's string readers
// use it directly, for the common string (no escapes, not at the very end), saving a
// call per string; this is where most of the scanning time goes.
func plainEnd(d []byte, j int) int {
	for ; j <= len(d)-8; j += 8 {
		if m := specialMask(binary.LittleEndian.Uint64(d[j : j+8 : j+8])); m != 0 {
			return j + bits.TrailingZeros64(m)/8
		}
	}
	return -1
}

// scanStringSlow validates the string whose opening quote is d[i] and returns the index
// past its closing quote, and whether it holds escapes (so that a key needs unescaping).
// It handles any string, from its start; callers first try the fast path
// (plainEnd finding the closing quote with no escape before it).
func scanStringSlow(d []byte, i int) (end int, escaped bool, err error) {
	i++
	for {
		for ; i <= len(d)-8; i += 8 {
			if m := specialMask(binary.LittleEndian.Uint64(d[i : i+8 : i+8])); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				goto special
			}
		}
		if j := stringSpecial(d[i:]); j < 0 {
			return len(d), escaped, errEOF
		} else {
			i += j
		}
	special:
		if c := d[i]; c == '"' {
			return i + 1, escaped, nil
		} else if c != '\\' {
			return i, escaped, errAt(i, "control character in string")
		}
		escaped = true
		if i+1 >= len(d) {
			return len(d), escaped, errEOF
		}
		switch d[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if i+6 > len(d) {
				return len(d), escaped, errEOF
			}
			for _, h := range d[i+2 : i+6] {
				if !isHex(h) {
					return i, escaped, errAt(i, "invalid \\u escape")
				}
			}
			i += 6
		default:
			return i, escaped, errAt(i, "invalid escape")
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// scanNumber validates the number at d[i] and returns the index past it. It sets *big
// when the number is outside the range of a double, which only a number with an exponent
// or of more than 308 digits can be: the common number costs one comparison more.
func scanNumber(d []byte, i int, big *bool) (int, error) {
	start := i
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = skipDigits(d, i+1)
	default:
		return i, errAt(start, "invalid number")
	}
	if i < len(d) && d[i] == '.' {
		j := skipDigits(d, i+1)
		if j == i+1 {
			return j, errAt(start, "invalid number")
		}
		i = j
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := skipDigits(d, i)
		if j == i {
			return j, errAt(start, "invalid number")
		}
		if !finite(d[start:j]) {
			*big = true
		}
		return j, nil
	}
	if i-start > 308 && !finite(d[start:i]) {
		*big = true
	}
	return i, nil
}

// skipDigits returns the index of the first byte at or after d[i] that is not a digit.
func skipDigits(d []byte, i int) int {
	for i < len(d) && d[i]-'0' <= 9 {
		i++
	}
	return i
}

// The loops over the members of an object that the mapper reads are plain for loops
// that call nextKey for each member, then read its value. An earlier version took a
// callback per member; the indirect call and the closure cost about 10% of the scan.

// nextKey reads an object from d[i], which is just past its '{' (first) or just past a
// member's value, to the next member: it returns the key (unescaped into fresh bytes
// when it holds escapes, which is rare) and the index of the member's value, or done
// and the index past the object's '}'.
func nextKey(d []byte, i int, first bool) (key []byte, vs int, escaped, done bool, err error) {
	if i = skipWS(d, i); i >= len(d) {
		return nil, i, false, false, errEOF
	}
	switch c := d[i]; {
	case c == '}':
		return nil, i + 1, false, true, nil
	case first:
	case c == ',':
		if i = skipWS(d, i+1); i >= len(d) {
			return nil, i, false, false, errEOF
		}
	default:
		return nil, i, false, false, errAt(i, "expected ',' or '}'")
	}
	if d[i] != '"' {
		return nil, i, false, false, errAt(i, "expected a string key")
	}
	end := plainEnd(d, i+1) // the fast path
	if end >= 0 && d[end] == '"' {
		key = d[i+1 : end]
		end++
	} else {
		if end, escaped, err = scanStringSlow(d, i); err != nil {
			return nil, end, false, false, err
		}
		key = d[i+1 : end-1]
		if escaped {
			key = unescape(nil, key)
		}
	}
	if i = skipWS(d, end); i >= len(d) {
		return nil, i, false, false, errEOF
	}
	if d[i] != ':' {
		return nil, i, false, false, errAt(i, "expected ':'")
	}
	if vs = skipWS(d, i+1); vs >= len(d) {
		return nil, vs, false, false, errEOF
	}
	return key, vs, escaped, false, nil
}

// scanObject validates the object at d[i] and returns the index past it. It is the
// loop above with the key not kept, written out: most of an event is objects nobody
// reads (context.page, context.app, ...).
func scanObject(d []byte, i, depth int, big *bool) (int, error) {
	if depth > maxDepth {
		return i, errAt(i, "nested too deeply")
	}
	i = skipWS(d, i+1)
	if i < len(d) && d[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(d) {
			return i, errEOF
		}
		if d[i] != '"' {
			return i, errAt(i, "expected a string key")
		}
		var err error
		if j := plainEnd(d, i+1); j >= 0 && d[j] == '"' { // the fast path
			i = j + 1
		} else if i, _, err = scanStringSlow(d, i); err != nil {
			return i, err
		}
		if i = skipWS(d, i); i >= len(d) {
			return i, errEOF
		}
		if d[i] != ':' {
			return i, errAt(i, "expected ':'")
		}
		// A string value without escapes, the most common value, is read here too.
		vs := skipWS(d, i+1)
		i = -1
		if vs < len(d) && d[vs] == '"' {
			if j := plainEnd(d, vs+1); j >= 0 && d[j] == '"' {
				i = j + 1
			}
		}
		if i < 0 {
			if i, err = scanValue(d, vs, depth, big); err != nil {
				return i, err
			}
		}
		if i = skipWS(d, i); i >= len(d) {
			return i, errEOF
		}
		switch d[i] {
		case ',':
			i = skipWS(d, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, errAt(i, "expected ',' or '}'")
		}
	}
}

func scanArray(d []byte, i, depth int, big *bool) (int, error) {
	if depth > maxDepth {
		return i, errAt(i, "nested too deeply")
	}
	i = skipWS(d, i+1)
	if i < len(d) && d[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = scanValue(d, i, depth, big); err != nil {
			return i, err
		}
		if i = skipWS(d, i); i >= len(d) {
			return i, errEOF
		}
		switch d[i] {
		case ',':
			i = skipWS(d, i+1)
		case ']':
			return i + 1, nil
		default:
			return i, errAt(i, "expected ',' or ']'")
		}
	}
}

// kindOf returns the kind of the value whose first byte is c.
func kindOf(c byte) byte {
	if c == '-' || (c >= '0' && c <= '9') {
		return '0'
	}
	return c
}

// skip returns the index just past the valid value at d[i]. It does not validate:
// use it only on bytes scanValue has accepted.
func skip(d []byte, i int) int {
	switch d[i] {
	case '"':
		end, _ := skipString(d, i)
		return end
	case '{', '[':
		depth := 0
		for ; i < len(d); i++ {
			switch d[i] {
			case '"':
				i, _ = skipString(d, i)
				i--
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	case 't', 'n':
		return i + 4 // true, null
	case 'f':
		return i + 5 // false
	default: // a number: digits, '-', '+', '.', 'e', 'E'
		for i++; i < len(d) && (d[i]-'0' <= 9 || d[i] == '.' || d[i]|0x20 == 'e' || d[i] == '-' || d[i] == '+'); i++ {
		}
		return i
	}
}

// skipString returns the index just past the valid string at d[i], and whether it
// holds escapes. It is scanStringSlow's loop without the checks.
func skipString(d []byte, i int) (end int, escaped bool) {
	i++
	for {
		for ; i <= len(d)-8; i += 8 {
			if m := specialMask(load64(d, i)); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				goto special
			}
		}
		i += stringSpecial(d[i:]) // the string is valid: its closing quote is there
	special:
		if d[i] == '"' {
			return i + 1, escaped
		}
		escaped = true
		i += 2 // a backslash and the byte it escapes (\uXXXX: the hex digits are plain bytes)
	}
}

// appendMembers appends the members of the validated object obj to dst.
// Keys with escapes are unescaped into freshly allocated bytes (rare in practice).
func appendMembers(dst []member, obj []byte) []member {
	dst, _ = appendMembersAt(dst, obj, 0)
	return dst
}

// appendMembersAt appends the members of the validated object at d[i] to dst and
// returns the index just past it.
func appendMembersAt(dst []member, d []byte, i int) ([]member, int) {
	i = skipWS(d, i+1)
	for i < len(d) && d[i] == '"' {
		ks := i
		var key []byte
		var escaped bool
		if j := plainEnd(d, i+1); j >= 0 && d[j] == '"' { // skipString's fast path
			i = j + 1
			key = d[ks+1 : j]
		} else {
			i, escaped = skipString(d, i)
			if key = d[ks+1 : i-1]; escaped {
				key = unescape(nil, key)
			}
		}
		i = skipWS(d, i)
		i = skipWS(d, i+1) // ':'
		vs := i
		i = skip(d, i)
		dst = append(dst, member{key: key, val: value{raw: d[vs:i], kind: kindOf(d[vs])}, slot: slotOf(key), escaped: escaped})
		i = skipWS(d, i)
		if i < len(d) && d[i] == ',' {
			i = skipWS(d, i+1)
		}
	}
	return dst, i + 1 // past '}'
}

// appendElements appends the elements of the validated array arr to dst.
func appendElements(dst []value, arr []byte) []value {
	i := skipWS(arr, 1)
	for i < len(arr) && arr[i] != ']' {
		vs := i
		i = skip(arr, i)
		dst = append(dst, value{raw: arr[vs:i], kind: kindOf(arr[vs])})
		i = skipWS(arr, i)
		if i < len(arr) && arr[i] == ',' {
			i = skipWS(arr, i+1)
		}
	}
	return dst
}

func hasBackslash(b []byte) bool { return bytes.IndexByte(b, '\\') >= 0 }
