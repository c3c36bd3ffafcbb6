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
	if !ok {
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
