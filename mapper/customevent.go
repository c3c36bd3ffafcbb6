package mapper

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
)

// customEventProps are the properties the custom event table reads.
var customEventProps = consumes(setOf("event_id", "timestamp", "email", "profile_id", "custom_fields"))

// customEvent maps any other track event to a custom_event. name is the trimmed event
// name and lower its lower-cased form (scratch space: used before anything else).
func (m *Mapper) customEvent(ev *event, acct *Account, name, lower []byte) (Record, *Error) {
	v, w, err := m.begin(ev, acct, recCustomEvent, TypeCustomEvent)
	if err != nil {
		return Record{}, err
	}
	if f, ok := v.mapped("event_type"); ok {
		v.optString("event_type", f)
	} else {
		w.key("event_type")
		if acct.keepCase {
			w.strBytes(name)
		} else {
			w.strBytes(lower)
		}
	}
	idf := v.pick("id", or(v.prop(kEventId), top(ev.messageID, "messageId")))
	var id []byte
	if idf.present() {
		var err *Error
		if id, err = v.id(idf, ReasonMissingEventID, "properties.event_id", "the event id"); err != nil {
			return Record{}, err
		}
	} else {
		id = contentID(nil, ev.raw)
	}
	w.key("id")
	w.strBytes(id)
	if err := v.eventTimestamp(); err != nil {
		return Record{}, err
	}
	email := v.pick("identity_email", or(v.trait(kEmail), v.prop(kEmail)))
	if email.v.kind != '"' || len(bytes.TrimSpace(email.v.contents())) == 0 {
		return Record{}, fail(ReasonMissingEmail, "traits.email", "a custom event needs an email (traits.email or properties.email)")
	}
	w.key("identity_email")
	v.trimmedString(email)
	if uid := v.pick("identity_account_id", v.userID()); uid.present() {
		aid, err := v.id(uid, ReasonInvalidID, "userId", "the account id")
		if err != nil {
			return Record{}, err
		}
		w.key("identity_account_id")
		w.strBytes(aid)
	}
	v.optString("profile_id", v.pick("profile_id", or(v.trait(kProfileId), v.prop(kProfileId))))
	v.recordProperties(&customEventProps)
	w.close()
	return m.record(acct, TypeCustomEvent, id), nil
}

// contentID is the id of a custom event that has neither properties.event_id nor a
// messageId: "ev_" and the first 128 bits of the SHA-256 of the event's bytes, in hex. The
// same event, replayed or sent twice, gets the same id, so Ometria keeps it once.
func contentID(dst, event []byte) []byte {
	sum := sha256.Sum256(event)
	dst = append(dst, "ev_"...)
	return hex.AppendEncode(dst, sum[:16])
}
