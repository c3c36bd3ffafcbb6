package mapper

import (
	"strings"
	"testing"
)

// TestContactDecisions: a birthday written as a date-time without an offset has a known
// date; a numeric user id is written as the whole number it is.
func TestContactDecisions(t *testing.T) {
	runCases(t, []mcase{
		{name: "birthday date-time without offset", in: identify(`"birthday":"1990-02-28T00:00:00"`), want: map[string]any{"date_of_birth": "1990-02-28"}},
		{name: "birthday date-time with fraction, no offset", in: identify(`"birthday":"1990-02-28T13:45:10.250"`), want: map[string]any{"date_of_birth": "1990-02-28"}},
		{name: "birthday date-time with offset keeps its date", in: identify(`"birthday":"1990-02-28T23:30:00-05:00"`), want: map[string]any{"date_of_birth": "1990-02-28"}},
		{name: "birthday with an impossible time", in: identify(`"birthday":"1990-02-28T25:00:00"`), want: map[string]any{"date_of_birth": absent}, warn: []string{"invalid_date: traits.birthday"}},
		{name: "user id 1.5e3", in: identify(``, `"userId":1.5e3`), want: map[string]any{"customer_id": "1500"}},
		{name: "user id 1500.0", in: identify(``, `"userId":1500.0`), want: map[string]any{"customer_id": "1500"}},
		{name: "user id 1E3", in: identify(``, `"userId":1E3`), want: map[string]any{"customer_id": "1000"}},
		{name: "user id 0.5e1", in: identify(``, `"userId":0.5e1`), want: map[string]any{"customer_id": "5"}},
		{name: "user id -0", in: identify(``, `"userId":-0.0`), want: map[string]any{"customer_id": "0"}},
		{name: "long user id kept exactly", in: identify(``, `"userId":12345678901234567890123`), want: map[string]any{"customer_id": "12345678901234567890123"}},
		{name: "user id 1.5 is not whole", in: identify(``, `"userId":1.5`), reason: ReasonInvalidID, field: "userId"},
		{name: "user id 15e-1 is not whole", in: identify(``, `"userId":15e-1`), reason: ReasonInvalidID, field: "userId"},
		{name: "user id 1e400", in: identify(``, `"userId":1e400`), reason: ReasonInvalidID, field: "userId"},
		{name: "string user id kept as written", in: identify(``, `"userId":"1.5e3"`), want: map[string]any{"customer_id": "1.5e3"}},
		{name: "listing id 42.0", in: identify(`"listingId":42.0`), want: map[string]any{"id": "42"}},
	})
}

// TestCustomEventContentID: a custom event with neither properties.event_id nor a
// messageId gets an id made from its bytes, so that the same event always gets the same id.
func TestCustomEventContentID(t *testing.T) {
	acct, _ := NewAccount(defaultSettings)
	var m Mapper
	in := track("Wishlist Product Added", `"sku":"s1"`, `"messageId":null`)
	first := m.Map([]byte(in), acct)
	if len(first) != 1 || first[0].Kind != Mapped {
		t.Fatalf("got %+v, want a custom event", first)
	}
	id := first[0].Record.ID
	if !strings.HasPrefix(id, "ev_") || len(id) != len("ev_")+32 || hasSpace([]byte(id)) {
		t.Fatalf("id = %q, want ev_ and 32 hex digits", id)
	}
	if again := m.Map([]byte(in), acct); again[0].Record.ID != id {
		t.Errorf("the same event got ids %q and %q", id, again[0].Record.ID)
	}
	other := track("Wishlist Product Added", `"sku":"s2"`, `"messageId":null`)
	if o := m.Map([]byte(other), acct); o[0].Record.ID == id {
		t.Errorf("two different events got the same id %q", id)
	}
	// In a batch, the id is made from the element's own bytes.
	if b := m.Map([]byte(`{"batch":[`+in+`]}`), acct); b[0].Record.ID != id {
		t.Errorf("in a batch the event got id %q, alone %q", b[0].Record.ID, id)
	}
	// An empty messageId and event_id count as absent.
	if o := m.Map([]byte(track("x", `"event_id":""`, `"messageId":""`)), acct); o[0].Kind != Mapped || !strings.HasPrefix(o[0].Record.ID, "ev_") {
		t.Errorf("got %v %v %q, want a content id", o[0].Kind, o[0].Err, o[0].Record.ID)
	}
}
