package mapper

import "strings"

// Duplicate keys. encoding/json keeps the last of repeated keys and JavaScript's
// JSON.parse does too, but an event such as {"type":"track",...,"type":"identify"} is
// ambiguous: its producer meant one of the two, and another reader may take the first.
// An event in which a key the mapping reads appears twice in its object is therefore
// dead-lettered as duplicate_key, naming the key: the top-level fields and context's
// (event.dup), the keys of the tables (the slots) in the objects the record reads,
// integrations.Ometria, the keys of product lines, variant options, addresses and
// listings, and the sources of the account's field mappings. Keys nothing reads are
// copied as they are.

// The traits an order and a custom event read (a contact reads every trait).
var (
	customerTraits    = setOfSlots("email", "userId", "id", "firstName", "first_name", "firstname", "lastName", "last_name", "lastname", "name")
	customEventTraits = setOfSlots("email", "userId", "id", "profile_id")
)

func duplicate(field string) *Error {
	return fail(ReasonDuplicateKey, field, "appears more than once in its object: which value is meant is ambiguous")
}

// ambiguous returns a duplicate_key error for the first repeated key the record of type
// rec reads, or nil.
func (v *view) ambiguous(rec int) *Error {
	if v.traits.repeats|v.ctxTraits.repeats|v.props.repeats == 0 && v.integDup == "" &&
		len(v.rm.top) == 0 && len(v.rm.props) == 0 { // the common case
		return nil
	}
	traits := &allSlots
	switch rec {
	case recOrder:
		traits = &customerTraits
	case recCustomEvent:
		traits = &customEventTraits
	case recProduct:
		traits = &slots{} // a product reads no traits
	}
	if k, ok := v.traits.firstDup(traits); ok {
		return duplicate("traits." + slotNames[k])
	}
	if k, ok := v.ctxTraits.firstDup(traits); ok {
		return duplicate("context.traits." + slotNames[k])
	}
	if rec != recContact {
		if k, ok := v.props.firstDup(&allSlots); ok {
			return duplicate("properties." + slotNames[k])
		}
	}
	if rec == recContact && v.integDup != "" {
		return duplicate(strings.Clone(v.integDup)) // a copy: the view, and the event, stay on the stack
	}
	for _, s := range v.rm.top {
		if err := mappingAmbiguous(v.ev.raw, s.from); err != nil {
			return err
		}
	}
	for _, pm := range v.rm.props {
		if err := mappingAmbiguous(v.ev.raw, pm.from); err != nil {
			return err
		}
	}
	return nil
}

func mappingAmbiguous(doc []byte, p path) *Error {
	if _, n := lookupPathDup(doc, p); n > 0 {
		return duplicate(p[:n].String())
	}
	return nil
}

// repeatedKey returns the first key of ms that appears again, only key itself when key
// is not "". (For the few members of an integrations object.)
func repeatedKey(ms []member, key string) (string, bool) {
	for i := range ms {
		if key != "" && string(ms[i].key) != key {
			continue
		}
		for j := i + 1; j < len(ms); j++ {
			if string(ms[j].key) == string(ms[i].key) {
				return string(ms[i].key), true
			}
		}
	}
	return "", false
}
