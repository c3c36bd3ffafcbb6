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

// memberFunc receives each member of an object as it is validated.
type memberFunc func(key []byte, v value, d []byte, vs, depth int) (int, error)

// scanMembers validates the object at d[i], calling fn for each member's value; fn
// validates the value itself and returns the index past it.
func scanMembers(d []byte, i, depth int, fn memberFunc) (int, error) {
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
		ks := i
		var err error
		if i, err = scanString(d, i); err != nil {
			return i, err
		}
		key := d[ks+1 : i-1]
		if hasBackslash(key) {
			key = unescape(nil, key)
		}
		if i = skipWS(d, i); i >= len(d) {
			return i, errEOF
		}
		if d[i] != ':' {
			return i, errAt(i, "expected ':'")
		}
		vs := skipWS(d, i+1)
		if vs >= len(d) {
			return vs, errEOF
		}
		if i, err = fn(key, value{kind: kindOf(d[vs])}, d, vs, depth); err != nil {
			return i, err
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

func scanTopObject(d []byte, i int, ev *event, arena *[]member) (int, error) {
	return scanMembers(d, i, 1, func(key []byte, v value, d []byte, vs, depth int) (int, error) {
		var dst *value
		switch string(key) {
		case "traits":
			return scanCollect(&ev.traits, &ev.traitsO, v, d, vs, depth, arena)
		case "properties":
			return scanCollect(&ev.properties, &ev.propsO, v, d, vs, depth, arena)
		case "type":
			dst = &ev.typ
		case "event":
			dst = &ev.name
		case "userId":
			dst = &ev.userID
		case "anonymousId":
			dst = &ev.anonID
		case "messageId":
			dst = &ev.messageID
		case "timestamp":
			dst = &ev.timestamp
		case "originalTimestamp":
			dst = &ev.origTS
		case "integrations":
			dst = &ev.integrations
		case "batch":
			dst = &ev.batch
		case "context":
			if v.kind == '{' {
				end, err := scanMembers(d, vs, depth+1, func(key []byte, v value, d []byte, vs, depth int) (int, error) {
					var dst *value
					switch string(key) {
					case "traits":
						return scanCollect(&ev.ctxTraits, &ev.ctxTraitsO, v, d, vs, depth, arena)
					case "ip":
						dst = &ev.ctxIP
					case "timezone":
						dst = &ev.ctxTZ
					}
					return scanInto(dst, v, d, vs, depth)
				})
				return end, err
			}
		}
		return scanInto(dst, v, d, vs, depth)
	})
}

// scanCollect validates a value into dst and, when it is an object, appends its
// members to arena and indexes them in o.
func scanCollect(dst *value, o *object, v value, d []byte, vs, depth int, arena *[]member) (int, error) {
	if v.kind != '{' {
		return scanInto(dst, v, d, vs, depth)
	}
	o.at = [nSlots]uint16{}
	start := len(*arena)
	end, err := scanMembers(d, vs, depth+1, func(key []byte, v value, d []byte, vs, depth int) (int, error) {
		end, err := scanValue(d, vs, depth)
		v.raw = d[vs:end]
		k := slotOf(key)
		o.note(k, len(*arena)-start)
		*arena = append(*arena, member{key: key, val: v, slot: k})
		return end, err
	})
	if err == nil {
		*dst = value{raw: d[vs:end], kind: '{'}
		o.ms = (*arena)[start:len(*arena):len(*arena)]
	}
	return end, err
}

func scanInto(dst *value, v value, d []byte, vs, depth int) (int, error) {
	end, err := scanValue(d, vs, depth)
	if err == nil && dst != nil {
		v.raw = d[vs:end]
		*dst = v
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
