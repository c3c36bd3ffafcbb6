package decode

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// appendString appends s, valid UTF-8, as a JSON string: quotes, backslashes and
// control characters escaped, everything else as it is.
func appendString[S ~string | ~[]byte](out []byte, s S) []byte {
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		out = append(out, s[start:i]...)
		switch c {
		case '"', '\\':
			out = append(out, '\\', c)
		case '\n':
			out = append(out, '\\', 'n')
		case '\r':
			out = append(out, '\\', 'r')
		case '\t':
			out = append(out, '\\', 't')
		default:
			out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	return append(append(out, s[start:]...), '"')
}

// appendBytes appends b as Avro's JSON encoding writes bytes and fixed: a string of one
// code point, U+0000 to U+00FF, per byte.
func appendBytes(out, b []byte) []byte {
	out = append(out, '"')
	for _, c := range b {
		switch {
		case c >= 0x80:
			out = utf8.AppendRune(out, rune(c))
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c < 0x20:
			out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}
