package mapper

import (
	"math/bits"
	"unicode/utf8"
)

// writer appends one JSON document to a reusable buffer. Commas are placed by looking
// at the last byte written, so callers only say what comes next.
type writer struct {
	b []byte
}

func (w *writer) reset() { w.b = w.b[:0] }

func (w *writer) comma() {
	if n := len(w.b); n > 0 {
		if c := w.b[n-1]; c != '{' && c != '[' && c != ':' {
			w.b = append(w.b, ',')
		}
	}
}

func (w *writer) open()  { w.comma(); w.b = append(w.b, '{') }
func (w *writer) close() { w.b = append(w.b, '}') }

// openOptional writes key and the start of an object, and returns a mark for
// closeOptional.
func (w *writer) openOptional(key string) (mark int) {
	mark = len(w.b)
	w.key(key)
	w.open()
	return mark
}

// closeOptional ends the object openOptional started, or removes it and its key when
// nothing was written in it.
func (w *writer) closeOptional(mark int) {
	if w.b[len(w.b)-1] == '{' {
		w.b = w.b[:mark]
		return
	}
	w.close()
}

// stringVia writes key and, as a JSON string, what conv appends for s, which must need
// no escaping (dates, timestamps). When conv refuses s it writes nothing and reports false.
func (w *writer) stringVia(key string, s []byte, conv func(dst, s []byte) ([]byte, bool)) bool {
	mark := len(w.b)
	w.key(key)
	w.b = append(w.b, '"')
	var ok bool
	if w.b, ok = conv(w.b, s); ok {
		w.b = append(w.b, '"')
		return true
	}
	w.b = w.b[:mark]
	return false
}

func (w *writer) openArray()  { w.comma(); w.b = append(w.b, '[') }
func (w *writer) closeArray() { w.b = append(w.b, ']') }

// key writes a member name; it must be plain ASCII without quotes or backslashes.
func (w *writer) key(k string) {
	w.comma()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

// memberKey writes the key of a member read from the input: as it is when it held no
// escapes (valid JSON string contents, and valid UTF-8 since Map checked the message),
// else escaped again.
func (w *writer) memberKey(mb *member) {
	w.comma()
	if mb.escaped {
		w.b = appendQuoted(w.b, mb.key)
	} else {
		w.b = append(w.b, '"')
		w.b = append(w.b, mb.key...)
		w.b = append(w.b, '"')
	}
	w.b = append(w.b, ':')
}

// keyString writes a member name that may need escaping.
func (w *writer) keyString(k string) {
	w.comma()
	w.b = appendQuoted(w.b, k)
	w.b = append(w.b, ':')
}

// str writes s as a JSON string.
func (w *writer) str(s string) { w.comma(); w.b = appendQuoted(w.b, s) }

// strBytes writes b as a JSON string.
func (w *writer) strBytes(b []byte) { w.comma(); w.b = appendQuoted(w.b, b) }

// raw writes a validated JSON value from the input as it is.
func (w *writer) raw(v value) { w.comma(); w.b = append(w.b, v.raw...) }

// rawNumber writes bytes that isJSONNumber accepted.
func (w *writer) rawNumber(b []byte) { w.comma(); w.b = append(w.b, b...) }

func (w *writer) boolean(b bool) {
	w.comma()
	if b {
		w.b = append(w.b, "true"...)
	} else {
		w.b = append(w.b, "false"...)
	}
}

const hexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string, escaping quotes, backslashes and control
// characters, and replacing invalid UTF-8 with U+FFFD.
func appendQuoted[S string | []byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	// Most strings are ASCII with nothing to escape: skip eight bytes at a time to the
	// first byte that needs a look (the loop below copies what comes before it at once).
	i := 0
	for ; i <= len(s)-8; i += 8 {
		w := load64(s, i)
		if m := specialMask(w) | w&msb; m != 0 {
			i += bits.TrailingZeros64(m) / 8
			break
		}
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// load64 reads s[i:i+8] as a little-endian word (one load: the compiler combines the bytes).
func load64[S string | []byte](s S, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
