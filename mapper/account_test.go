package mapper

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewAccountValidation(t *testing.T) {
	_, err := NewAccount(Settings{
		MarketingOptin: "YES",
		PhoneRegion:    "XX",
		Collection:     "a b",
		OrderEvents:    map[string]string{"": "x", "Refund": " ", "Order Held": "held", "order held ": "pending", "ORDER HELD": "held"},
		SkipEvents:     []string{"ok", " "},
		ProductEvents:  []string{"catalog item changed", "", " Order Completed "},
		DeriveProducts: true, DeriveProductsInterval: -time.Second,
		FieldMappings: []FieldMapping{
			{From: "traits.a", To: "a", Record: "profile"},
			{From: "", To: "a"},
			{From: "traits..a", To: "a"},
			{From: "traits.a", To: ""},
			{From: "traits.a", To: "@type"},
			{From: "traits.a", To: "channels.sms.allow_marketing"},
			{From: "traits.a", To: "properties."},
		},
	})
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		"name: required",
		`marketing_optin: "YES" is not one of`,
		`phone_region: "XX" is not a region`,
		`collection: "a b" contains whitespace`,
		"order_events: an empty event name",
		`order_events.Refund: " " is not an order status`,
		// Sorted, "ORDER HELD" comes first; "Order Held" agrees with it, "order held " does not.
		`order_events.order held : "order held " is the same event as "ORDER HELD" (names are matched ignoring case and outer spaces), with another status`,
		"product_events[1]: an empty event name",
		`product_events[2]: " Order Completed " is an order event`,
		"skip_events[1]: an empty event name",
		"derive_products_interval: must not be negative, got -1s",
		`field_mappings[0].record: "profile" is not contact, order, custom_event or product`,
		"field_mappings[1].from: required",
		"field_mappings[2].from: \"traits..a\" has an empty path segment",
		"field_mappings[3].to: required",
		`field_mappings[4].to: "@type" cannot be mapped`,
		`field_mappings[5].to: "channels.sms.allow_marketing" is not a field`,
		`field_mappings[6].to: "properties." names no property`,
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if n := len(strings.Split(err.Error(), "\n")); n != len(want) {
		t.Errorf("%d problems, want %d:\n%v", n, len(want), err)
	}
	var se *SettingError
	if !errors.As(err, &se) {
		t.Errorf("errors are not *SettingError")
	}
}

func TestNewAccountDefaults(t *testing.T) {
	a, err := NewAccount(Settings{Name: "acme", PhoneRegion: "gb", MarketingOptin: "explicitly_optedin"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name() != "acme" || a.phoneRegion != "GB" || a.optin != OptedIn || !a.piiCheck || a.tracks["order completed"] != (trackRule{kind: trackOrder, status: "complete"}) {
		t.Fatalf("unexpected account %+v", a)
	}
	if !IsBuiltinField(TypeContact, "phone_number") || IsBuiltinField(TypeContact, "loyalty") || IsBuiltinField("profile", "id") || !IsBuiltinField(TypeProduct, "@merge") {
		t.Fatal("IsBuiltinField")
	}
}

func TestReasonsKnown(t *testing.T) {
	seen := map[Reason]bool{}
	for _, r := range Reasons() {
		if !r.Known() || seen[r] {
			t.Errorf("reason %q unknown or repeated", r)
		}
		seen[r] = true
	}
	if Reason("nope").Known() {
		t.Error("unknown reason reported known")
	}
}
