package mapper

import (
	"bytes"
	"encoding/binary"
	"unicode"
	"unicode/utf8"
)

// id reads an id: a string, or a number written as its literal text. Ids must not be
// empty or contain whitespace (invalid_id) and, unless the account allows it, must not
// look like an email address or a phone number (pii_in_id, Ometria's convention).
// An absent id gives the missing reason, naming field.
func (v *view) id(f found, missing Reason, field, what string) ([]byte, *Error) {
	if !f.present() {
		return nil, fail(missing, field, "%s is required", what)
	}
	b, ok := f.v.text()
	if f.v.kind == '0' {
		b, ok = numericID(f.v.raw)
	}
	if !ok {
		if f.v.kind == '0' {
			return nil, fail(ReasonInvalidID, f.field(), "%s is %.64s, not a whole number of at most %d digits", what, f.v.raw, maxIDDigits)
		}
		return nil, fail(ReasonInvalidID, f.field(), "%s must be a string or a number, got a %s", what, kindName(f.v.kind))
	}
	if hasSpace(b) {
		return nil, fail(ReasonInvalidID, f.field(), "%s must not contain whitespace", what)
	}
	if v.acct.piiCheck {
		if looksLikeEmail(b) {
			return nil, fail(ReasonPIIInID, f.field(), "%s looks like an email address; ids must not hold personal data", what)
		}
		if looksLikePhone(b) {
			return nil, fail(ReasonPIIInID, f.field(), "%s looks like a phone number; ids must not hold personal data", what)
		}
	}
	return b, nil
}

// maxIDDigits bounds an id given as a number: 1e400 would be 401 digits.
const maxIDDigits = 64

// idText returns the text of an id: a string unescaped, or a number as the whole number
// it is, in plain digits (1.5e3 and 1500.0 are "1500", -0 is "0"), as RudderStack (whose
// JavaScript reads numbers as doubles and prints 1.5e3 as "1500") and a database
// would write it. A number with a fraction (1.5), or of more than maxIDDigits digits, is
// not an id. Integers written in plain digits are kept exactly, even beyond 2^53.
func idText(v value) ([]byte, bool) {
	if v.kind != '0' {
		return v.text()
	}
	return numericID(v.raw)
}

// numericID is idText for a number.
func numericID(n []byte) ([]byte, bool) {
	plain := true
	for i, c := range n {
		if c < '0' || c > '9' {
			if c != '-' || i != 0 {
				plain = false
				break
			}
		}
	}
	if plain && string(n) != "-0" {
		digits := len(n)
		if n[0] == '-' {
			digits--
		}
		return n, digits <= maxIDDigits
	}
	return wholeNumber(n)
}

// wholeNumber writes the JSON number n, which has a fraction or an exponent, in plain
// digits when it is a whole number of at most maxIDDigits digits.
func wholeNumber(n []byte) ([]byte, bool) {
	neg := n[0] == '-'
	if neg {
		n = n[1:]
	}
	// The significant digits, and where the decimal point goes among them.
	var digits []byte
	point := 0
	i := 0
	for ; i < len(n) && n[i] >= '0' && n[i] <= '9'; i++ {
		digits = append(digits, n[i])
	}
	point = len(digits)
	if i < len(n) && n[i] == '.' {
		for i++; i < len(n) && n[i] >= '0' && n[i] <= '9'; i++ {
			digits = append(digits, n[i])
		}
	}
	if i < len(n) { // 'e' or 'E'
		i++
		eneg := n[i] == '-'
		if n[i] == '+' || n[i] == '-' {
			i++
		}
		exp := 0
		for ; i < len(n); i++ {
			if exp < 1<<20 {
				exp = exp*10 + int(n[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
		point += exp
	}
	// Leading zeros do not count; digits past the point must all be zeros.
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
		point--
	}
	if point < len(digits) {
		for _, c := range digits[max(point, 0):] {
			if c != '0' {
				return nil, false
			}
		}
		digits = digits[:max(point, 0)]
	}
	if len(digits) == 0 {
		return []byte("0"), true
	}
	if point > maxIDDigits {
		return nil, false
	}
	out := make([]byte, 0, point+1)
	if neg {
		out = append(out, '-')
	}
	out = append(out, digits...)
	for range point - len(digits) {
		out = append(out, '0')
	}
	return out, true
}

func hasSpace(b []byte) bool {
	// Eight bytes at a time while all are ASCII above ' ', as ids usually are: a byte
	// below '!' or above 0x7f sets its high bit in (w - 0x21 each) | w, and bytes after it
	// may too, so the loop below looks from there.
	i := 0
	for ; i <= len(b)-8; i += 8 {
		if w := binary.LittleEndian.Uint64(b[i : i+8 : i+8]); (w-lsb*'!'|w)&msb != 0 {
			break
		}
	}
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			if c == ' ' || (c >= '\t' && c <= '\r') {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if unicode.IsSpace(r) {
			return true
		}
		i += n
	}
	return false
}

// looksLikeEmail: something@domain.tld.
func looksLikeEmail(b []byte) bool {
	at := bytes.IndexByte(b, '@')
	if at <= 0 {
		return false
	}
	dom := b[at+1:]
	dot := bytes.LastIndexByte(dom, '.')
	return dot > 0 && dot < len(dom)-1 && bytes.IndexByte(dom, '@') < 0
}

// looksLikePhone: "+" then 7 to 15 digits, optionally separated by - . ( ) or /.
// A bare digit string is not flagged: numeric customer and order ids are common.
func looksLikePhone(b []byte) bool {
	if len(b) < 8 || b[0] != '+' {
		return false
	}
	digits := 0
	for _, c := range b[1:] {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}
