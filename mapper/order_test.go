package mapper

import "testing"

func TestOrder(t *testing.T) {
	refunds := Settings{Name: "acme", OrderEvents: map[string]string{"Order Refunded": "refunded", "Order Voided": "cancelled"}}
	runCases(t, []mcase{
		{name: "minimal", in: order(``), typ: TypeOrder, want: map[string]any{
			"id": "o-1", "timestamp": "2024-05-01T08:00:00.143Z", "grand_total": 10.5, "currency": "GBP",
			"status": "complete", "is_valid": true, "customer": js(`{"id":"u-1","email":"ada@example.com"}`),
			"lineitems": absent, "properties": absent,
		}},
		// status from the event name
		{name: "order complete", in: track("order complete", `"order_id":"o","grand_total":1,"currency":"GBP"`), want: map[string]any{"status": "complete"}},
		{name: "complete", in: track(" Complete ", `"order_id":"o","grand_total":1,"currency":"GBP"`), want: map[string]any{"status": "complete"}},
		{name: "order shipped", in: track("ORDER SHIPPED", `"order_id":"o","grand_total":1,"currency":"GBP"`), want: map[string]any{"status": "shipped"}},
		{name: "shipped", in: track("shipped", `"order_id":"o","grand_total":1,"currency":"GBP"`), want: map[string]any{"status": "shipped"}},
		{name: "order pending", in: track("Order Pending", `"order_id":"o","grand_total":1,"currency":"GBP"`), want: map[string]any{"status": "pending"}},
		{name: "pending", in: track("pending", `"order_id":"o","grand_total":1,"currency":"GBP"`), want: map[string]any{"status": "pending"}},
		{name: "account order event", s: &refunds, in: track("order refunded", `"order_id":"o","grand_total":1,"currency":"GBP"`), want: map[string]any{"status": "refunded", "is_valid": true}},
		{name: "order cancelled is a partial order", in: track("Order Cancelled", `"order_id":"o-9","currency":"nope"`, `"userId":null`), want: map[string]any{
			"@type": "order", "id": "o-9", "status": "cancelled", "is_valid": false, "timestamp": absent, "currency": absent, "customer": absent}},
		{name: "account cancelling event", s: &refunds, in: track("Order Voided", `"order_id":"o-9"`), want: map[string]any{"status": "cancelled", "is_valid": false}},
		{name: "cancel without an id", in: track("Order Cancelled", ``), reason: ReasonMissingOrderID},
		// required fields
		{name: "missing order id", in: track("Order Completed", `"grand_total":1,"currency":"GBP"`), reason: ReasonMissingOrderID, field: "properties.order_id"},
		{name: "numeric order id", in: order(`"order_id":1001`), want: map[string]any{"id": "1001"}},
		{name: "order id is a phone number", in: order(`"order_id":"+447911123456"`), reason: ReasonPIIInID},
		{name: "timestamp from properties wins", in: order(`"timestamp":"2024-06-01T10:00:00+02:00"`, `"originalTimestamp":"2020-01-01T00:00:00Z"`), want: map[string]any{"timestamp": "2024-06-01T10:00:00+02:00"}},
		{name: "timestamp from originalTimestamp", in: order(``, `"timestamp":null`, `"originalTimestamp":"2020-01-01T00:00:00Z"`), want: map[string]any{"timestamp": "2020-01-01T00:00:00Z"}},
		{name: "no timestamp", in: order(``, `"timestamp":null`), reason: ReasonInvalidTimestamp, field: "timestamp"},
		{name: "bad timestamp", in: order(`"timestamp":"01/05/2024"`), reason: ReasonInvalidTimestamp, field: "properties.timestamp"},
		{name: "numeric timestamp", in: order(``, `"timestamp":1714550400`), reason: ReasonInvalidTimestamp},
		{name: "grand total from total", in: track("Order Completed", `"order_id":"o","total":"12.50","currency":"GBP"`), want: map[string]any{"grand_total": 12.5}},
		{name: "grand total from revenue", in: track("Order Completed", `"order_id":"o","revenue":7,"currency":"GBP"`), want: map[string]any{"grand_total": 7.0}},
		{name: "no grand total", in: track("Order Completed", `"order_id":"o","currency":"GBP"`), reason: ReasonInvalidGrandTotal},
		{name: "grand total not a number", in: track("Order Completed", `"order_id":"o","grand_total":"ten","currency":"GBP"`), reason: ReasonInvalidGrandTotal, field: "properties.grand_total"},
		{name: "grand total NaN string", in: track("Order Completed", `"order_id":"o","grand_total":"NaN","currency":"GBP"`), reason: ReasonInvalidGrandTotal},
		{name: "currency trimmed and upper-cased", in: order(`"currency":" gbp "`), want: map[string]any{"currency": "GBP"}},
		{name: "currency BYN", in: order(`"currency":"BYN"`), want: map[string]any{"currency": "BYN"}},
		{name: "currency VES", in: order(`"currency":"VES"`), want: map[string]any{"currency": "VES"}},
		{name: "currency SLE", in: order(`"currency":"SLE"`), want: map[string]any{"currency": "SLE"}},
		{name: "withdrawn BYR", in: order(`"currency":"BYR"`), reason: ReasonInvalidCurrency},
		{name: "withdrawn VEF", in: order(`"currency":"VEF"`), reason: ReasonInvalidCurrency},
		{name: "withdrawn HRK", in: order(`"currency":"HRK"`), reason: ReasonInvalidCurrency},
		{name: "pence are not a currency", in: order(`"currency":"GBX"`), reason: ReasonInvalidCurrency},
		{name: "no currency", in: track("Order Completed", `"order_id":"o","grand_total":1`), reason: ReasonInvalidCurrency, field: "properties.currency"},
		{name: "currency not a string", in: order(`"currency":826`), reason: ReasonInvalidCurrency},
		{name: "customer needs an email", in: order(``, `"context":{}`), reason: ReasonMissingCustomer},
		{name: "customer needs an id", in: order(``, `"userId":null`), reason: ReasonMissingCustomer, field: "userId"},
		{name: "customer from properties email and anonymousId", in: order(`"email":"p@example.com"`, `"userId":null`, `"anonymousId":"anon"`, `"context":{}`), want: map[string]any{"customer": js(`{"id":"anon","email":"p@example.com"}`), "properties": absent}},
		{name: "customer names", in: order(``, `"context":{"traits":{"email":"a@b.co","firstName":"Ada","last_name":"Lovelace"}}`), want: map[string]any{"customer": js(`{"id":"u-1","email":"a@b.co","firstname":"Ada","lastname":"Lovelace"}`)}},
		{name: "non-string customer name left out with a warning", in: order(``, `"traits":{"email":"a@b.co","name":123}`), want: map[string]any{"customer": js(`{"id":"u-1","email":"a@b.co"}`)}, warn: []string{"invalid_value: traits.name"}},
		{name: "customer name split", in: order(``, `"traits":{"email":"a@b.co","name":"Ada King Lovelace"}`), want: map[string]any{"customer": js(`{"id":"u-1","email":"a@b.co","firstname":"Ada","lastname":"Lovelace"}`)}},
		// optional fields
		{name: "optional fields", in: order(`"subtotal":9,"discount":"1.5","shipping":0,"tax":2,"web_id":"w","channel":"web","store":"uk","payment_method":"card","shipping_method":"dhl","coupon":"SAVE","ip_address":"10.0.0.1"`),
			want: map[string]any{"subtotal": 9.0, "discount": 1.5, "shipping": 0.0, "tax": 2.0, "web_id": "w", "channel": "web", "store": "uk", "payment_method": "card", "shipping_method": "dhl", "coupon_code": "SAVE", "ip_address": "10.0.0.1", "properties": absent}},
		{name: "coupon_code wins", in: order(`"coupon_code":"A","coupon":"B"`), want: map[string]any{"coupon_code": "A"}},
		{name: "context ip wins", in: order(`"ip_address":"10.0.0.1"`, `"context":{"ip":"192.0.2.1","traits":{"email":"a@b.co"}}`), want: map[string]any{"ip_address": "192.0.2.1"}},
		{name: "bad optional number", in: order(`"tax":"lots"`), want: map[string]any{"tax": absent}, warn: []string{"invalid_value: properties.tax"}},
		{name: "addresses", in: order(`"shipping_address":{"city":"Leeds","state":"WY","postcode":"LS1","country_code":"GB","line1":"x"},"billing_address":{"city":"Paris","postalCode":"75001","countryCode":"FR"}`),
			want: map[string]any{"shipping_address": js(`{"city":"Leeds","state":"WY","postcode":"LS1","country_code":"GB"}`), "billing_address": js(`{"city":"Paris","postcode":"75001","country_code":"FR"}`)}},
		{name: "address country", in: order(`"billing_address":{"country":"FR"}`), want: map[string]any{"billing_address": js(`{"country_code":"FR"}`)}},
		{name: "address not an object", in: order(`"shipping_address":"1 High St"`), want: map[string]any{"shipping_address": absent}, warn: []string{"invalid_value: properties.shipping_address"}},
		// line items
		{name: "line items", in: order(`"products":[
			{"product_id":"p1","variant_id":"v1","sku":"s1","quantity":2,"unit_price":5,"subtotal":10,"tax":1,"total":11,"discount":0,"quantity_refunded":0,"refunded":0,"is_on_sale":true,"totals":{"a":1},"variant_options":[{"id":"42","type":"size","label":"M"}],"name":"Shoe"},
			{"product_id":7,"quantity":"1","price":"3.5","properties":{"colour":"red"},"name":"ignored"}]`),
			want: map[string]any{
				"lineitems.0": js(`{"product_id":"p1","variant_id":"v1","sku":"s1","quantity":2,"unit_price":5,"subtotal":10,"tax":1,"total":11,"discount":0,"quantity_refunded":0,"refunded":0,"is_on_sale":true,"totals":{"a":1},"variant_options":[{"id":"42","type":"size","label":"M"}],"properties":{"name":"Shoe"}}`),
				"lineitems.1": js(`{"product_id":"7","quantity":1,"unit_price":3.5,"properties":{"colour":"red"}}`),
			}},
		{name: "bad line items dropped", in: order(`"products":[{"quantity":1,"price":1},{"product_id":"p","quantity":0,"price":1},{"product_id":"p","quantity":1},{"product_id":"p","quantity":-2,"price":1},"x",{"product_id":"ok","quantity":1,"subtotal":2}]`),
			want: map[string]any{"lineitems": js(`[{"product_id":"ok","quantity":1,"subtotal":2}]`)},
			warn: []string{"lineitem_dropped: properties.products[0]", "lineitem_dropped: properties.products[1]", "lineitem_dropped: properties.products[2]", "lineitem_dropped: properties.products[3]", "lineitem_dropped: properties.products[4]"}},
		{name: "bad variant options dropped", in: order(`"products":[{"product_id":"p","quantity":1,"price":1,"variant_options":[{"id":"1","type":"size"},{"id":1,"type":"colour","label":"red"}]}]`),
			want: map[string]any{"lineitems.0.variant_options": js(`[{"id":"1","type":"colour","label":"red"}]`)},
			warn: []string{"variant_option_dropped: properties.products[0].variant_options[0]"}},
		{name: "bad item field", in: order(`"products":[{"product_id":"p","quantity":1,"price":1,"is_on_sale":"yes"}]`),
			want: map[string]any{"lineitems.0.is_on_sale": absent}, warn: []string{"invalid_value: properties.products[0].is_on_sale"}},
		{name: "products not an array", in: order(`"products":{}`), want: map[string]any{"lineitems": absent}, warn: []string{"invalid_value: properties.products"}},
		// a repeated "products" or "properties" is ambiguous (TestDuplicateKeys)
		{name: "repeated products", in: order(`"products":[{"product_id":"a","quantity":1,"price":1}],"products":[{"product_id":"b","quantity":1,"price":1}]`),
			reason: ReasonDuplicateKey, field: "properties.products"},
		{name: "products replaced by an object", in: order(`"products":[{"product_id":"a","quantity":1,"price":1}],"products":{}`),
			reason: ReasonDuplicateKey, field: "properties.products"},
		{name: "properties repeated", in: `{"type":"track","event":"Order Completed","userId":"u-1","timestamp":"2024-05-01T08:00:00.143Z","context":{"traits":{"email":"ada@example.com"}},` +
			`"properties":{"order_id":"o","grand_total":1,"currency":"GBP","products":[{"product_id":"a","quantity":1,"price":1}]},` +
			`"properties":{"order_id":"o","grand_total":1,"currency":"GBP","products":[{"product_id":"b","quantity":2,"price":1}," x"]}}`,
			reason: ReasonDuplicateKey, field: "properties"},
		// properties
		{name: "custom_fields become properties", in: order(`"custom_fields":{"gift":true},"other":1`), want: map[string]any{"properties": js(`{"gift":true}`)}},
		{name: "unread properties become properties", in: order(`"checkout_id":"c","affiliation":"Store","nothing":null`), want: map[string]any{"properties": js(`{"checkout_id":"c","affiliation":"Store"}`)}},
	})
}

func TestOrderFieldMappings(t *testing.T) {
	s := Settings{Name: "acme", FieldMappings: []FieldMapping{
		{From: "properties.checkout.total", To: "grand_total", Record: TypeOrder},
		{From: "properties.affiliation", To: "store_name", Record: TypeOrder},
		{From: "context.page.url", To: "properties.page", Record: TypeOrder},
	}}
	runCases(t, []mcase{
		{name: "mappings", s: &s, in: order(`"checkout":{"total":99},"affiliation":"Shop"`, `"context":{"page":{"url":"https://x"},"traits":{"email":"a@b.co"}}`),
			want: map[string]any{"grand_total": 99.0, "properties": js(`{"store_name":"Shop","page":"https://x"}`)}},
	})
}
