package mapper

import (
	"strings"
	"testing"
)

// TestNumberRange: a number outside the range of a double is not a number.
func TestNumberRange(t *testing.T) {
	runCases(t, []mcase{
		{name: "grand total 1e400", in: order(`"grand_total":1e400`), reason: ReasonInvalidGrandTotal, field: "properties.grand_total"},
		{name: "grand total -1e400", in: order(`"grand_total":-1e400`), reason: ReasonInvalidGrandTotal, field: "properties.grand_total"},
		{name: "grand total \"1e400\"", in: order(`"grand_total":"1e400"`), reason: ReasonInvalidGrandTotal, field: "properties.grand_total"},
		{name: "grand total of 400 digits", in: order(`"grand_total":1` + strings.Repeat("0", 400)), reason: ReasonInvalidGrandTotal},
		{name: "largest double", in: order(`"grand_total":1.7976931348623157e308`), want: map[string]any{"grand_total": 1.7976931348623157e308}},
		{name: "tiny is in range", in: order(`"tax":1e-400`), want: map[string]any{"tax": 0.0}},
		{name: "optional 1e400 left out", in: order(`"tax":1e400,"shipping":"-2e308"`), want: map[string]any{"tax": absent, "shipping": absent},
			warn: []string{"invalid_value: properties.shipping", "invalid_value: properties.tax"}},
		{name: "line item price 1e400", in: order(`"products":[{"product_id":"p","quantity":1,"price":1e400},{"product_id":"q","quantity":1e999,"price":1}]`),
			want: map[string]any{"lineitems": js(`[]`)}, warn: []string{"lineitem_dropped: properties.products[0]", "lineitem_dropped: properties.products[1]"}},
		{name: "line item tax 1e400", in: order(`"products":[{"product_id":"p","quantity":1,"price":1,"tax":1e400}]`),
			want: map[string]any{"lineitems.0.tax": absent}, warn: []string{"invalid_value: properties.products[0].tax"}},
	})
}
