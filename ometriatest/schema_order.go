package ometriatest

import "slices"

// Order rules (sources as in schema.go; docs/emulator.md).
//
//	field                                   rule                                      source
//	timestamp                               required; ISO 8601 date-time with offset  R requires it
//	grand_total                             required; number                          R requires it
//	subtotal, discount, shipping, tax,      number                                    R, Magento
//	  total_refunded, base_subtotal,
//	  base_discount, base_shipping,
//	  base_tax, base_grand_total,
//	  base_total_refunded
//	currency, base_currency                 three upper-case letters                  R (ISO 4217)
//	status                                  non-empty string; with                    DOC "cancelled"; R complete, pending,
//	                                        StrictOrderStatus one of complete,        shipped; full enum undocumented
//	                                        pending, shipped, cancelled or
//	                                        Config.OrderStatuses
//	is_valid                                boolean                                   DOC PUSH-DOC
//	customer                                object: id, email, firstname, lastname    DOC ORDERS-EP
//	                                        strings
//	lineitems                               array of line items (below)               R, Magento
//	shipping_address, billing_address       object of strings                         R, Magento
//	web_id, ip_address, channel, store,     string                                    R, DOC CONVENTIONS
//	  payment_method, shipping_method,
//	  coupon_code
//	properties                              object, any members                       R
//
// A status update, a record holding status or is_valid and nothing else but @type, id and @merge (PUSH-DOC's
// [{"@type":"order","id":"123551","status":"cancelled","is_valid":false}]), needs neither
// timestamp nor grand_total, even when the order is not stored yet.
//
// Line item (lineitems[i]):
//
//	product_id                              required; string                          R requires it
//	quantity                                required; number                          R requires it
//	variant_id, sku                         string                                    R
//	unit_price, subtotal, quantity_refunded, number                                   R
//	  refunded, tax, total, discount
//	is_on_sale                              boolean                                   R
//	totals                                  anything (shape undocumented)             R
//	properties                              object                                    R
//	variant_options                         array of objects with required string     R
//	                                        id, type and label

// orderStatuses are the statuses StrictOrderStatus accepts besides Config.OrderStatuses.
var orderStatuses = []string{"complete", "pending", "shipped", "cancelled"}

// orderSchema returns the order rules.
func orderSchema(strict bool, cfg Config) *recordSchema {
	status := nonEmpty
	if cfg.StrictOrderStatus {
		status = oneOf(append(slices.Clone(orderStatuses), cfg.OrderStatuses...)...)
	}
	variant := object(strict,
		field{name: "id", rule: str, required: true},
		field{name: "type", rule: str, required: true},
		field{name: "label", rule: str, required: true},
	)
	lineitem := object(strict,
		field{name: "product_id", rule: str, required: true},
		field{name: "quantity", rule: number, required: true},
		field{name: "variant_id", rule: str},
		field{name: "sku", rule: str},
		field{name: "unit_price", rule: number},
		field{name: "subtotal", rule: number},
		field{name: "quantity_refunded", rule: number},
		field{name: "refunded", rule: number},
		field{name: "tax", rule: number},
		field{name: "total", rule: number},
		field{name: "discount", rule: number},
		field{name: "is_on_sale", rule: boolean},
		field{name: "totals", rule: anyValue},
		field{name: "properties", rule: anyObject},
		field{name: "variant_options", rule: arrayOf(variant)},
	)
	customer := object(strict,
		field{name: "id", rule: str},
		field{name: "email", rule: str},
		field{name: "firstname", rule: str},
		field{name: "lastname", rule: str},
	)
	fields := common(
		field{name: "timestamp", rule: timestamp},
		field{name: "grand_total", rule: number},
		field{name: "currency", rule: currency},
		field{name: "base_currency", rule: currency},
		field{name: "status", rule: status},
		field{name: "is_valid", rule: boolean},
		field{name: "customer", rule: customer},
		field{name: "lineitems", rule: arrayOf(lineitem)},
		field{name: "shipping_address", rule: stringsMap},
		field{name: "billing_address", rule: stringsMap},
		field{name: "properties", rule: anyObject},
	)
	for _, n := range []string{"subtotal", "discount", "shipping", "tax", "total_refunded",
		"base_subtotal", "base_discount", "base_shipping", "base_tax", "base_grand_total", "base_total_refunded"} {
		fields = append(fields, field{name: n, rule: number})
	}
	for _, n := range []string{"web_id", "ip_address", "channel", "store", "payment_method", "shipping_method", "coupon_code"} {
		fields = append(fields, field{name: n, rule: str})
	}
	return &recordSchema{
		fields:   fields,
		complete: requireAll("timestamp", "grand_total"),
		partial:  isStatusUpdate,
	}
}

// isStatusUpdate reports whether an order record holds status or is_valid and nothing else
// but @type, id and @merge.
func isStatusUpdate(m map[string]any) bool {
	if m["status"] == nil && m["is_valid"] == nil {
		return false
	}
	for k := range m {
		switch k {
		case "@type", "id", "status", "is_valid", "@merge":
		default:
			return false
		}
	}
	return true
}
