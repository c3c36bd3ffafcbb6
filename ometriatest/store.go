package ometriatest

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
)

// Storage (docs/emulator.md, "Documented choices": merge, nulls, default @collection):
//
//   - A record is keyed by (account, @type, @collection, id); @collection counts for contacts
//     only and is "" when absent.
//   - A new record is stored as sent, without its null fields.
//   - An existing record is merged at the top level: each pushed field replaces the stored one.
//     Nested objects and arrays (customer, lineitems, channels, properties…) are replaced
//     whole, never merged member by member.
//   - A top-level null is ignored, or deletes the stored field with Config.NullClears. Nulls
//     nested in objects are dropped in both cases, so a stored record never holds null.
//   - "@merge" changes nothing: every push merges, and "@merge" is stored like any field.
//     Ometria documents neither its meaning nor what omitting it does.

// Record is one stored record, as the inspection methods return it.
type Record struct {
	Type       string          `json:"type"`
	Collection string          `json:"collection"` // contacts only; "" otherwise or when absent
	ID         string          `json:"id"`
	JSON       json.RawMessage `json:"record"` // the merged stored record, "@type" and "id" included
}

// recordKey identifies a stored record within an account.
type recordKey struct{ typ, collection, id string }

// keyOf returns the storage key of a pushed record whose id is valid.
func keyOf(r pushed) recordKey {
	k := recordKey{typ: r.typ}
	k.id, _ = r.fields["id"].(string)
	if r.typ == "contact" {
		k.collection, _ = r.fields["@collection"].(string)
	}
	return k
}

// merge returns stored (which may be nil) with the pushed fields merged in, leaving stored
// unchanged.
func (e *Emulator) merge(stored, fields map[string]any) map[string]any {
	merged := maps.Clone(stored)
	if merged == nil {
		merged = make(map[string]any, len(fields))
	}
	for k, v := range fields {
		if v == nil {
			if e.cfg.NullClears {
				delete(merged, k)
			}
			continue
		}
		merged[k] = dropNulls(v)
	}
	return merged
}

// dropNulls returns v without the null members of its objects, at any depth.
func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if x != nil {
				out[k] = dropNulls(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = dropNulls(x)
		}
		return out
	}
	return v
}

// Records returns the stored records of the named account, sorted by Type, Collection and ID.
func (e *Emulator) Records(account string) []Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.accounts[account]
	if !ok {
		return nil
	}
	out := make([]Record, 0, len(a.store))
	for k, m := range a.store {
		out = append(out, Record{Type: k.typ, Collection: k.collection, ID: k.id, JSON: encode(m)})
	}
	slices.SortFunc(out, func(x, y Record) int {
		return cmp.Or(cmp.Compare(x.Type, y.Type), cmp.Compare(x.Collection, y.Collection), cmp.Compare(x.ID, y.ID))
	})
	return out
}

// Record returns one stored record of the named account; collection is "" except for contacts
// pushed with an @collection.
func (e *Emulator) Record(account, typ, collection, id string) (json.RawMessage, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.accounts[account]
	if !ok {
		return nil, false
	}
	m, ok := a.store[recordKey{typ, collection, id}]
	if !ok {
		return nil, false
	}
	return encode(m), true
}

// encode returns the JSON of a stored record, members sorted by name.
func encode(m map[string]any) json.RawMessage {
	b, err := marshal(m)
	if err != nil {
		return nil // a decoded record always encodes
	}
	return json.RawMessage(b[:len(b)-1]) // without the encoder's newline
}
