package mapper

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
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
	// SkipEvents are track event names (matched trimmed and case-insensitively) that are skipped.
	SkipEvents []string
	// DeadLetterUnsupported dead-letters page, screen, group and alias events instead of skipping them.
	DeadLetterUnsupported bool
	// FieldMappings map any JSON path of the event to a record field; they win over the built-in table.
	FieldMappings []FieldMapping
}

// FieldMapping maps a JSON path of the event to a field of the record.
type FieldMapping struct {
	// From is a dotted JSON path into the event, e.g. "traits.loyalty.tier"; a numeric
	// segment indexes an array ("properties.products.0.sku"). Required.
	From string
	// To is the record field. A built-in Ometria field of the record type lands at the top level
	// (normalised like the table's value); any other name, or "properties.NAME", lands under
	// properties. Required.
	To string
	// Record is the record type the mapping applies to: contact (the default), order or custom_event.
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
// phoneCacheSize most recently seen), shared by every Mapper that maps the account.
type Account struct {
	name          string
	optin         string
	smsMarketing  bool
	smsTransact   bool
	collection    string
	phoneRegion   string
	piiCheck      bool
	keepCase      bool
	orderStatus   map[string]string // lower-cased event name -> status
	skip          map[string]bool   // lower-cased event name
	deadLetterUns bool
	mappings      [3]recordMappings // by record type
	phones        phoneCache
}

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
		orderStatus:   map[string]string{},
		skip:          map[string]bool{},
		deadLetterUns: s.DeadLetterUnsupported,
	}
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
		a.orderStatus[k] = v
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
		case spelt[key] != "" && a.orderStatus[key] != st:
			bad("order_events."+name, "%q is the same event as %q (names are matched ignoring case and outer spaces), with another status", name, spelt[key])
		default:
			spelt[key] = cmp.Or(spelt[key], name)
			a.orderStatus[key] = st
		}
	}
	for i, name := range s.SkipEvents {
		key := strings.ToLower(strings.TrimSpace(name))
		if key == "" {
			bad(fmt.Sprintf("skip_events[%d]", i), "an empty event name")
			continue
		}
		a.skip[key] = true
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
