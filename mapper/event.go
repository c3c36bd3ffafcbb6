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

	// traits, context.traits and properties, indexed while validating.
	traitsO, ctxTraitsO, propsO object
}

// parseEvent validates the whole document and records the fields of interest; the
// members of traits, context.traits and properties are appended to arena.
// A document that is valid JSON but not an object gives ReasonNotAnObject.
func parseEvent(d []byte, ev *event, arena *[]member) *Error {
	*ev = event{raw: d}
	i := skipWS(d, 0)
	if i >= len(d) {
		return fail(ReasonInvalidJSON, "", "empty message")
	}
	if d[i] != '{' {
		end, err := scanValue(d, i, 0)
		if err == nil && skipWS(d, end) == len(d) {
			return fail(ReasonNotAnObject, "", "the message is a JSON %s, not an object", kindName(kindOf(d[i])))
		}
		if err == nil {
			err = errAt(end, "data after the JSON value")
		}
		return fail(ReasonInvalidJSON, "", "%v", err)
	}
	end, err := scanTopObject(d, i, ev, arena)
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

func scanTopObject(d []byte, i int, ev *event, arena *[]member) (int, error) {
	const depth = 1
	i++ // past '{'
	for first := true; ; first = false {
		key, vs, done, err := nextKey(d, i, first)
		if done || err != nil {
			return vs, err
		}
		switch string(key) {
		case "traits":
			i, err = scanCollect(d, vs, depth, &ev.traits, &ev.traitsO, arena)
		case "properties":
			i, err = scanCollect(d, vs, depth, &ev.properties, &ev.propsO, arena)
		case "context":
			i, err = scanContext(d, vs, depth, ev, arena)
		default:
			i, err = scanInto(d, vs, depth, ev.topField(key))
		}
		if err != nil {
			return i, err
		}
	}
}

// topField is where the top-level member key is kept, or nil.
func (ev *event) topField(key []byte) *value {
	switch string(key) {
	case "type":
		return &ev.typ
	case "event":
		return &ev.name
	case "userId":
		return &ev.userID
	case "anonymousId":
		return &ev.anonID
	case "messageId":
		return &ev.messageID
	case "timestamp":
		return &ev.timestamp
	case "originalTimestamp":
		return &ev.origTS
	case "integrations":
		return &ev.integrations
	case "batch":
		return &ev.batch
	}
	return nil
}

// scanContext validates the context value at d[vs], keeping context.traits, ip and
// timezone. (Here and in scanCollect the depth is at most 3: maxDepth is not checked.)
func scanContext(d []byte, vs, depth int, ev *event, arena *[]member) (int, error) {
	if d[vs] != '{' {
		return scanValue(d, vs, depth)
	}
	depth++
	i := vs + 1
	for first := true; ; first = false {
		key, vs, done, err := nextKey(d, i, first)
		if done || err != nil {
			return vs, err
		}
		switch string(key) {
		case "traits":
			i, err = scanCollect(d, vs, depth, &ev.ctxTraits, &ev.ctxTraitsO, arena)
		case "ip":
			i, err = scanInto(d, vs, depth, &ev.ctxIP)
		case "timezone":
			i, err = scanInto(d, vs, depth, &ev.ctxTZ)
		default:
			i, err = scanValue(d, vs, depth)
		}
		if err != nil {
			return i, err
		}
	}
}

// scanCollect validates the value at d[vs] into dst and, when it is an object, appends
// its members to arena and indexes them in o.
func scanCollect(d []byte, vs, depth int, dst *value, o *object, arena *[]member) (int, error) {
	if d[vs] != '{' {
		return scanInto(d, vs, depth, dst)
	}
	o.at = [nSlots]uint16{}
	start := len(*arena)
	i := vs + 1
	for first := true; ; first = false {
		key, ms, done, err := nextKey(d, i, first)
		if err != nil {
			return ms, err
		}
		if done {
			*dst = value{raw: d[vs:ms], kind: '{'}
			o.ms = (*arena)[start:len(*arena):len(*arena)]
			return ms, nil
		}
		if i, err = scanValue(d, ms, depth+1); err != nil {
			return i, err
		}
		k := slotOf(key)
		o.note(k, len(*arena)-start)
		*arena = append(*arena, member{key: key, val: value{raw: d[ms:i], kind: kindOf(d[ms])}, slot: k})
	}
}

// scanInto validates the value at d[vs] and, unless dst is nil, keeps it there.
func scanInto(d []byte, vs, depth int, dst *value) (int, error) {
	end, err := scanValue(d, vs, depth)
	if err == nil && dst != nil {
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
