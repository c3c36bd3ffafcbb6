package mapper

import (
	"bytes"
	"unicode/utf8"
)

// Map maps one Kafka message value for acct. It returns one Outcome per event: one for
// a plain event, one per element of a {"batch": [...]} envelope (none fails the others),
// each followed, for an account that derives products, by one Mapped outcome for each
// product derived from it (with the event's Index and Event).
// A nil acct dead-letters every event as unknown_account.
//
// The returned slice and each Outcome's Warnings are reused by the next call; Record.JSON
// is freshly allocated and belongs to the caller. Map never panics on any input.
func (m *Mapper) Map(raw []byte, acct *Account) []Outcome {
	m.out = m.out[:0]
	m.warnings = m.warnings[:0]
	m.warnEnd = m.warnEnd[:0]
	m.a.reset()
	m.elems = m.elems[:0]

	var ev event
	if !utf8.Valid(raw) {
		m.deadLetter(0, raw, fail(ReasonInvalidJSON, "", "the message is not valid UTF-8"))
		return m.finish()
	}
	if err := parseEvent(raw, &ev, &m.a); err != nil {
		m.deadLetter(0, raw, err)
		return m.finish()
	}
	if !ev.typ.exists() && ev.batch.kind == '[' && ev.dup == "" {
		elems := appendElements(nil, ev.batch.raw)
		if len(elems) == 0 {
			m.skip(0, raw, SkipEmptyBatch)
		}
		for i, el := range elems {
			if el.kind != '{' {
				m.deadLetter(i, el.raw, fail(ReasonNotAnObject, "batch", "element %d is a JSON %s, not an object", i, kindName(el.kind)))
				continue
			}
			var e event
			if err := parseEvent(el.raw, &e, &m.a); err != nil { // already valid: cannot fail, but be safe
				m.deadLetter(i, el.raw, err)
				continue
			}
			m.mapEvent(i, &e, acct)
		}
		return m.finish()
	}
	m.mapEvent(0, &ev, acct)
	return m.finish()
}

// finish points each outcome at its warnings, now that the warnings slice has its final array.
func (m *Mapper) finish() []Outcome {
	start := 0
	for i := range m.out {
		end := m.warnEnd[i]
		if end > start {
			m.out[i].Warnings = m.warnings[start:end:end]
		}
		start = end
	}
	return m.out
}

func (m *Mapper) add(o Outcome) {
	m.out = append(m.out, o)
	m.warnEnd = append(m.warnEnd, len(m.warnings))
}

func (m *Mapper) deadLetter(index int, ev []byte, err *Error) {
	m.add(Outcome{Kind: DeadLetter, Index: index, Event: ev, Err: err})
}

func (m *Mapper) skip(index int, ev []byte, r Reason) {
	m.add(Outcome{Kind: Skipped, Index: index, Event: ev, Skip: r})
}

// warn records a warning for the outcome being built.
func (m *Mapper) warn(code, field string) {
	m.warnings = append(m.warnings, Warning{Code: code, Field: field})
}

// dropWarnings forgets the warnings of an outcome that turned into a dead letter.
func (m *Mapper) dropWarnings() {
	start := 0
	if n := len(m.warnEnd); n > 0 {
		start = m.warnEnd[n-1]
	}
	m.warnings = m.warnings[:start]
}

func (m *Mapper) mapEvent(index int, ev *event, acct *Account) {
	if acct == nil {
		m.deadLetter(index, ev.raw, fail(ReasonUnknownAccount, "", "no account for this event"))
		return
	}
	if ev.dup != "" {
		m.deadLetter(index, ev.raw, duplicate(ev.dup))
		return
	}
	if ev.typ.kind != '"' {
		if ev.typ.exists() {
			m.deadLetter(index, ev.raw, fail(ReasonMissingType, "type", "is a %s, not a string", kindName(ev.typ.kind)))
		} else {
			m.deadLetter(index, ev.raw, fail(ReasonMissingType, "type", "missing"))
		}
		return
	}
	var rec Record
	var err *Error
	var tr trackRule
	t, _ := ev.typ.text()
	switch {
	case equalFold(t, "identify"):
		rec, err = m.contact(ev, acct)
	case equalFold(t, "track"):
		name, ok := ev.name.text()
		name = bytes.TrimSpace(name)
		if ev.name.kind != '"' || !ok || len(name) == 0 {
			err = fail(ReasonMissingEventName, "event", "a track event needs a non-empty string event name, got %s", kindName(ev.name.kind))
			break
		}
		lower := m.lower(name)
		switch tr = acct.tracks[string(lower)]; tr.kind {
		case trackSkip:
			m.skip(index, ev.raw, SkipFilteredEvent)
			return
		case trackOrder:
			rec, err = m.order(ev, acct, tr.status)
		case trackProduct, trackProductDelete:
			rec, err = m.product(ev, acct, tr.kind == trackProductDelete)
		default:
			rec, err = m.customEvent(ev, acct, name, lower)
		}
	default:
		if acct.deadLetterUns {
			m.deadLetter(index, ev.raw, fail(ReasonUnsupportedType, "type", "%q events are not sent to Ometria", t))
		} else {
			m.skip(index, ev.raw, SkipUnsupportedType)
		}
		return
	}
	if err == nil && len(rec.JSON) > MaxRecordSize {
		err = fail(ReasonRecordTooLarge, "", "the %s record is %d bytes, over Ometria's limit of %d", rec.Type, len(rec.JSON), MaxRecordSize)
	}
	if err != nil {
		m.dropWarnings()
		m.deadLetter(index, ev.raw, err)
		return
	}
	m.add(Outcome{Kind: Mapped, Index: index, Event: ev.raw, Record: rec})
	if acct.derived != nil && (tr.kind == trackProductView || tr.kind == trackOrder && tr.status != statusCancelled) {
		m.deriveProducts(index, ev, acct, tr.kind == trackOrder)
	}
}

// lower returns b lower-cased (ASCII fast path, full Unicode otherwise) in scratch space.
func (m *Mapper) lower(b []byte) []byte {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			m.scratch = append(m.scratch[:0], bytes.ToLower(b)...)
			return m.scratch
		}
	}
	m.scratch = append(m.scratch[:0], b...)
	for i, c := range m.scratch {
		if c >= 'A' && c <= 'Z' {
			m.scratch[i] = c + 'a' - 'A'
		}
	}
	return m.scratch
}

func equalFold(b []byte, s string) bool { return len(b) == len(s) && bytes.EqualFold(b, []byte(s)) }

// record copies the writer's buffer into a Record.
func (m *Mapper) record(acct *Account, typ string, id []byte) Record {
	return Record{Account: acct.name, Type: typ, ID: string(id), JSON: bytes.Clone(m.w.b)}
}
