// Package mapper turns RudderStack/Segment events into Ometria push records.
//
// Map is pure: event bytes and an account's settings in; records, dead letters with a
// stable Reason, or skips out. No I/O, no logging, no global state that changes, and no
// clock, but for one option: an account that derives products from orders and product
// views (Settings.DeriveProducts) remembers, in its Account, when it last derived each
// product, and reads its clock (Settings.Now) to derive each at most once an interval.
// The rules are those of docs/mapping.md and docs/mapping-products.md: identify becomes
// a contact, track an order (for order event names), a product (for product event names)
// or a custom_event; page, screen, group and alias are skipped.
//
// A Mapper holds reusable buffers and is not safe for concurrent use: use one per
// goroutine, or keep them in a sync.Pool. An Account may be shared: its settings are
// immutable, and its cache of normalised phone numbers and its memory of derived products
// are safe for concurrent use.
package mapper

// Record types, the "@type" of a record.
const (
	TypeContact     = "contact"
	TypeOrder       = "order"
	TypeCustomEvent = "custom_event"
	TypeProduct     = "product"
)

// Types lists the record types, in alphabetical order.
func Types() []string { return []string{TypeContact, TypeCustomEvent, TypeOrder, TypeProduct} }

// MaxRecordSize is Ometria's limit on one record: 60 KB.
const MaxRecordSize = 60 * 1024

// Kind is what became of one event.
type Kind uint8

const (
	Mapped     Kind = iota + 1 // Record holds the record to push
	DeadLetter                 // Err says why; the event goes to the dead-letter topic
	Skipped                    // Skip says why; the event is done
)

func (k Kind) String() string {
	switch k {
	case Mapped:
		return "mapped"
	case DeadLetter:
		return "dead_letter"
	case Skipped:
		return "skipped"
	}
	return "unknown"
}

// Record is one Ometria record, ready to push.
type Record struct {
	Account string // the account it belongs to
	Type    string // its "@type"
	ID      string // its "id"
	JSON    []byte // the complete record object; owned by the caller
}

// Outcome is the fate of one event. A message holds one event, or several in a
// {"batch": [...]} envelope; its offset is done when all its outcomes are. An event has one
// outcome, or, for an account that derives products, its record's and then one for each
// product derived from it (Mapped, with the same Index and Event).
type Outcome struct {
	Kind     Kind
	Index    int       // the event's position in a batch envelope; 0 for a single event
	Event    []byte    // the event's bytes, a slice of the input
	Record   Record    // when Kind is Mapped
	Err      *Error    // when Kind is DeadLetter
	Skip     Reason    // when Kind is Skipped
	Warnings []Warning // values left out of the record; only valid until the next Map call
}

// Mapper maps events. The zero value is ready to use. Not safe for concurrent use.
type Mapper struct {
	out      []Outcome
	warnings []Warning
	warnEnd  []int // per outcome, its end in warnings
	a        arena // what parseEvent collects, and the members of the objects indexed later
	elems    []value
	w        writer
	scratch  []byte
	// Objects indexed while a record is written, kept here rather than in each view
	// (which is made for every event): a product line, or a listing; and a variant
	// option, or an attribute.
	item, option object
}
