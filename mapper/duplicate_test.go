package mapper

import "testing"

// TestDuplicateKeys: a key the mapping reads that appears twice in its object makes the
// event ambiguous: it is dead-lettered rather than letting the last one win.
func TestDuplicateKeys(t *testing.T) {
	const dup = ReasonDuplicateKey
	mapped := Settings{Name: "acme", FieldMappings: []FieldMapping{{From: "traits.loyalty.tier", To: "tier"}}}
	runCases(t, []mcase{
		{name: "type", in: `{"type":"track","event":"x","messageId":"m","timestamp":"2024-05-01T08:00:00Z","traits":{"email":"a@b.co"},"type":"identify"}`, reason: dup, field: "type"},
		{name: "type of a skipped event", in: `{"type":"page","type":"identify","traits":{"email":"a@b.co","listingId":"l"}}`, reason: dup, field: "type"},
		{name: "event name", in: `{"type":"track","event":"Order Completed","event":"Product Viewed"}`, reason: dup, field: "event"},
		{name: "userId", in: identify(``, `"userId":"u-2"`, `"userId":"u-3"`), reason: dup, field: "userId"},
		{name: "traits", in: `{"type":"identify","traits":{"email":"a@b.co","listingId":"l"},"traits":{"email":"c@d.co","listingId":"l"}}`, reason: dup, field: "traits"},
		{name: "context.traits", in: `{"type":"identify","context":{"traits":{"email":"a@b.co"},"traits":{"email":"c@d.co"}},"traits":{"listingId":"l"}}`, reason: dup, field: "context.traits"},
		{name: "context.timezone", in: identify(``, `"context":{"timezone":"Europe/Paris","timezone":"Europe/London"}`), reason: dup, field: "context.timezone"},
		{name: "a trait", in: identify(`"email":"a@b.co","listingId":"l","email":"c@d.co"`), reason: dup, field: "traits.email"},
		{name: "an escaped spelling of a trait", in: identify(`"email":"a@b.co","listingId":"l","em\u0061il":"c@d.co"`), reason: dup, field: "traits.email"},
		{name: "a context trait", in: `{"type":"identify","traits":{"listingId":"l"},"context":{"traits":{"email":"a@b.co","lastName":"A","lastName":"B"}}}`, reason: dup, field: "context.traits.lastName"},
		{name: "a property of an order", in: order(`"order_id":"o-1","grand_total":1,"currency":"GBP","grand_total":2`), reason: dup, field: "properties.grand_total"},
		{name: "products of an order", in: order(`"products":[{"product_id":"a","quantity":1,"price":1}],"products":[]`), reason: dup, field: "properties.products"},
		{name: "a key of a product line", in: order(`"products":[{"product_id":"a","quantity":1,"price":1},{"product_id":"b","quantity":1,"quantity":5,"price":1}]`), reason: dup, field: "properties.products[1].quantity"},
		{name: "a key of a variant option", in: order(`"products":[{"product_id":"a","quantity":1,"price":1,"variant_options":[{"id":"1","type":"size","label":"S","label":"M"}]}]`), reason: dup, field: "properties.products[0].variant_options[0].label"},
		{name: "a key of an address", in: order(`"shipping_address":{"city":"Leeds","city":"York"}`), reason: dup, field: "properties.shipping_address.city"},
		{name: "a property of a custom event", in: track("x", `"event_id":"e1","event_id":"e2"`), reason: dup, field: "properties.event_id"},
		{name: "an integrations key", in: identify(``, `"integrations":{"Ometria":{"marketingOptin":"EXPLICITLY_OPTEDIN","marketingOptin":"EXPLICITLY_OPTEDOUT"}}`), reason: dup, field: "integrations.Ometria.marketingOptin"},
		{name: "a field mapping's source", s: &mapped, in: identify(`"loyalty":{"tier":"gold","tier":"silver"}`), reason: dup, field: "traits.loyalty.tier"},
		// Keys the mapping does not read are copied as they are.
		{name: "an unread key", in: identify(`"plan":"a","plan":"b"`), want: map[string]any{"properties.plan": "b"}},
		{name: "order traits are not read by a contact", in: identify(``, `"properties":{"order_id":"a","order_id":"b"}`), typ: TypeContact},
		{name: "traits are not read by a product", in: track("Product Updated", `"product_id":"p"`, `"traits":{"email":"a@b.co","email":"c@d.co"}`), typ: TypeProduct},
		{name: "a trait an order does not read", in: order(``, `"traits":{"email":"a@b.co","plan":"a","plan":"b"}`), typ: TypeOrder},
	})
}
