package mapper

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// contactTraits are the traits the identify table reads; when custom_fields is absent,
// every other trait goes into properties.
var contactTraits = consumes(setOf("listingId", "email", "userId", "id",
	"firstName", "first_name", "firstname", "middleName", "middle_name", "middlename",
	"lastName", "last_name", "lastname", "name", "phoneNumber", "phone", "collection",
	"prefix", "dateOfBirth", "birthday", "countryId", "timezone", "timestampAcquired",
	"createdAt", "timestampSubscribed", "timestampUnsubscribed", "storeIds", "gender",
	"addToLists", "removeFromLists", "forceOptin", "merge", "custom_fields"))

// contact maps an identify event to a contact record.
func (m *Mapper) contact(ev *event, acct *Account) (Record, *Error) {
	v, w, err := m.begin(ev, acct, recContact, TypeContact)
	if err != nil {
		return Record{}, err
	}

	if c := v.pick("@collection", v.trait(kCollection)); c.present() {
		v.optString("@collection", c)
	} else if acct.collection != "" {
		w.key("@collection")
		w.str(acct.collection)
	}

	id, err := v.id(v.pick("id", or(v.integration("listingId"), v.trait(kListingId))), ReasonMissingListingID, "traits.listingId", "the contact listing id")
	if err != nil {
		return Record{}, err
	}
	w.key("id")
	w.strBytes(id)

	email := v.pick("email", v.trait(kEmail))
	if email.v.kind != '"' || len(bytes.TrimSpace(email.v.contents())) == 0 {
		if !email.present() {
			email.key = "email"
			email.src = srcTraits
		}
		return Record{}, fail(ReasonMissingEmail, email.field(), "a contact needs an email address (a non-empty string)")
	}
	w.key("email")
	v.trimmedString(email)

	if uid := v.pick("customer_id", v.userID()); uid.present() {
		cid, err := v.id(uid, ReasonInvalidID, "userId", "the customer id")
		if err != nil {
			return Record{}, err
		}
		w.key("customer_id")
		w.strBytes(cid)
	}

	v.optString("prefix", v.pick("prefix", v.trait(kPrefix)))
	v.names()
	v.phone()
	if dob := v.pick("date_of_birth", v.trait(kDateOfBirth, kBirthday)); dob.present() {
		v.date("date_of_birth", dob)
	}
	if g := v.pick("gender", v.trait(kGender)); g.present() {
		v.gender(g)
	}
	if c := v.pick("country_id", v.trait(kCountryId)); c.present() {
		v.country(c)
	}
	if tz := v.pick("timezone", or(top(ev.ctxTZ, "context.timezone"), v.trait(kTimezone))); tz.present() {
		v.timezone(tz)
	}
	v.optTimestamp("timestamp_acquired", v.pick("timestamp_acquired", v.trait(kTimestampAcquired, kCreatedAt)))
	v.optTimestamp("timestamp_subscribed", v.pick("timestamp_subscribed", v.trait(kTimestampSubscribed)))
	v.optTimestamp("timestamp_unsubscribed", v.pick("timestamp_unsubscribed", v.trait(kTimestampUnsubscribed)))
	v.optStringArray("store_ids", v.pick("store_ids", v.trait(kStoreIds)))
	v.optArray("@add_to_lists", v.pick("@add_to_lists", v.trait(kAddToLists)))
	v.optArray("@remove_from_lists", v.pick("@remove_from_lists", v.trait(kRemoveFromLists)))
	v.optBool("@force_optin", v.pick("@force_optin", v.trait(kForceOptin)))
	v.optBool("@merge", v.pick("@merge", v.trait(kMerge)))

	optin := acct.optin
	if f := v.pick("marketing_optin", v.integration("marketingOptin", "marketing_optin")); f.present() {
		s, ok := f.v.text()
		if o, valid := normalizeOptin(string(s)); ok && f.v.kind == '"' && valid {
			optin = o
		} else {
			return Record{}, fail(ReasonInvalidMarketingOptin, f.field(), "must be %s, %s or %s", OptedIn, OptedOut, NotSpecified)
		}
	}
	w.key("marketing_optin")
	w.str(optin)

	w.key("channels")
	w.open()
	w.key("sms")
	w.open()
	v.smsBool("allow_marketing", acct.smsMarketing, v.integration("allowMarketing", "allow_marketing"))
	v.smsBool("allow_transactional", acct.smsTransact, v.integration("allowTransactional", "allow_transactional"))
	v.optTimestamp("dt_updated_marketing", v.integration("dt_updated_marketing", "dtUpdatedMarketing"))
	v.optTimestamp("dt_updated_transactional", v.integration("dt_updated_transactional", "dtUpdatedTransactional"))
	w.close()
	w.close()

	v.contactProperties()
	w.close()
	return m.record(acct, TypeContact, id), nil
}

// trimmedString writes a string value, trimmed of surrounding whitespace.
func (v *view) trimmedString(f found) {
	c := f.v.contents()
	if t := bytes.TrimSpace(c); len(t) != len(c) {
		b, _ := f.v.text()
		v.m.w.strBytes(bytes.TrimSpace(b))
		return
	}
	v.m.w.raw(f.v)
}

// names writes firstname, middlename and lastname: explicit traits win; traits.name
// fills whichever are still empty (1 word: first; 2: first last; 3+: first, middle words, last).
// A name read that is not a string is left out with invalid_value.
func (v *view) names() {
	first := v.pick("firstname", v.trait(kFirstName, kFirstNameSnake, kFirstnameLower))
	middle := v.pick("middlename", v.trait(kMiddleName, kMiddleNameSnake, kMiddlenameLower))
	last := v.pick("lastname", v.trait(kLastName, kLastNameSnake, kLastnameLower))
	var sf, sm, sl []byte
	if !first.present() || !middle.present() || !last.present() {
		if n := v.trait(kName); n.v.kind == '"' {
			b, _ := n.v.text()
			sf, sm, sl = nameParts(b)
		} else if n.present() {
			v.m.warn(WarnInvalidValue, n.field())
		}
	}
	w := &v.m.w
	put := func(key string, f found, split []byte) {
		switch {
		case f.present():
			v.optString(key, f)
		case len(split) > 0:
			w.key(key)
			w.strBytes(split)
		}
	}
	put("firstname", first, sf)
	put("middlename", middle, sm)
	put("lastname", last, sl)
}

// nameParts splits a full name into words as bytes.Fields does: the first word, the
// words between the first and the last joined by single spaces, and the last word
// (none when there is one word). It allocates only for a middle name.
func nameParts(s []byte) (first, middle, last []byte) {
	s = bytes.TrimFunc(s, unicode.IsSpace)
	e := bytes.IndexFunc(s, unicode.IsSpace)
	if e < 0 {
		return s, nil, nil
	}
	b := bytes.LastIndexFunc(s, unicode.IsSpace)
	_, n := utf8.DecodeRune(s[b:])
	if mid := bytes.TrimFunc(s[e:b], unicode.IsSpace); len(mid) > 0 {
		middle = bytes.Join(bytes.Fields(mid), []byte(" "))
	}
	return s[:e], middle, s[b+n:]
}

// phone writes phone_number in E.164, or leaves an invalid number out with a warning.
func (v *view) phone() {
	f := v.pick("phone_number", v.trait(kPhoneNumber, kPhone))
	if !f.present() {
		return
	}
	if raw, ok := f.v.text(); ok {
		if e, valid := v.acct.phones.e164(raw); valid {
			v.m.w.key("phone_number")
			v.m.w.str(e)
			return
		}
	}
	v.m.warn(WarnInvalidPhone, f.field())
}

func (v *view) date(key string, f found) {
	if f.v.kind == '"' && v.m.w.stringVia(key, bytes.TrimSpace(f.v.contents()), appendDate) {
		return
	}
	v.m.warn(WarnInvalidDate, f.field())
}

// gender writes m, f or o from m/male, f/female, o/other/others in any case.
func (v *view) gender(f found) {
	if b, ok := f.v.text(); ok && f.v.kind == '"' {
		g := ""
		switch string(v.m.lower(bytes.TrimSpace(b))) {
		case "m", "male":
			g = "m"
		case "f", "female":
			g = "f"
		case "o", "other", "others":
			g = "o"
		}
		if g != "" {
			v.m.w.key("gender")
			v.m.w.str(g)
			return
		}
	}
	v.m.warn(WarnInvalidValue, f.field())
}

// country writes an assigned ISO 3166-1 alpha-2 code, upper-cased (UK as GB).
func (v *view) country(f found) {
	if b, ok := f.v.text(); ok && f.v.kind == '"' {
		b = bytes.TrimSpace(b)
		if len(b) == 2 {
			if c, ok := countryCode([2]byte{upper(b[0]), upper(b[1])}); ok {
				v.m.w.key("country_id")
				v.m.w.strBytes(c[:])
				return
			}
		}
	}
	v.m.warn(WarnInvalidValue, f.field())
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// smsBool writes a channels.sms boolean: the integrations value when it is a boolean
// (an explicit false wins over a true default), else the account default.
func (v *view) smsBool(key string, def bool, f found) {
	val := def
	if f.present() {
		switch {
		case f.v.kind == 't':
			val = true
		case f.v.kind == 'f':
			val = false
		case f.v.kind == '"' && equalFold(f.v.contents(), "true"):
			val = true
		case f.v.kind == '"' && equalFold(f.v.contents(), "false"):
			val = false
		default:
			v.m.warn(WarnInvalidValue, f.field())
		}
	}
	v.m.w.key(key)
	v.m.w.boolean(val)
}

// contactProperties writes properties: traits.custom_fields when given, else every trait
// the table does not read; then the field mappings that target properties.
func (v *view) contactProperties() {
	w := &v.m.w
	mark := w.openOptional("properties")
	if cf := v.trait(kCustomFields); cf.v.kind == '{' {
		in := "traits.custom_fields"
		if cf.src == srcCtxTraits {
			in = "context.traits.custom_fields"
		}
		v.members(in, v.m.index(cf.v), nil, nil)
	} else {
		v.members("traits", v.traits.ms, nil, &contactTraits)
		v.members("context.traits", v.ctxTraits.ms, v.traits.ms, &contactTraits)
	}
	v.mappedProperties()
	w.closeOptional(mark)
}

// members writes the members of ms that the table (consumed) or a mapping does not read,
// are not null, are not shadowed by a member of shadow, and are not set by a properties
// mapping. in names the object ms are the members of, for warnings ("traits").
func (v *view) members(in string, ms, shadow []member, consumed *[nSlots]bool) {
	w := &v.m.w
	for i := range ms {
		mb := &ms[i]
		if mb.val.kind == 'n' || (consumed != nil && consumed[mb.slot]) || (len(v.rm.consumed) > 0 && v.rm.consumed[string(mb.key)]) ||
			has(shadow, mb.key) || v.propMapped(mb.key) {
			continue
		}
		if v.ev.outOfRange {
			v.memberInRange(mb, in)
			continue
		}
		w.memberKey(mb)
		w.raw(mb.val)
	}
}

func (v *view) propMapped(key []byte) bool {
	for _, pm := range v.rm.props {
		if pm.name == string(key) {
			return true
		}
	}
	return false
}

// mappedProperties writes the field mappings that land under properties.
func (v *view) mappedProperties() {
	for _, pm := range v.rm.props {
		if x := lookupPath(v.ev.raw, pm.from); x.present() {
			w := &v.m.w
			mark := len(w.b)
			w.keyString(pm.name)
			if !v.ev.outOfRange {
				w.raw(x)
			} else if !v.inRange(x, pm.from.String()) {
				w.b = w.b[:mark]
			}
		}
	}
}
