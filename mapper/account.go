package mapper

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Marketing opt-in values Ometria accepts.
const (
	OptedIn      = "EXPLICITLY_OPTEDIN"
	OptedOut     = "EXPLICITLY_OPTEDOUT"
	NotSpecified = "NOT_SPECIFIED"
)

// Settings are one Ometria account's mapping settings, as an operator writes them.
// The zero value is usable: it gives RudderStack's defaults.
type Settings struct {
	// Name of the account; copied into every Record. Required.
	Name string
	// MarketingOptin is the contact marketing_optin when the event gives none.
	// Optional. The default is EXPLICITLY_OPTEDOUT.
	MarketingOptin string
	// SMSAllowMarketing and SMSAllowTransactional are the channels.sms defaults. Default: false.
	SMSAllowMarketing     bool
	SMSAllowTransactional bool
	// Collection is the contact @collection when traits.collection is absent. Default: none.
	Collection string
	// PhoneRegion is the ISO 3166-1 region used for phone numbers written without "+".
	// Optional; without it such numbers are left out (and counted).
	PhoneRegion string
	// AllowPIIInIDs turns off the check that ids do not look like an email or phone number.
	AllowPIIInIDs bool
	// KeepEventCase keeps the event name's case in custom_event.event_type (default: lower-cased).
	KeepEventCase bool
	// OrderEvents extends the built-in table of track event names that are orders:
	// event name (matched trimmed and case-insensitively) to order status. A status of
	// "cancelled" makes a cancelling partial order.
	OrderEvents map[string]string
	// ProductEvents extends the built-in list of track event names whose properties
	// describe a product, which become product records: product created, product updated
	// (and product deleted, which deactivates the product). Matched trimmed and
	// case-insensitively; an order event cannot be one.
	ProductEvents []string
	// DeriveProducts also makes a product record from what orders (their line items) and
	// product viewed events carry, for shops without a catalogue feed: each product at most
	// once every DeriveProductsInterval, pushed with "@merge": true. Default false.
	DeriveProducts bool
	// DeriveProductsInterval is how often a product may be derived again. Optional; the
	// default is 24 hours (DefaultDeriveProductsInterval).
	DeriveProductsInterval time.Duration
	// Now is the clock of DeriveProducts. Optional; the default is time.Now. For tests.
	Now func() time.Time
	// SkipEvents are track event names (matched trimmed and case-insensitively) that are skipped.
	SkipEvents []string
	// DeadLetterUnsupported dead-letters page, screen, group and alias events instead of skipping them.
	DeadLetterUnsupported bool
	// FieldMappings map any JSON path of the event to a record field; they win over the built-in table.
	FieldMappings []FieldMapping
}

// DefaultDeriveProductsInterval is the default Settings.DeriveProductsInterval.
const DefaultDeriveProductsInterval = 24 * time.Hour

// FieldMapping maps a JSON path of the event to a field of the record.
type FieldMapping struct {
	// From is a dotted JSON path into the event, e.g. "traits.loyalty.tier"; a numeric
	// segment indexes an array ("properties.products.0.sku"). Required.
	From string
	// To is the record field. A built-in Ometria field of the record type lands at the top level
	// (normalised like the table's value); any other name, or "properties.NAME", lands under
	// properties. Required.
	To string
	// Record is the record type the mapping applies to: contact (the default), order,
	// custom_event or product.
	Record string
}

// SettingError names the setting at fault; the config layer prefixes the account's path.
type SettingError struct {
	Field string // e.g. "phone_region" or "field_mappings[2].to"
	Msg   string
}

func (e *SettingError) Error() string { return e.Field + ": " + e.Msg }

// Account is a compiled Settings, safe for concurrent use by many Mappers. Its settings
// are immutable; it also holds the account's cache of normalised phone numbers (the
// phoneCacheSize most recently seen) and, when it derives products, its memory of the
// products it derived (the productMemorySize most recent), both shared by every Mapper
// that maps the account.
type Account struct {
	name          string
	optin         string
	smsMarketing  bool
	smsTransact   bool
	collection    string
	phoneRegion   string
	piiCheck      bool
	keepCase      bool
	tracks        map[string]trackRule // lower-cased track event name -> what it becomes; absent: a custom event
	deadLetterUns bool
	mappings      [nRecordTypes]recordMappings // by record type
	phones        phoneCache
	derived       *productMemory // nil: products are not derived
}

// trackRule is what a track event becomes, by its name.
type trackRule struct {
	kind   trackKind
	status string // an order's
}

type trackKind uint8

const (
	trackCustomEvent   trackKind = iota
	trackSkip                    // skip_events
	trackOrder                   // an order with status
	trackProduct                 // a product record from the properties
	trackProductDelete           // a partial product that deactivates it
	trackProductView             // a custom event, and a product derived from it
)

// Name is the account's name.
func (a *Account) Name() string { return a.name }

// NewAccount validates s and compiles it. Every problem is reported, joined, as a *SettingError.
func NewAccount(s Settings) (*Account, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &SettingError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	a := &Account{
		name:          s.Name,
		optin:         OptedOut,
		smsMarketing:  s.SMSAllowMarketing,
		smsTransact:   s.SMSAllowTransactional,
		collection:    s.Collection,
		piiCheck:      !s.AllowPIIInIDs,
		keepCase:      s.KeepEventCase,
		tracks:        map[string]trackRule{},
		deadLetterUns: s.DeadLetterUnsupported,
	}
	orderStatus := map[string]string{} // lower-cased event name -> status
	if s.Name == "" {
		bad("name", "required")
	}
	if s.MarketingOptin != "" {
		if v, ok := normalizeOptin(s.MarketingOptin); ok {
			a.optin = v
		} else {
			bad("marketing_optin", "%q is not one of %s, %s, %s", s.MarketingOptin, OptedIn, OptedOut, NotSpecified)
		}
	}
	if strings.ContainsAny(s.Collection, " \t\r\n") {
		bad("collection", "%q contains whitespace", s.Collection)
	}
	if s.PhoneRegion != "" {
		r := strings.ToUpper(s.PhoneRegion)
		if !IsPhoneRegion(r) {
			bad("phone_region", "%q is not a region", s.PhoneRegion)
		}
		a.phoneRegion = r
	}
	for k, v := range builtinOrderEvents {
		orderStatus[k] = v
	}
	spelt := map[string]string{} // lower-cased name -> the first spelling, to catch "Order X" and "order x"
	for _, name := range slices.Sorted(maps.Keys(s.OrderEvents)) {
		status := s.OrderEvents[name]
		key := strings.ToLower(strings.TrimSpace(name))
		st := strings.TrimSpace(status)
		switch {
		case key == "":
			bad("order_events", "an empty event name")
		case st == "" || strings.ContainsAny(st, "\"\\"):
			bad("order_events."+name, "%q is not an order status", status)
		case spelt[key] != "" && orderStatus[key] != st:
			bad("order_events."+name, "%q is the same event as %q (names are matched ignoring case and outer spaces), with another status", name, spelt[key])
		default:
			spelt[key] = cmp.Or(spelt[key], name)
			orderStatus[key] = st
		}
	}
	// One table of track event names, looked up once an event: skip_events win over
	// order events, which win over product events (an account's cannot name an order event).
	if s.DeriveProducts {
		a.tracks[productViewed] = trackRule{kind: trackProductView}
	}
	for k, v := range builtinProductEvents {
		a.tracks[k] = trackRule{kind: v}
	}
	for i, name := range s.ProductEvents {
		key := strings.ToLower(strings.TrimSpace(name))
		switch {
		case key == "":
			bad(fmt.Sprintf("product_events[%d]", i), "an empty event name")
		case orderStatus[key] != "":
			bad(fmt.Sprintf("product_events[%d]", i), "%q is an order event", name)
		default:
			a.tracks[key] = trackRule{kind: trackProduct}
		}
	}
	for k, st := range orderStatus {
		a.tracks[k] = trackRule{kind: trackOrder, status: st}
	}
	for i, name := range s.SkipEvents {
		key := strings.ToLower(strings.TrimSpace(name))
		if key == "" {
			bad(fmt.Sprintf("skip_events[%d]", i), "an empty event name")
			continue
		}
		a.tracks[key] = trackRule{kind: trackSkip}
	}
	if s.DeriveProductsInterval < 0 {
		bad("derive_products_interval", "must not be negative, got %v", s.DeriveProductsInterval)
	}
	for i, fm := range s.FieldMappings {
		if err := a.addMapping(fm); err != nil {
			bad(fmt.Sprintf("field_mappings[%d]%s", i, err.Field), "%s", err.Msg)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	a.phones = newPhoneCache(a.phoneRegion)
	if s.DeriveProducts {
		a.derived = newProductMemory(cmp.Or(s.DeriveProductsInterval, DefaultDeriveProductsInterval), s.Now)
	}
	return a, nil
}

// builtinOrderEvents is the RudderStack table of track events that are orders, plus cancellation.
var builtinOrderEvents = map[string]string{
	"order completed": "complete",
	"order complete":  "complete",
	"complete":        "complete",
	"order shipped":   "shipped",
	"shipped":         "shipped",
	"order pending":   "pending",
	"pending":         "pending",
	"order cancelled": statusCancelled,
}

const statusCancelled = "cancelled"

// builtinProductEvents are the track events whose properties describe a product, named in
// the e-commerce spec's "Object Action" style as a catalogue feed sends them.
var builtinProductEvents = map[string]trackKind{
	"product created": trackProduct,
	"product updated": trackProduct,
	"product deleted": trackProductDelete,
}

// productViewed is the e-commerce spec's product view, which products are derived from.
const productViewed = "product viewed"

// normalizeOptin reads a marketing_optin value: trimmed, any case, and RudderStack's
// misspelling EXPLICITYLY_OPTEDOUT read as opted out.
func normalizeOptin(s string) (string, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case OptedIn:
		return OptedIn, true
	case OptedOut, "EXPLICITYLY_OPTEDOUT":
		return OptedOut, true
	case NotSpecified:
		return NotSpecified, true
	}
	return "", false
}
