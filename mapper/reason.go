package mapper

import "fmt"

// Reason is a stable, machine-readable code saying why an event was dead-lettered
// or skipped. Codes never change meaning; new ones may be added.
type Reason string

// Dead-letter reasons: the event cannot become an Ometria record.
const (
	ReasonInvalidJSON           Reason = "invalid_json"            // not JSON, or not UTF-8
	ReasonNotAnObject           Reason = "not_an_object"           // JSON, but not an object (or a batch element that is not)
	ReasonMissingType           Reason = "missing_type"            // no "type", or not a string
	ReasonMissingEventName      Reason = "missing_event_name"      // a track event without a string "event"
	ReasonUnknownAccount        Reason = "unknown_account"         // no header, route or default account (set by the caller)
	ReasonMissingEmail          Reason = "missing_email"           // contact email, custom event identity_email
	ReasonMissingListingID      Reason = "missing_listing_id"      // contact id
	ReasonMissingOrderID        Reason = "missing_order_id"        // order id
	ReasonMissingEventID        Reason = "missing_event_id"        // never given: a custom event without an id gets one made from its bytes
	ReasonMissingCustomer       Reason = "missing_customer"        // order customer id or email
	ReasonInvalidTimestamp      Reason = "invalid_timestamp"       // a required timestamp missing or not ISO-8601
	ReasonInvalidCurrency       Reason = "invalid_currency"        // missing, or not a current ISO 4217 code
	ReasonInvalidGrandTotal     Reason = "invalid_grand_total"     // missing, or not a number
	ReasonInvalidMarketingOptin Reason = "invalid_marketing_optin" // not one of Ometria's three values
	ReasonInvalidID             Reason = "invalid_id"              // an id that is not a string or number, or has whitespace
	ReasonPIIInID               Reason = "pii_in_id"               // an id that looks like an email address or phone number
	ReasonRecordTooLarge        Reason = "record_too_large"        // the record is over Ometria's 60 KB limit
	ReasonUnsupportedType       Reason = "unsupported_type"        // page, screen, group, alias, ... when the account dead-letters them
	ReasonDuplicateKey          Reason = "duplicate_key"           // a key the mapping reads appears twice in its object: the event is ambiguous
	ReasonMissingProductID      Reason = "missing_product_id"      // product id
	ReasonInvalidPrice          Reason = "invalid_price"           // a product's price or special price that is not a number of at least 0

	// Set by the caller (package decode), for topics in the Confluent wire format.
	ReasonInvalidWireFormat Reason = "invalid_wire_format" // shorter than the 5-byte header, or a first byte that is not 0
	ReasonUnknownSchema     Reason = "unknown_schema"      // the schema registry has no schema with the message's id (404, error_code 40403)
	ReasonUnsupportedSchema Reason = "unsupported_schema"  // the id's schema is not of the topic's format (Protobuf on an avro topic), or does not parse
	ReasonInvalidAvro       Reason = "invalid_avro"        // the payload does not decode with its schema (truncated, bytes left over, a bad union branch, ...)
)

// Skip reasons: the event is done without a record; it is counted, not dead-lettered.
const (
	SkipUnsupportedType Reason = "unsupported_type" // page, screen, group, alias or an unknown type
	SkipFilteredEvent   Reason = "filtered_event"   // a track event named in the account's skip_events
	SkipEmptyBatch      Reason = "empty_batch"      // {"batch": []}
)

// Reasons lists every dead-letter reason code, in a stable order.
func Reasons() []Reason {
	return []Reason{
		ReasonInvalidJSON, ReasonNotAnObject, ReasonMissingType, ReasonMissingEventName,
		ReasonUnknownAccount, ReasonMissingEmail, ReasonMissingListingID, ReasonMissingOrderID,
		ReasonMissingEventID, ReasonMissingCustomer, ReasonInvalidTimestamp, ReasonInvalidCurrency,
		ReasonInvalidGrandTotal, ReasonInvalidMarketingOptin, ReasonInvalidID, ReasonPIIInID,
		ReasonRecordTooLarge, ReasonUnsupportedType, ReasonDuplicateKey, ReasonMissingProductID,
		ReasonInvalidPrice, ReasonInvalidWireFormat, ReasonUnknownSchema, ReasonUnsupportedSchema, ReasonInvalidAvro,
	}
}

// SkipReasons lists every skip reason, in a stable order.
func SkipReasons() []Reason {
	return []Reason{SkipUnsupportedType, SkipFilteredEvent, SkipEmptyBatch}
}

// Known reports whether r is one of the dead-letter reason codes of Reasons.
func (r Reason) Known() bool {
	for _, k := range Reasons() {
		if r == k {
			return true
		}
	}
	return false
}

// Error is a permanent mapping failure: the event should be dead-lettered with Reason.
// Field is the event field at fault (a dotted path such as "traits.email"), when there is one.
type Error struct {
	Reason Reason
	Field  string
	Msg    string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.Reason, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.Reason, e.Field, e.Msg)
}

func fail(r Reason, field, format string, args ...any) *Error {
	return &Error{Reason: r, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Warning codes: a value was left out of a record that was still produced.
const (
	WarnInvalidPhone         = "invalid_phone"          // not a valid number for its region; phone_number left out
	WarnInvalidTimestamp     = "invalid_timestamp"      // an optional timestamp that is not ISO-8601; left out
	WarnInvalidDate          = "invalid_date"           // date_of_birth that is not YYYY-MM-DD; left out
	WarnInvalidValue         = "invalid_value"          // wrong JSON type or not an allowed value; left out
	WarnLineItemDropped      = "lineitem_dropped"       // a product without product_id, positive quantity and a price
	WarnVariantOptionDropped = "variant_option_dropped" // a variant option without id, type and label
	WarnAttributeDropped     = "attribute_dropped"      // a product attribute without id, type and label
	WarnListingDropped       = "listing_dropped"        // a product listing that is not an object with a store
	WarnNumberOutOfRange     = "number_out_of_range"    // a number outside the range of a double in a value copied as it is (properties)
)

// WarningCodes lists every warning code, in a stable order.
func WarningCodes() []string {
	return []string{WarnInvalidPhone, WarnInvalidTimestamp, WarnInvalidDate, WarnInvalidValue,
		WarnLineItemDropped, WarnVariantOptionDropped, WarnAttributeDropped, WarnListingDropped, WarnNumberOutOfRange}
}

// Warning is a problem that did not stop the record: a value was left out.
// Callers count and log warnings; the record is still pushed.
type Warning struct {
	Code  string // one of the Warn* codes
	Field string // the event field, e.g. "traits.phoneNumber" or "properties.products[2]"
}

func (w Warning) String() string { return w.Code + ": " + w.Field }
