//go:build !race

package mapper

import "testing"

// TestMapAllocs: mapping an event allocates only what the caller keeps, the record's JSON
// and its id, two allocations a record: the event, the view and the scratch space stay on
// the stack or in the Mapper (a change that moves the event to the heap costs a kilobyte
// an event).
func TestMapAllocs(t *testing.T) {
	acct, err := NewAccount(defaultSettings)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"contact":      identify(`"firstName":"Ada","phone":"+447911123456","plan":"gold"`, `"context":{"timezone":"Europe/London"}`),
		"order":        order(`"products":[{"product_id":"p1","quantity":2,"price":5},{"product_id":"p2","quantity":1,"price":3}]`),
		"custom event": track("Product Viewed", `"sku":"s1","price":3`),
		"product":      track("Product Updated", `"product_id":"p1","name":"Scarf","price":3,"brand":"Acme","listings":[{"store":"uk","price":4}],"stock":2`),
	} {
		var m Mapper
		raw := []byte(in)
		m.Map(raw, acct) // grows the Mapper's buffers
		if n := testing.AllocsPerRun(100, func() { m.Map(raw, acct) }); n > 2 {
			t.Errorf("%s: %v allocations an event, want at most 2", name, n)
		}
	}
}
