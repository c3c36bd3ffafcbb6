package mapper

// ISO-8601 date-times are read by hand: time.Parse allocates, accepts only one layout per
// call, and rejects offsets written "+01" or "+0100". The accepted forms are
//
//	YYYY-MM-DD('T'|'t'|' ')hh:mm[:ss[(.|,)fraction]](Z|z|±hh|±hhmm|±hh:mm)
//
// and they are written back as RFC 3339 with the original offset and fraction digits
// (at most nine). A date-time without an offset is rejected: its instant is unknown. (A
// date, appendDate, is read from a date-time with or without an offset.)

// appendTimestamp appends s as RFC 3339, or reports false.
func appendTimestamp(dst, s []byte) ([]byte, bool) {
	if len(s) < 16 || !validDate(s) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') {
		return dst, false
	}
	h, ok1 := num2(s[11:])
	mi, ok2 := num2(s[14:])
	if !ok1 || !ok2 || s[13] != ':' || h > 23 || mi > 59 {
		return dst, false
	}
	i := 16
	sec := []byte("00")
	var frac []byte
	if i < len(s) && s[i] == ':' {
		se, ok := num2(s[i+1:])
		if !ok || se > 59 {
			return dst, false
		}
		sec = s[i+1 : i+3]
		i += 3
		if i < len(s) && (s[i] == '.' || s[i] == ',') {
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == i+1 {
				return dst, false
			}
			frac = s[i+1 : min(j, i+10)]
			i = j
		}
	}
	if i >= len(s) {
		return dst, false // no offset
	}
	var off [6]byte
	switch c := s[i]; {
	case (c == 'Z' || c == 'z') && i+1 == len(s):
		off[0] = 'Z'
	case c == '+' || c == '-':
		rest := s[i+1:]
		oh, ok := num2(rest)
		if !ok || oh > 23 {
			return dst, false
		}
		om := 0
		switch len(rest) {
		case 2:
		case 4:
			om, ok = num2(rest[2:])
		case 5:
			om, ok = num2(rest[3:])
			ok = ok && rest[2] == ':'
		default:
			ok = false
		}
		if !ok || om > 59 {
			return dst, false
		}
		off = [6]byte{c, rest[0], rest[1], ':', byte('0' + om/10), byte('0' + om%10)}
	default:
		return dst, false
	}
	dst = append(dst, s[:10]...)
	dst = append(dst, 'T')
	dst = append(dst, s[11:16]...)
	dst = append(dst, ':')
	dst = append(dst, sec...)
	if len(frac) > 0 {
		dst = append(dst, '.')
		dst = append(dst, frac...)
	}
	if off[0] == 'Z' {
		return append(dst, 'Z'), true
	}
	return append(dst, off[:]...), true
}

// appendDate appends the YYYY-MM-DD of a date or of an ISO-8601 date-time, with an
// offset or without one: the date is the one written (a birthday is a date, not an
// instant, so a date-time without an offset still gives it, and one with an offset is
// not moved to UTC).
func appendDate(dst, s []byte) ([]byte, bool) {
	if len(s) == 10 && validDate(s) {
		return append(dst, s...), true
	}
	var out [40]byte // an RFC 3339 date-time, with nine fraction digits and an offset, has 35 bytes
	if _, ok := appendTimestamp(out[:0], s); ok {
		return append(dst, s[:10]...), true
	}
	// Without an offset: the same date-time with one.
	if n := len(s); n >= 16 && n < 40 && s[n-1]-'0' <= 9 {
		var z [40]byte
		if _, ok := appendTimestamp(out[:0], append(append(z[:0], s...), 'Z')); ok {
			return append(dst, s[:10]...), true
		}
	}
	return dst, false
}

// validDate checks that s starts with a real calendar date YYYY-MM-DD.
func validDate(s []byte) bool {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	y1, ok1 := num2(s)
	y2, ok2 := num2(s[2:])
	mo, ok3 := num2(s[5:])
	d, ok4 := num2(s[8:])
	if !ok1 || !ok2 || !ok3 || !ok4 || mo < 1 || mo > 12 || d < 1 {
		return false
	}
	y := y1*100 + y2
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mo]
	if mo == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

func num2(s []byte) (int, bool) {
	if len(s) < 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}
