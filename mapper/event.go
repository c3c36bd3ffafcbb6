package mapper

// event holds where the fields the mapper reads sit in one event's bytes.
type event struct {
	raw               []byte
	typ, name         value
	userID, anonID    value
	messageID         value
	timestamp, origTS value
	traits, ctxTraits value
	ctxIP, ctxTZ      value
	properties        value
	integrations      value
	batch             value

	// outOfRange: the event holds a number outside the range of a double (1e400), somewhere.
	// Values copied as they are into the record are then written by inRange, which leaves
	// such numbers out; else they are copied as their bytes.
	outOfRange bool

	// dup is the first of the fields above (or of context's) that appears twice, as a
	// path ("type", "context.traits"); "" when none does. Such an event is ambiguous.
	dup string

	// traits, context.traits and properties, indexed while validating.
	traitsO, ctxTraitsO, propsO object

	// The elements of properties.products when it is an array (the last one, if the key
	// repeats), collected while validating for lineItems.
	lines []line
}

// line is an element of properties.products; ms are its members when it is an object.
type line struct {
	val value
	ms  []member
}

// arena holds what parseEvent collects, reused from message to message.
type arena struct {
	members []member // of traits, context.traits and properties
	items   []member // of the product lines
	lines   []line
	big     bool // the document being scanned holds a number outside the range of a double
}

func (a *arena) reset() {
	a.members = a.members[:0]
	a.items = a.items[:0]
	a.lines = a.lines[:0]
}

// parseEvent validates the whole document and records the fields of interest; the
// members of traits, context.traits and properties, and the product lines, are
// collected in a.
// A document that is valid JSON but not an object gives ReasonNotAnObject.
func parseEvent(d []byte, ev *event, a *arena) *Error {
	*ev = event{raw: d}
	a.big = false
	i := skipWS(d, 0)
	if i >= len(d) {
		return fail(ReasonInvalidJSON, "", "empty message")
	}
	if d[i] != '{' {
		end, err := scanValue(d, i, 0, &a.big)
		if err == nil && skipWS(d, end) == len(d) {
			return fail(ReasonNotAnObject, "", "the message is a JSON %s, not an object", kindName(kindOf(d[i])))
		}
		if err == nil {
			err = errAt(end, "data after the JSON value")
		}
		return fail(ReasonInvalidJSON, "", "%v", err)
	}
	end, err := scanTopObject(d, i, ev, a)
	ev.outOfRange = a.big
	if err == nil {
		if end = skipWS(d, end); end != len(d) {
			err = errAt(end, "data after the JSON value")
		}
	}
	if err != nil {
		return fail(ReasonInvalidJSON, "", "%v", err)
	}
	return nil
}

func scanTopObject(d []byte, i int, ev *event, a *arena) (int, error) {
	const depth = 1
	i++ // past '{'
	for first := true; ; first = false {
		key, vs, _, done, err := nextKey(d, i, first)
		if done || err != nil {
			return vs, err
		}
		switch string(key) {
		case "traits":
			ev.noteDup(&ev.traits, "traits")
			i, err = scanCollect(d, vs, depth, &ev.traits, &ev.traitsO, a, nil)
		case "properties":
			ev.noteDup(&ev.properties, "properties")
			i, err = scanCollect(d, vs, depth, &ev.properties, &ev.propsO, a, &ev.lines)
		case "context":
			i, err = scanContext(d, vs, depth, ev, a)
		case "type":
			ev.noteDup(&ev.typ, "type")
			i, err = scanInto(d, vs, depth, &ev.typ, &a.big)
		case "event":
			ev.noteDup(&ev.name, "event")
			i, err = scanInto(d, vs, depth, &ev.name, &a.big)
		case "userId":
			ev.noteDup(&ev.userID, "userId")
			i, err = scanInto(d, vs, depth, &ev.userID, &a.big)
		case "anonymousId":
			ev.noteDup(&ev.anonID, "anonymousId")
			i, err = scanInto(d, vs, depth, &ev.anonID, &a.big)
		case "messageId":
			ev.noteDup(&ev.messageID, "messageId")
			i, err = scanInto(d, vs, depth, &ev.messageID, &a.big)
		case "timestamp":
			ev.noteDup(&ev.timestamp, "timestamp")
			i, err = scanInto(d, vs, depth, &ev.timestamp, &a.big)
		case "originalTimestamp":
			ev.noteDup(&ev.origTS, "originalTimestamp")
			i, err = scanInto(d, vs, depth, &ev.origTS, &a.big)
		case "integrations":
			ev.noteDup(&ev.integrations, "integrations")
			i, err = scanInto(d, vs, depth, &ev.integrations, &a.big)
		case "batch":
			ev.noteDup(&ev.batch, "batch")
			i, err = scanInto(d, vs, depth, &ev.batch, &a.big)
		default:
			i, err = scanValue(d, vs, depth, &a.big)
		}
		if err != nil {
			return i, err
		}
	}
}

// noteDup records field as the event's first duplicate when v, its value, was already read.
func (ev *event) noteDup(v *value, field string) {
	if v.exists() && ev.dup == "" {
		ev.dup = field
	}
}

// scanContext validates the context value at d[vs], keeping context.traits, ip and
// timezone. (Here and in scanCollect the depth is at most 3: maxDepth is not checked.)
func scanContext(d []byte, vs, depth int, ev *event, a *arena) (int, error) {
	if d[vs] != '{' {
		return scanValue(d, vs, depth, &a.big)
	}
	depth++
	i := vs + 1
	for first := true; ; first = false {
		key, vs, _, done, err := nextKey(d, i, first)
		if done || err != nil {
			return vs, err
		}
		switch string(key) {
		case "traits":
			ev.noteDup(&ev.ctxTraits, "context.traits")
			i, err = scanCollect(d, vs, depth, &ev.ctxTraits, &ev.ctxTraitsO, a, nil)
		case "ip":
			ev.noteDup(&ev.ctxIP, "context.ip")
			i, err = scanInto(d, vs, depth, &ev.ctxIP, &a.big)
		case "timezone":
			ev.noteDup(&ev.ctxTZ, "context.timezone")
			i, err = scanInto(d, vs, depth, &ev.ctxTZ, &a.big)
		default:
			i, err = scanValue(d, vs, depth, &a.big)
		}
		if err != nil {
			return i, err
		}
	}
}

// scanCollect validates the value at d[vs] into dst and, when it is an object, appends
// its members to a.members and indexes them in o. With lines (properties), an array
// under "products" is collected into *lines.
func scanCollect(d []byte, vs, depth int, dst *value, o *object, a *arena, lines *[]line) (int, error) {
	if d[vs] != '{' {
		return scanInto(d, vs, depth, dst, &a.big)
	}
	start := len(a.members)
	i := vs + 1
	for first := true; ; first = false {
		key, ms, escaped, done, err := nextKey(d, i, first)
		if err != nil {
			return ms, err
		}
		if done {
			*dst = value{raw: d[vs:ms], kind: '{'}
			o.index(a.members[start:len(a.members):len(a.members)])
			return ms, nil
		}
		k := slotOf(key)
		if k == kProducts && lines != nil && d[ms] == '[' {
			i, err = scanLines(d, ms, depth+2, a, lines)
		} else {
			i, err = scanValue(d, ms, depth+1, &a.big)
		}
		if err != nil {
			return i, err
		}
		a.members = append(a.members, member{key: key, val: value{raw: d[ms:i], kind: kindOf(d[ms])}, slot: k, escaped: escaped})
	}
}

// scanLines validates the array at d[vs] (properties.products), collecting its elements
// into *lines and the members of those that are objects into a.items: lineItems reads
// every product, and walking the bytes again cost about 2 µs an order.
func scanLines(d []byte, vs, depth int, a *arena, lines *[]line) (int, error) {
	start := len(a.lines)
	i := skipWS(d, vs+1)
	if i < len(d) && d[i] == ']' {
		*lines = nil
		return i + 1, nil
	}
	for {
		if i >= len(d) {
			return i, errEOF
		}
		var ln line
		var end int
		var err error
		if d[i] == '{' {
			ln.ms, end, err = scanItem(d, i, depth+1, a)
		} else {
			end, err = scanValue(d, i, depth, &a.big)
		}
		if err != nil {
			return end, err
		}
		ln.val = value{raw: d[i:end], kind: kindOf(d[i])}
		a.lines = append(a.lines, ln)
		if i = skipWS(d, end); i >= len(d) {
			return i, errEOF
		}
		switch d[i] {
		case ',':
			i = skipWS(d, i+1)
		case ']':
			*lines = a.lines[start:len(a.lines):len(a.lines)]
			return i + 1, nil
		default:
			return i, errAt(i, "expected ',' or ']'")
		}
	}
}

// scanItem validates the object at d[vs], a product line, appending its members to a.items.
func scanItem(d []byte, vs, depth int, a *arena) ([]member, int, error) {
	start := len(a.items)
	i := vs + 1
	for first := true; ; first = false {
		key, ms, escaped, done, err := nextKey(d, i, first)
		if err != nil {
			return nil, ms, err
		}
		if done {
			return a.items[start:len(a.items):len(a.items)], ms, nil
		}
		if i, err = scanValue(d, ms, depth, &a.big); err != nil {
			return nil, i, err
		}
		a.items = append(a.items, member{key: key, val: value{raw: d[ms:i], kind: kindOf(d[ms])}, slot: slotOf(key), escaped: escaped})
	}
}

// scanInto validates the value at d[vs] and keeps it in dst.
func scanInto(d []byte, vs, depth int, dst *value, big *bool) (int, error) {
	end, err := scanValue(d, vs, depth, big)
	if err == nil {
		*dst = value{raw: d[vs:end], kind: kindOf(d[vs])}
	}
	return end, err
}

func kindName(k byte) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "nothing"
}
