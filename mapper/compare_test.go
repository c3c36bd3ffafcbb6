package mapper

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestRudderStackRows checks, through Map, what kafka-ometria does with the events on which
// the README's comparison ("How it compares") says RudderStack's transformer misbehaves.
// A non-string traits name is in TestContact and TestOrder.
func TestRudderStackRows(t *testing.T) {
	runCases(t, []mcase{
		{name: "string products: the order without line items, with a warning", in: order(`"products":"abc"`),
			typ: TypeOrder, want: map[string]any{"id": "o-1", "lineitems": absent, "properties": absent}, warn: []string{"invalid_value: properties.products"}},
		{name: "contact custom_fields a string: the other traits fill properties", in: identify(`"custom_fields":"blob","plan":"club"`),
			want: map[string]any{"properties": js(`{"plan":"club"}`)}},
		{name: "contact custom_fields an array", in: identify(`"custom_fields":[1,2],"plan":"club"`),
			want: map[string]any{"properties": js(`{"plan":"club"}`)}},
		{name: "order custom_fields a string", in: order(`"custom_fields":"s","other":1`),
			want: map[string]any{"properties": js(`{"other":1}`)}},
		{name: "custom event custom_fields a number", in: track("x", `"custom_fields":7,"b":2`),
			want: map[string]any{"properties": js(`{"b":2}`)}},
		{name: "listingId 0 is the id 0", in: identify(`"listingId":0`), want: map[string]any{"id": "0"}},
		{name: "traits userId and id are not contact properties", in: identify(`"userId":"tu","id":"tid","plan":"p"`, `"userId":null`),
			want: map[string]any{"customer_id": "tu", "properties": js(`{"plan":"p"}`)}},
		{name: "context.traits userId and id are not contact properties", in: `{"type":"identify","anonymousId":"a","traits":{"email":"a@b.co","listingId":"l"},"context":{"traits":{"userId":"cu","id":"ci","plan":"p"}}}`,
			want: map[string]any{"customer_id": "cu", "properties": js(`{"plan":"p"}`)}},
	})
}

// TestBigIntegersKeptExact checks that integers above 2^53, which a float64 cannot hold,
// reach the record to the digit, in free-form properties and in an order's grand_total.
// The record is compared as JSON numbers (json.Number), never as float64.
func TestBigIntegersKeptExact(t *testing.T) {
	acct, err := NewAccount(defaultSettings)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, in string
		want     map[string]string // dotted path -> the number's text
	}{
		{"contact properties", identify(`"big":9007199254740993,"nested":{"n":-12345678901234567891},"list":[18446744073709551617]`),
			map[string]string{"properties.big": "9007199254740993", "properties.nested.n": "-12345678901234567891", "properties.list.0": "18446744073709551617"}},
		{"order grand_total", order(`"grand_total":9007199254740993`), map[string]string{"grand_total": "9007199254740993"}},
		{"order grand_total as a string", order(`"grand_total":"9007199254740993"`), map[string]string{"grand_total": "9007199254740993"}},
		{"order properties", order(`"loyalty_points":9007199254740995`), map[string]string{"properties.loyalty_points": "9007199254740995"}},
		{"custom event properties", track("x", `"n":9007199254740997`), map[string]string{"properties.n": "9007199254740997"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m Mapper
			outs := m.Map([]byte(c.in), acct)
			if len(outs) != 1 || outs[0].Kind != Mapped {
				t.Fatalf("got %+v, want one record", outs)
			}
			dec := json.NewDecoder(bytes.NewReader(outs[0].Record.JSON))
			dec.UseNumber()
			var rec any
			if err := dec.Decode(&rec); err != nil {
				t.Fatalf("record is not JSON: %v\n%s", err, outs[0].Record.JSON)
			}
			for p, want := range c.want {
				got, ok := at(rec, p)
				if n, isNum := got.(json.Number); !ok || !isNum || string(n) != want {
					t.Errorf("%s = %#v, want the number %s\n%s", p, got, want, outs[0].Record.JSON)
				}
			}
		})
	}
}
