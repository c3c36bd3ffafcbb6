package ometriatest

import (
	"fmt"
	"strings"
)

// Rules common to every record type (docs/emulator.md, "What it speaks" and "Documented
// choices"). The source column of this table and of each type's says where a rule comes from:
//
//   - DOC: Ometria's API documentation (https://docs.ometria.com), the capitalised tag naming
//     the page: PUSH-DOC the push endpoint, ORDERS-EP the orders endpoint, and so on;
//   - R: RudderStack's Ometria destination (https://github.com/rudderlabs/rudder-transformer,
//     src/v0/destinations/ometria), "R requires it" meaning that it refuses an event without it;
//   - CODE: a public Ometria client: the Magento extension, the C# or PHP library;
//   - DATAFLY, Fivetran: those vendors' Ometria integrations;
//   - choice: the emulator's own, where those sources are silent.
//
//	field    rule                                         source
//	@type    contact, order, product or custom_event      DOC PUSH-DOC; anything else: "root > @type"
//	id       required, a non-empty string, no whitespace  DOC "IDs are strings"; no-whitespace is the emulator's choice
//	@merge   boolean                                      CODE Magento extension
//
// Each type then has a table in its own file. Rules are checked in two steps:
//
//  1. the types and formats of every non-null field of the record as pushed, in table order;
//  2. the required fields, on the record as it will be stored: the stored record (if any) with
//     the pushed fields merged in. That is how "send a partial record and only the supplied
//     fields will be merged" (PUSH-DOC) works for a record that exists, while a new record
//     must be complete.
//
// A rejected record reports its first problem only, as one /push/_errors entry (Fivetran's
// error table keys entries by record and request).

// recordSchema validates one record type.
type recordSchema struct {
	fields   []field                                 // step 1
	complete func(merged map[string]any) *fieldError // step 2; nil = nothing required
	// partial exempts a record from step 2 (the documented order status update).
	partial func(pushed map[string]any) bool
}

// common are the fields of every record type.
func common(fields ...field) []field {
	return append([]field{
		{name: "@type", rule: str, required: true},
		{name: "id", rule: id, required: true},
		{name: "@merge", rule: boolean},
	}, fields...)
}

// newSchemas builds the schema of each record type for cfg.
func newSchemas(cfg Config) map[string]*recordSchema {
	strict := cfg.RejectUnknownFields
	return map[string]*recordSchema{
		"contact":      contactSchema(strict),
		"order":        orderSchema(strict, cfg),
		"product":      productSchema(strict),
		"custom_event": customEventSchema(),
	}
}

// knownTypes lists the record types, for messages.
const knownTypes = "contact, order, product, custom_event"

// check runs step 1 on a pushed record, including the record size and its @type.
func (e *Emulator) check(r pushed) *fieldError {
	if r.size > maxRecordBytes {
		return &fieldError{"root", "Payload invalid: Record is too large."}
	}
	s, ok := e.schemas[r.typ]
	if !ok {
		return &fieldError{"root > @type", fmt.Sprintf("%s: unknown record type %q; expected one of %s", msgInvalid, r.typ, knownTypes)}
	}
	return checkFields(r.fields, "root", e.cfg.RejectUnknownFields, s.fields)
}

// checkComplete runs step 2 on the merged record.
func (e *Emulator) checkComplete(r pushed, merged map[string]any) *fieldError {
	s := e.schemas[r.typ]
	if s.complete == nil || (s.partial != nil && s.partial(r.fields)) {
		return nil
	}
	return s.complete(merged)
}

// requireAll requires every one of names.
func requireAll(names ...string) func(map[string]any) *fieldError {
	return func(m map[string]any) *fieldError {
		for _, n := range names {
			if m[n] == nil {
				return &fieldError{at("root", n), msgRequired}
			}
		}
		return nil
	}
}

// requireAny requires at least one of names; the error names the first.
func requireAny(names ...string) func(map[string]any) *fieldError {
	return func(m map[string]any) *fieldError {
		for _, n := range names {
			if m[n] != nil {
				return nil
			}
		}
		return &fieldError{at("root", names[0]), fmt.Sprintf("%s: required field is missing (one of %s is required)", msgInvalid, strings.Join(names, ", "))}
	}
}

// requireBoth combines two requirement checks.
func requireBoth(a, b func(map[string]any) *fieldError) func(map[string]any) *fieldError {
	return func(m map[string]any) *fieldError {
		if err := a(m); err != nil {
			return err
		}
		return b(m)
	}
}
