package mapper

import (
	"unicode/utf16"
	"unicode/utf8"
)

// contents is the bytes between a string value's quotes, escapes still in place.
func (v value) contents() []byte { return v.raw[1 : len(v.raw)-1] }

// text returns a string value unescaped, or a number's literal text.
// ok is false for other kinds.
func (v value) text() (b []byte, ok bool) {
	switch v.kind {
	case '"':
		c := v.contents()
		if hasBackslash(c) {
			return unescape(nil, c), true
		}
		return c, true
	case '0':
		return v.raw, true
	}
	return nil, false
}

// unescape appends the decoded form of the validated JSON string contents s to dst.
// Lone surrogates become U+FFFD, as encoding/json does.
func unescape(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hex4(s[i+1:]))
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					r2 = rune(hex4(s[i+3:]))
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, s[i])
		}
	}
	return dst
}

func hex4(b []byte) int {
	n := 0
	for _, c := range b[:4] {
		n <<= 4
		switch {
		case c <= '9':
			n |= int(c - '0')
		default:
			n |= int(c|0x20-'a') + 10
		}
	}
	return n
}

// isJSONNumber reports whether s is a number in JSON's grammar (so it may be written unquoted).
func isJSONNumber(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	var big bool // the range is number's to check
	end, err := scanNumber(s, 0, &big)
	return err == nil && end == len(s)
}
