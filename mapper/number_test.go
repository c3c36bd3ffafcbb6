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

// TestFreeFormNumberRange: a number outside the range of a double in a value the record
// copies as it is (properties, custom_fields, line item extras and totals, mapped
// properties, list ids) is left out with number_out_of_range, innermost: the member or
// element that is the number goes, the objects and arrays around it stay. The record
// then decodes with encoding/json (checkOutcome unmarshals it into map[string]any: a
// number it cannot hold is "value out of range").
func TestFreeFormNumberRange(t *testing.T) {
	long := "1" + strings.Repeat("0", 400)
	mapped := Settings{Name: "acme", FieldMappings: []FieldMapping{
		{From: "context.big", To: "big", Record: TypeCustomEvent},
		{From: "context.nest", To: "properties.nest", Record: TypeCustomEvent},
	}}
	item := `"product_id":"p","quantity":1,"price":1`
	runCases(t, []mcase{
		{name: "custom event", in: track("x", `"big":1e400,"ok":1`), typ: TypeCustomEvent,
			want: map[string]any{"properties": js(`{"ok":1}`)}, warn: []string{"number_out_of_range: properties.big"}},
		{name: "custom event, each way to overflow", in: track("x", `"a":-1e999,"b":`+long+`,"c":1E+400,"d":"1e400","e":1e-400,"f":1.7976931348623157e308,"g":`+long+`e-300,"h":-2e308`),
			want: map[string]any{"properties": js(`{"d":"1e400","e":0,"f":1.7976931348623157e308,"g":1e100}`)},
			warn: []string{"number_out_of_range: properties.a", "number_out_of_range: properties.b", "number_out_of_range: properties.c", "number_out_of_range: properties.h"}},
		{name: "nested", in: track("x", `"a":{"b":[1e400,2],"c":-1e400,"d":{"e":[[1e400]],"s":"1e400"}},"f":[1e400],"g":[1, 2 ,{"h" : 3}]`),
			want: map[string]any{"properties": js(`{"a":{"b":[2],"d":{"e":[[]],"s":"1e400"}},"f":[],"g":[1,2,{"h":3}]}`)},
			warn: []string{"number_out_of_range: properties.a.b[0]", "number_out_of_range: properties.a.c", "number_out_of_range: properties.a.d.e[0][0]", "number_out_of_range: properties.f[0]"}},
		{name: "escaped key", in: track("x", `"a\"b":{"c\u00e9":1e400,"d\n":1}`),
			want: map[string]any{"properties": js(`{"a\"b":{"d\n":1}}`)}, warn: []string{"number_out_of_range: properties.a\"b.c\u00e9"}},
		{name: "custom event custom_fields", in: track("x", `"custom_fields":{"big":1e400,"ok":1}`),
			want: map[string]any{"properties": js(`{"ok":1}`)}, warn: []string{"number_out_of_range: properties.custom_fields.big"}},
		{name: "custom event field mappings", s: &mapped, in: track("x", ``, `"context":{"big":1e400,"nest":{"n":[1,1e400]},"traits":{"email":"ada@example.com"}}`),
			want: map[string]any{"properties": js(`{"nest":{"n":[1]}}`)}, warn: []string{"number_out_of_range: context.big", "number_out_of_range: context.nest.n[1]"}},
		{name: "contact traits", in: identify(`"big":1e400,"ok":1`, `"context":{"traits":{"big2":{"x":-1e400}}}`),
			want: map[string]any{"properties": js(`{"ok":1,"big2":{}}`)}, warn: []string{"number_out_of_range: traits.big", "number_out_of_range: context.traits.big2.x"}},
		{name: "contact custom_fields", in: identify(`"custom_fields":{"big":1e400}`),
			want: map[string]any{"properties": absent}, warn: []string{"number_out_of_range: traits.custom_fields.big"}},
		{name: "contact lists", in: identify(`"addToLists":[1e400,"l1"],"removeFromLists":1e400`),
			want: map[string]any{"@add_to_lists": js(`["l1"]`), "@remove_from_lists": absent},
			warn: []string{"number_out_of_range: traits.addToLists[0]", "number_out_of_range: traits.removeFromLists"}},
		{name: "order properties", in: order(`"big":1e400`), want: map[string]any{"properties": absent, "grand_total": 10.5}, warn: []string{"number_out_of_range: properties.big"}},
		{name: "line item extras and totals", in: order(`"products":[{` + item + `,"big":1e400,"ok":1,"totals":{"x":1e400,"y":2}},{` + item + `,"properties":{"big":[1e400]}},{` + item + `,"totals":-1e400}]`),
			want: map[string]any{"lineitems.0.properties": js(`{"ok":1}`), "lineitems.0.totals": js(`{"y":2}`), "lineitems.1.properties": js(`{"big":[]}`), "lineitems.2.totals": absent},
			warn: []string{"number_out_of_range: properties.products[0].totals.x", "number_out_of_range: properties.products[0].big",
				"number_out_of_range: properties.products[1].properties.big[0]", "number_out_of_range: properties.products[2].totals"}},
		{name: "product properties", in: product(`"title":"T","price":1,"big":1e400,"ok":[1e400]`),
			want: map[string]any{"properties": js(`{"ok":[]}`), "price": 1.0}, warn: []string{"number_out_of_range: properties.big", "number_out_of_range: properties.ok[0]"}},
	})
}
