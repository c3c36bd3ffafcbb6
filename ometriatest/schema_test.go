package ometriatest

import (
	"strings"
	"testing"
)

// TestSchemas checks every validation rule: each row pushes one record to a fresh emulator
// (after the records of before) and expects it accepted (path "") or rejected at path.
func TestSchemas(t *testing.T) {
	t.Parallel()
	big := `"` + strings.Repeat("x", 61440) + `"`
	lineitem := `{"product_id":"p1","quantity":2,"unit_price":5}`
	sms := func(k, v string) string { return `{"sms":{"` + k + `":` + v + `}}` }
	tests := []struct {
		name   string
		cfg    Config
		before []string
		record string
		path   string // "" = accepted
		msg    string // part of the error message, when rejected
	}{
		// every type
		{name: "valid contact", record: validContact},
		{name: "valid order", record: validOrder},
		{name: "valid product", record: validProduct},
		{name: "valid custom_event", record: validEvent},
		{name: "unknown @type", record: with(validContact, "@type", `"profile"`), path: "root > @type", msg: `unknown record type "profile"`},
		{name: "id missing", record: with(validContact, "id", "-"), path: "root > id", msg: "required"},
		{name: "id null", record: with(validContact, "id", "null"), path: "root > id", msg: "required"},
		{name: "id empty", record: with(validOrder, "id", `""`), path: "root > id"},
		{name: "id with whitespace", record: with(validProduct, "id", `"p 1"`), path: "root > id", msg: "whitespace"},
		{name: "id a number", record: with(validEvent, "id", `42`), path: "root > id", msg: "got a number"},
		{name: "@merge boolean", record: with(validProduct, "@merge", `true`)},
		{name: "@merge string", record: with(validProduct, "@merge", `"true"`), path: "root > @merge"},
		{name: "record of 60 KB", record: with(validContact, "firstname", `"`+strings.Repeat("x", 61000)+`"`)},
		{name: "record over 60 KB", record: with(validContact, "firstname", big), path: "root", msg: "Payload invalid: Record is too large."},
		{name: "null field ignored", record: with(validContact, "firstname", "null")},
		{name: "unknown field stored", record: with(validContact, "shoe_size", "42")},
		{name: "unknown field strict", cfg: Config{RejectUnknownFields: true}, record: with(validContact, "shoe_size", "42"), path: "root > shoe_size", msg: "unknown field"},
		{name: "unknown nested field strict", cfg: Config{RejectUnknownFields: true}, record: with(validOrder, "customer", `{"id":"1","age":3}`), path: "root > customer > age"},
		{name: "properties free when strict", cfg: Config{RejectUnknownFields: true}, record: with(validContact, "properties", `{"any":{"thing":1}}`)},

		// contact
		{name: "contact email", record: with(validContact, "email", `"nope"`), path: "root > email", msg: "email address"},
		{name: "contact phone only", record: with(validContact, "email", "-", "phone_number", `"+447812122136"`)},
		{name: "contact no email or phone", record: with(validContact, "email", "-", "firstname", `"Ann"`), path: "root > email", msg: "email, phone_number"},
		{name: "contact phone not E.164", record: with(validContact, "phone_number", `"07812122136"`), path: "root > phone_number", msg: "E.164"},
		{name: "contact phone too short", record: with(validContact, "phone_number", `"+44123"`), path: "root > phone_number"},
		{name: "contact @collection", record: with(validContact, "@collection", `"optin:sms"`)},
		{name: "contact @collection number", record: with(validContact, "@collection", `1`), path: "root > @collection"},
		{name: "contact marketing_optin", record: with(validContact, "marketing_optin", `"EXPLICITLY_OPTEDOUT"`)},
		{name: "contact marketing_optin invalid", record: with(validContact, "marketing_optin", `"EXPLICITYLY_OPTEDOUT"`), path: "root > marketing_optin", msg: "EXPLICITLY_OPTEDIN"},
		{name: "contact gender o", record: with(validContact, "gender", `"o"`)},
		{name: "contact gender invalid", record: with(validContact, "gender", `"male"`), path: "root > gender"},
		{name: "contact date_of_birth", record: with(validContact, "date_of_birth", `"1984-04-22"`)},
		{name: "contact date_of_birth invalid", record: with(validContact, "date_of_birth", `"1984-13-01"`), path: "root > date_of_birth", msg: "YYYY-MM-DD"},
		{name: "contact date_of_birth with time", record: with(validContact, "date_of_birth", `"1984-04-22T00:00:00Z"`), path: "root > date_of_birth"},
		{name: "contact country_id", record: with(validContact, "country_id", `"GB"`)},
		{name: "contact country_id lower case", record: with(validContact, "country_id", `"gb"`), path: "root > country_id"},
		{name: "contact timestamp short offset", record: with(validContact, "timestamp_subscribed", `"2018-04-19T09:00:00+00"`)},
		{name: "contact timestamp fraction and offset", record: with(validContact, "timestamp_acquired", `"2024-05-01T09:00:00.123+01:00"`)},
		{name: "contact timestamp basic offset", record: with(validContact, "timestamp_unsubscribed", `"2024-05-01T09:00:00-0500"`)},
		{name: "contact timestamp without offset", record: with(validContact, "timestamp_subscribed", `"2024-05-01T09:00:00"`), path: "root > timestamp_subscribed", msg: "ISO 8601"},
		{name: "contact timestamp with space", record: with(validContact, "timestamp_acquired", `"2024-05-01 09:00:00Z"`), path: "root > timestamp_acquired"},
		{name: "contact timestamp impossible date", record: with(validContact, "timestamp_unsubscribed", `"2024-02-30T09:00:00Z"`), path: "root > timestamp_unsubscribed"},
		{name: "contact timestamp bad offset", record: with(validContact, "timestamp_subscribed", `"2024-05-01T09:00:00+25:00"`), path: "root > timestamp_subscribed"},
		{name: "contact store_ids", record: with(validContact, "store_ids", `["example.com/uk","1"]`)},
		{name: "contact store_ids numbers", record: with(validContact, "store_ids", `["uk",1]`), path: "root > store_ids > 1"},
		{name: "contact store_ids not array", record: with(validContact, "store_ids", `"uk"`), path: "root > store_ids"},
		{name: "contact @add_to_lists", record: with(validContact, "@add_to_lists", `[12,"34"]`)},
		{name: "contact @add_to_lists boolean", record: with(validContact, "@add_to_lists", `[true]`), path: "root > @add_to_lists > 0"},
		{name: "contact @remove_from_lists fraction", record: with(validContact, "@remove_from_lists", `[1.5]`), path: "root > @remove_from_lists > 0"},
		{name: "contact @force_optin", record: with(validContact, "@force_optin", `true`)},
		{name: "contact @force_optin string", record: with(validContact, "@force_optin", `"true"`), path: "root > @force_optin"},
		{name: "contact sms allow_marketing", record: with(validContact, "channels", sms("allow_marketing", "true"))},
		{name: "contact sms allow_marketing string", record: with(validContact, "channels", sms("allow_marketing", `"yes"`)), path: "root > channels > sms > allow_marketing"},
		{name: "contact sms allow_transactional string", record: with(validContact, "channels", sms("allow_transactional", `1`)), path: "root > channels > sms > allow_transactional"},
		{name: "contact sms dt_updated_marketing", record: with(validContact, "channels", sms("dt_updated_marketing", `"2024-05-01T09:00:00Z"`))},
		{name: "contact sms dt_updated_marketing invalid", record: with(validContact, "channels", sms("dt_updated_marketing", `"yesterday"`)), path: "root > channels > sms > dt_updated_marketing"},
		{name: "contact sms dt_updated_transactional invalid", record: with(validContact, "channels", sms("dt_updated_transactional", `5`)), path: "root > channels > sms > dt_updated_transactional"},
		{name: "contact channels not object", record: with(validContact, "channels", `[]`), path: "root > channels"},
		{name: "contact properties", record: with(validContact, "properties", `{"tier":"gold","n":[1]}`)},
		{name: "contact properties array", record: with(validContact, "properties", `["gold"]`), path: "root > properties"},
		{name: "contact firstname", record: with(validContact, "firstname", `1`), path: "root > firstname"},
		{name: "contact lastname", record: with(validContact, "lastname", `true`), path: "root > lastname"},
		{name: "contact middlename", record: with(validContact, "middlename", `{}`), path: "root > middlename"},
		{name: "contact prefix", record: with(validContact, "prefix", `[]`), path: "root > prefix"},
		{name: "contact timezone", record: with(validContact, "timezone", `0`), path: "root > timezone"},
		{name: "contact customer_id", record: with(validContact, "customer_id", `55555`), path: "root > customer_id"},

		// order
		{name: "order timestamp missing", record: with(validOrder, "timestamp", "-"), path: "root > timestamp", msg: "required"},
		{name: "order timestamp invalid", record: with(validOrder, "timestamp", `"1 May 2024"`), path: "root > timestamp"},
		{name: "order grand_total missing", record: with(validOrder, "grand_total", "-"), path: "root > grand_total", msg: "required"},
		{name: "order grand_total string", record: with(validOrder, "grand_total", `"10.5"`), path: "root > grand_total", msg: "expected a number"},
		{name: "order status update", record: `{"@type":"order","id":"123551","status":"cancelled","is_valid":false}`},
		{name: "order status update with other field", record: `{"@type":"order","id":"1","status":"cancelled","currency":"GBP"}`, path: "root > timestamp"},
		{name: "order partial update of stored order", before: []string{validOrder}, record: `{"@type":"order","id":"o1","coupon_code":"X"}`},
		{name: "order currency", record: with(validOrder, "currency", `"GBP"`)},
		{name: "order currency lower case", record: with(validOrder, "currency", `"gbp"`), path: "root > currency", msg: "ISO 4217"},
		{name: "order base_currency", record: with(validOrder, "base_currency", `"EURO"`), path: "root > base_currency"},
		{name: "order status any", record: with(validOrder, "status", `"refunded"`)},
		{name: "order status empty", record: with(validOrder, "status", `""`), path: "root > status"},
		{name: "order status strict", cfg: Config{StrictOrderStatus: true}, record: with(validOrder, "status", `"shipped"`)},
		{name: "order status strict unknown", cfg: Config{StrictOrderStatus: true}, record: with(validOrder, "status", `"refunded"`), path: "root > status", msg: "complete, pending, shipped, cancelled"},
		{name: "order status strict extended", cfg: Config{StrictOrderStatus: true, OrderStatuses: []string{"refunded"}}, record: with(validOrder, "status", `"refunded"`)},
		{name: "order is_valid string", record: with(validOrder, "is_valid", `"false"`), path: "root > is_valid"},
		{name: "order customer", record: with(validOrder, "customer", `{"id":"55555","email":"ann@example.com","firstname":"Ann","lastname":"Lee"}`)},
		{name: "order customer id number", record: with(validOrder, "customer", `{"id":55555}`), path: "root > customer > id"},
		{name: "order customer email number", record: with(validOrder, "customer", `{"email":1}`), path: "root > customer > email"},
		{name: "order customer not object", record: with(validOrder, "customer", `"55555"`), path: "root > customer"},
		{name: "order lineitems", record: with(validOrder, "lineitems", `[`+lineitem+`,{"product_id":"p2","quantity":1,"variant_options":[{"id":"v","type":"size","label":"5"}],"is_on_sale":true}]`)},
		{name: "order lineitem product_id missing", record: with(validOrder, "lineitems", `[{"quantity":1}]`), path: "root > lineitems > 0 > product_id", msg: "required"},
		{name: "order lineitem product_id number", record: with(validOrder, "lineitems", `[`+lineitem+`,{"product_id":2,"quantity":1}]`), path: "root > lineitems > 1 > product_id"},
		{name: "order lineitem quantity missing", record: with(validOrder, "lineitems", `[{"product_id":"p1"}]`), path: "root > lineitems > 0 > quantity"},
		{name: "order lineitem quantity string", record: with(validOrder, "lineitems", `[{"product_id":"p1","quantity":"2"}]`), path: "root > lineitems > 0 > quantity"},
		{name: "order lineitem unit_price string", record: with(validOrder, "lineitems", `[{"product_id":"p1","quantity":2,"unit_price":"5"}]`), path: "root > lineitems > 0 > unit_price"},
		{name: "order lineitem is_on_sale string", record: with(validOrder, "lineitems", `[{"product_id":"p1","quantity":2,"is_on_sale":"no"}]`), path: "root > lineitems > 0 > is_on_sale"},
		{name: "order variant label missing", record: with(validOrder, "lineitems", `[{"product_id":"p1","quantity":2,"variant_options":[{"id":"v","type":"size"}]}]`), path: "root > lineitems > 0 > variant_options > 0 > label"},
		{name: "order lineitems not array", record: with(validOrder, "lineitems", lineitem), path: "root > lineitems"},
		{name: "order lineitem null", record: with(validOrder, "lineitems", `[null]`), path: "root > lineitems > 0"},
		{name: "order shipping_address", record: with(validOrder, "shipping_address", `{"city":"Leeds","postcode":"LS1","country_code":"GB","state":null}`)},
		{name: "order shipping_address number", record: with(validOrder, "shipping_address", `{"city":1}`), path: "root > shipping_address > city"},
		{name: "order billing_address not object", record: with(validOrder, "billing_address", `"Leeds"`), path: "root > billing_address"},
		{name: "order subtotal string", record: with(validOrder, "subtotal", `"1"`), path: "root > subtotal"},
		{name: "order discount string", record: with(validOrder, "discount", `"1"`), path: "root > discount"},
		{name: "order shipping string", record: with(validOrder, "shipping", `"1"`), path: "root > shipping"},
		{name: "order tax string", record: with(validOrder, "tax", `"1"`), path: "root > tax"},
		{name: "order numbers", record: with(validOrder, "subtotal", "9", "discount", "0", "shipping", "1.5", "tax", "0.2", "total_refunded", "0")},
		{name: "order store number", record: with(validOrder, "store", `1`), path: "root > store"},

		// product
		{name: "product title missing", record: with(validProduct, "title", "-"), path: "root > title", msg: "required"},
		{name: "product title number", record: with(validProduct, "title", `1`), path: "root > title"},
		{name: "product price", record: with(validProduct, "price", `19.99`, "currency", `"GBP"`)},
		{name: "product price string", record: with(validProduct, "price", `"19.99"`), path: "root > price"},
		{name: "product is_active string", record: with(validProduct, "is_active", `"yes"`), path: "root > is_active"},
		{name: "product is_in_stock string", record: with(validProduct, "is_in_stock", `0`), path: "root > is_in_stock"},
		{name: "product stock update of stored product", before: []string{validProduct}, record: `{"@type":"product","id":"p1","is_in_stock":false,"@merge":true}`},
		{name: "product stock update of unknown product", record: `{"@type":"product","id":"p1","is_in_stock":false,"@merge":true}`, path: "root > title"},
		{name: "product listings", record: with(validProduct, "listings", `[{"store":"uk","price":1,"currency":"GBP","is_active":true}]`)},
		{name: "product listing price string", record: with(validProduct, "listings", `[{"store":"uk","price":"1"}]`), path: "root > listings > 0 > price"},

		// custom_event
		{name: "event timestamp missing", record: with(validEvent, "timestamp", "-"), path: "root > timestamp"},
		{name: "event timestamp invalid", record: with(validEvent, "timestamp", `"2024-05-01"`), path: "root > timestamp"},
		{name: "event event_type missing", record: with(validEvent, "event_type", "-"), path: "root > event_type"},
		{name: "event event_type empty", record: with(validEvent, "event_type", `""`), path: "root > event_type"},
		{name: "event account id only", record: with(validEvent, "identity_email", "-", "identity_account_id", `"55555"`)},
		{name: "event no identity", record: with(validEvent, "identity_email", "-"), path: "root > identity_email", msg: "identity_email, identity_account_id"},
		{name: "event identity_email invalid", record: with(validEvent, "identity_email", `"ann"`), path: "root > identity_email"},
		{name: "event properties", record: with(validEvent, "properties", `{"pid":["uk:123_456"]}`)},
		{name: "event properties string", record: with(validEvent, "properties", `"x"`), path: "root > properties"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := New(unlimited(tt.cfg), testAccounts...)
			for _, b := range tt.before {
				if r := push(e, acmeKey, arr(b)); r.object(t)["accepted"] != 1.0 {
					t.Fatalf("before %s: %d %s", b, r.status, r.body)
				}
			}
			r := push(e, acmeKey, arr(tt.record))
			if r.status != 200 {
				t.Fatalf("status %d %s", r.status, r.body)
			}
			got := r.object(t)
			rejections := e.Rejections("acme")
			if tt.path == "" {
				if got["accepted"] != 1.0 || got["rejected"] != 0.0 {
					t.Fatalf("want accepted, got %s %v", r.body, rejections)
				}
				return
			}
			if got["accepted"] != 0.0 || got["rejected"] != 1.0 || len(rejections) != 1 {
				t.Fatalf("want rejected at %q, got %s %v", tt.path, r.body, rejections)
			}
			if pe := rejections[0]; pe.ErrorPath != tt.path || !strings.Contains(pe.ErrorMessage, tt.msg) ||
				!strings.HasPrefix(pe.ErrorMessage, "not a valid value") && tt.path != "root" {
				t.Errorf("rejection %+v, want path %q and message containing %q", pe, tt.path, tt.msg)
			}
		})
	}
}
