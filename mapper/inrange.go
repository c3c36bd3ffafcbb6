package mapper

import "strconv"

// The values a record copies as they are from the event (properties and custom_fields,
// a line item's other keys, totals and properties, mapped properties, list ids) are
// written as their bytes. A number in them outside the range of a double (1e400) would
// make a record that encoding/json, JavaScript and Ometria cannot read, so in an event
// that holds one (event.outOfRange, which the scan notes at no cost to other events)
// they are written by inRange, which leaves such numbers out.

// inRange writes the validated value x, copied as it is from the event, leaving out the
// numbers outside the range of a double, innermost: the member or array element that is
// such a number goes, with a number_out_of_range warning naming it under field
// ("properties.a.b[0]"), and the objects and arrays around it stay. It reports false,
// having written nothing, when x is itself such a number. White space between tokens is
// not copied.
func (v *view) inRange(x value, field string) bool {
	switch x.kind {
	case '0':
		if !finite(x.raw) {
			v.m.warn(WarnNumberOutOfRange, field)
			return false
		}
	case '{', '[':
		path := append(make([]byte, 0, len(field)+32), field...)
		v.inRangeAt(x.raw, 0, &path)
		return true
	}
	v.m.w.raw(x)
	return true
}

// inRangeAt writes the validated object or array at d[i] as inRange does and returns
// the index past it. *path names it, and is where the names of its members are made.
func (v *view) inRangeAt(d []byte, i int, path *[]byte) int {
	w := &v.m.w
	open, end := d[i], byte('}')
	if open == '[' {
		end = ']'
	}
	w.comma()
	w.b = append(w.b, open)
	base := len(*path)
	i = skipWS(d, i+1)
	for n := 0; d[i] != end; n++ {
		mark := len(w.b)
		if open == '{' {
			ks := i
			var escaped bool
			i, escaped = skipString(d, i)
			key := d[ks:i]
			*path = append(*path, '.')
			if escaped {
				*path = unescape(*path, key[1:len(key)-1])
			} else {
				*path = append(*path, key[1:len(key)-1]...)
			}
			w.comma()
			w.b = append(w.b, key...) // valid JSON (and UTF-8: Map checked the message)
			w.b = append(w.b, ':')
			i = skipWS(d, skipWS(d, i)+1) // past ':'
		} else {
			*path = append(*path, '[')
			*path = strconv.AppendInt(*path, int64(n), 10)
			*path = append(*path, ']')
		}
		if c := d[i]; c == '{' || c == '[' {
			i = v.inRangeAt(d, i, path)
		} else {
			vs := i
			i = skip(d, i)
			if x := (value{raw: d[vs:i], kind: kindOf(c)}); x.kind == '0' && !finite(x.raw) {
				v.m.warn(WarnNumberOutOfRange, string(*path))
				w.b = w.b[:mark]
			} else {
				w.raw(x)
			}
		}
		*path = (*path)[:base]
		if i = skipWS(d, i); d[i] == ',' {
			i = skipWS(d, i+1)
		}
	}
	w.b = append(w.b, end)
	return i + 1
}

// keyInRange writes key and x by inRange, or nothing when x is a number out of range.
// Callers write key and x as their bytes instead when !v.ev.outOfRange, the common case.
func (v *view) keyInRange(key string, x value, field string) {
	w := &v.m.w
	mark := len(w.b)
	w.key(key)
	if !v.inRange(x, field) {
		w.b = w.b[:mark]
	}
}

// memberInRange writes the member mb by inRange, or nothing when its value is a number
// out of range; in names the object that holds it ("traits").
func (v *view) memberInRange(mb *member, in string) {
	w := &v.m.w
	mark := len(w.b)
	w.memberKey(mb)
	if !v.inRange(mb.val, in+"."+string(mb.key)) {
		w.b = w.b[:mark]
	}
}
