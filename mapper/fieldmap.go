package mapper

import (
	"strconv"
	"strings"
)

// Record type indexes for per-type tables.
const (
	recContact = iota
	recOrder
	recCustomEvent
	recProduct
	nRecordTypes
)

func recordIndex(t string) (int, bool) {
	switch t {
	case "", TypeContact:
		return recContact, true
	case TypeOrder:
		return recOrder, true
	case TypeCustomEvent:
		return recCustomEvent, true
	case TypeProduct:
		return recProduct, true
	}
	return 0, false
}

// builtinFields are the record fields a field mapping may set at the top level, per type.
// Any other target lands under properties.
var builtinFields = [nRecordTypes]map[string]bool{
	recContact: setOf("id", "email", "customer_id", "firstname", "middlename", "lastname",
		"phone_number", "@collection", "prefix", "date_of_birth", "country_id", "timezone",
		"timestamp_acquired", "timestamp_subscribed", "timestamp_unsubscribed", "store_ids",
		"gender", "@add_to_lists", "@remove_from_lists", "@force_optin", "@merge", "marketing_optin"),
	recOrder: setOf("id", "timestamp", "grand_total", "currency", "subtotal", "discount",
		"shipping", "tax", "web_id", "channel", "store", "payment_method", "shipping_method",
		"coupon_code", "ip_address"),
	recCustomEvent: setOf("id", "timestamp", "event_type", "identity_email",
		"identity_account_id", "profile_id"),
	recProduct: setOf("id", "title", "sku", "price", "currency", "special_price",
		"special_price_dt_from", "special_price_dt_to", "url", "image_url", "is_variant",
		"parent_id", "is_active", "is_in_stock", "attributes", "stores", "listings", "@merge"),
}

// IsBuiltinField reports whether field is a built-in field of the record type that a
// field mapping places at the top level.
func IsBuiltinField(recordType, field string) bool {
	i, ok := recordIndex(recordType)
	return ok && builtinFields[i][field]
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// path is a compiled JSON path: object keys, or array indexes where index >= 0.
type path []pathSeg

type pathSeg struct {
	key   string
	index int // -1 for an object key
}

func (p path) String() string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	return b.String()
}

// source is a compiled field mapping source path, and its text for messages.
type source struct {
	name string
	from path
}

// propMapping maps source to properties.name.
type propMapping struct {
	name string
	from path
}

// recordMappings are the field mappings of one record type.
type recordMappings struct {
	top      map[string]source // built-in field -> source
	props    []propMapping     // properties.name <- source
	consumed map[string]bool   // first-level keys of traits (contact) or properties (others) that a mapping reads
}

func (a *Account) addMapping(fm FieldMapping) *SettingError {
	ri, ok := recordIndex(fm.Record)
	if !ok {
		return &SettingError{Field: ".record", Msg: strconv.Quote(fm.Record) + " is not contact, order, custom_event or product"}
	}
	if strings.TrimSpace(fm.From) == "" {
		return &SettingError{Field: ".from", Msg: "required"}
	}
	var p path
	for _, s := range strings.Split(fm.From, ".") {
		if s == "" {
			return &SettingError{Field: ".from", Msg: strconv.Quote(fm.From) + " has an empty path segment"}
		}
		idx := -1
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			idx = n
		}
		p = append(p, pathSeg{key: s, index: idx})
	}
	to := strings.TrimSpace(fm.To)
	prop, isProp := strings.CutPrefix(to, "properties.")
	switch {
	case to == "":
		return &SettingError{Field: ".to", Msg: "required"}
	case to == "@type" || to == "properties":
		return &SettingError{Field: ".to", Msg: strconv.Quote(to) + " cannot be mapped"}
	case isProp && prop == "":
		return &SettingError{Field: ".to", Msg: strconv.Quote(to) + " names no property"}
	case !isProp && strings.Contains(to, "."):
		return &SettingError{Field: ".to", Msg: strconv.Quote(to) + ` is not a field; use "properties.NAME" for a nested custom field`}
	}
	rm := &a.mappings[ri]
	if rm.top == nil {
		rm.top = map[string]source{}
		rm.consumed = map[string]bool{}
	}
	if !isProp && builtinFields[ri][to] {
		rm.top[to] = source{name: fm.From, from: p}
	} else {
		if !isProp {
			prop = to
		}
		rm.props = append(rm.props, propMapping{name: prop, from: p})
	}
	// A mapping that reads a first-level trait (contact) or property (order, custom event)
	// consumes it, so the value does not also leak into properties.
	switch {
	case ri == recContact && len(p) >= 2 && p[0].key == "traits":
		rm.consumed[p[1].key] = true
	case ri == recContact && len(p) >= 3 && p[0].key == "context" && p[1].key == "traits":
		rm.consumed[p[2].key] = true
	case ri != recContact && len(p) >= 2 && p[0].key == "properties":
		rm.consumed[p[1].key] = true
	}
	return nil
}
