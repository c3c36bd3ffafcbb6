package mapper

import (
	"strings"
	"testing"
	"time"
)

// product builds a "Product Updated" track event with properties props (a product_id is
// added unless props has one).
func product(props string, top ...string) string {
	if !strings.Contains(props, `"product_id"`) {
		props = strings.TrimPrefix(props+`,"product_id":"p-1"`, ",")
	}
	return track("Product Updated", props, top...)
}

func TestProduct(t *testing.T) { runCases(t, productCases) }

// productCases are the product table tests; TestEmulatorAcceptsProducts pushes their records.
var productCases = []mcase{
	{name: "complete", in: product(`"sku":"SKU-1","name":"Red Scarf","price":19.5,"currency":"gbp","url":"https://shop.example.com/p/1","image_url":"https://cdn.example.com/1.jpg"`),
		typ: TypeProduct, want: map[string]any{
			"@type": "product", "id": "p-1", "title": "Red Scarf", "sku": "SKU-1", "price": 19.5, "currency": "GBP",
			"url": "https://shop.example.com/p/1", "image_url": "https://cdn.example.com/1.jpg", "@merge": absent, "properties": absent,
		}},
	// which events are products
	{name: "product created", in: track("product created", `"product_id":"p","name":"A","price":1`), typ: TypeProduct},
	{name: "name matched trimmed, any case", in: track(" PRODUCT UPDATED ", `"product_id":"p","name":"A","price":1`), typ: TypeProduct},
	{name: "product deleted deactivates", in: track("Product Deleted", `"product_id":"p-9","name":"gone","price":3`),
		want: map[string]any{"id": "p-9", "is_active": false, "@merge": true, "title": absent, "price": absent}},
	{name: "product deleted needs an id", in: track("Product Deleted", `"sku":"x"`), reason: ReasonMissingProductID},
	{name: "product viewed is a custom event", in: track("Product Viewed", `"product_id":"p","name":"A","price":1`), typ: TypeCustomEvent},
	// id
	{name: "missing product id", in: track("Product Updated", `"name":"A"`), reason: ReasonMissingProductID, field: "properties.product_id"},
	{name: "id when there is no product_id", in: track("Product Updated", `"id":"p-2","name":"A","price":1`), want: map[string]any{"id": "p-2", "properties": absent}},
	{name: "product_id wins over id", in: product(`"id":"x","name":"A"`), want: map[string]any{"id": "p-1"}},
	{name: "numeric product id", in: product(`"product_id":4.2e1`), want: map[string]any{"id": "42"}},
	{name: "product id with a space", in: product(`"product_id":"p 1"`), reason: ReasonInvalidID, field: "properties.product_id"},
	{name: "product id is an email", in: product(`"product_id":"a@b.co"`), reason: ReasonPIIInID},
	// partial products merge
	{name: "stock only", in: product(`"stock":0`), want: map[string]any{"id": "p-1", "is_in_stock": false, "@merge": true, "properties": absent}},
	{name: "stock level", in: product(`"stock":"12"`), want: map[string]any{"is_in_stock": true, "@merge": true}},
	{name: "in stock boolean", in: product(`"is_in_stock":true,"stock":0`), want: map[string]any{"is_in_stock": true}},
	{name: "in_stock spelling", in: product(`"in_stock":false`), want: map[string]any{"is_in_stock": false}},
	{name: "price only", in: product(`"price":"12.50","currency":"EUR"`), want: map[string]any{"price": 12.5, "currency": "EUR", "@merge": true}},
	{name: "sale price only", in: product(`"sale_price":9,"sale_price_from":"2024-06-01T00:00:00Z","sale_price_to":"2024-06-30T23:59:59+02:00"`),
		want: map[string]any{"special_price": 9.0, "special_price_dt_from": "2024-06-01T00:00:00Z", "special_price_dt_to": "2024-06-30T23:59:59+02:00", "@merge": true}},
	{name: "special_price spelling wins", in: product(`"special_price":8,"sale_price":9,"special_price_dt_from":"2024-06-01T00:00:00Z"`),
		want: map[string]any{"special_price": 8.0, "special_price_dt_from": "2024-06-01T00:00:00Z"}},
	{name: "title without price merges", in: product(`"name":"A","stock":3`), want: map[string]any{"title": "A", "@merge": true}},
	{name: "title from title", in: product(`"title":"B","price":2`), want: map[string]any{"title": "B", "@merge": absent}},
	{name: "name wins over title", in: product(`"name":"A","title":"B","price":2`), want: map[string]any{"title": "A"}},
	// prices and currencies
	{name: "price not a number", in: product(`"price":"cheap"`), reason: ReasonInvalidPrice, field: "properties.price"},
	{name: "price 1e400", in: product(`"price":1e400`), reason: ReasonInvalidPrice, field: "properties.price"},
	{name: "negative price", in: product(`"price":-1`), reason: ReasonInvalidPrice},
	{name: "price of zero", in: product(`"name":"Free","price":-0.0`), want: map[string]any{"price": 0.0, "@merge": absent}},
	{name: "bad sale price", in: product(`"sale_price":true`), reason: ReasonInvalidPrice, field: "properties.sale_price"},
	{name: "bad currency", in: product(`"price":1,"currency":"pounds"`), reason: ReasonInvalidCurrency, field: "properties.currency"},
	{name: "withdrawn currency", in: product(`"price":1,"currency":"HRK"`), reason: ReasonInvalidCurrency},
	{name: "bad sale dates left out", in: product(`"sale_price":1,"sale_price_from":"June"`), want: map[string]any{"special_price_dt_from": absent}, warn: []string{"invalid_timestamp: properties.sale_price_from"}},
	// variants
	{name: "a child of another product is a variant", in: product(`"parent_id":"p-0","name":"A M","price":1`), want: map[string]any{"parent_id": "p-0", "is_variant": true}},
	{name: "its own parent is not a variant", in: product(`"parent_id":"p-1"`), want: map[string]any{"parent_id": "p-1", "is_variant": absent}},
	{name: "is_variant wins", in: product(`"parent_id":"p-0","is_variant":false`), want: map[string]any{"is_variant": false}},
	{name: "a boolean variant is is_variant", in: product(`"variant":true`), want: map[string]any{"is_variant": true, "attributes": absent}},
	{name: "numeric parent id", in: product(`"parent_id":100.0`), want: map[string]any{"parent_id": "100"}},
	{name: "bad parent id", in: product(`"parent_id":"p 0"`), want: map[string]any{"parent_id": absent, "is_variant": absent}, warn: []string{"invalid_value: properties.parent_id"}},
	// attributes
	{name: "brand, category, variant", in: product(`"brand":"Acme","category":"Scarves/Wool","variant":"Red"`), want: map[string]any{
		"attributes": js(`[{"id":"Acme","type":"brand","label":"Acme"},{"id":"Scarves/Wool","type":"category","label":"Scarves/Wool"},{"id":"Red","type":"variant","label":"Red"}]`), "properties": absent}},
	{name: "attributes given", in: product(`"attributes":[{"id":49,"type":"colour","label":"Red"},{"id":"x","type":"size"},"y"],"brand":7`), want: map[string]any{
		"attributes": js(`[{"id":"49","type":"colour","label":"Red"},{"id":"7","type":"brand","label":"7"}]`)},
		warn: []string{"attribute_dropped: properties.attributes[1]", "attribute_dropped: properties.attributes[2]"}},
	{name: "attributes not an array", in: product(`"attributes":{"a":1},"category":["x"]`), want: map[string]any{"attributes": absent},
		warn: []string{"invalid_value: properties.attributes", "invalid_value: properties.category"}},
	// stores and listings
	{name: "stores", in: product(`"stores":["uk",2]`), want: map[string]any{"stores": js(`["uk","2"]`)}},
	{name: "store", in: product(`"store":"example.com/uk"`), want: map[string]any{"stores": js(`["example.com/uk"]`)}},
	{name: "listings", in: product(`"listings":[{"store":"uk","title":"Scarf","price":"10","currency":"gbp","is_active":true,"sale_price":8,"url":"u","image_url":"i","x":1},{"store":2,"name":"Schal","price":-1,"currency":"XX"},{"title":"no store"},"x"]`), want: map[string]any{
		"listings": js(`[{"store":"uk","title":"Scarf","price":10,"currency":"GBP","is_active":true,"special_price":8,"url":"u","image_url":"i"},{"store":"2","title":"Schal"}]`)},
		warn: []string{"invalid_value: properties.listings[1].price", "invalid_value: properties.listings[1].currency", "listing_dropped: properties.listings[2]", "listing_dropped: properties.listings[3]"}},
	{name: "every listing dropped", in: product(`"listings":[{"title":"no store"}]`), want: map[string]any{"listings": absent}, warn: []string{"listing_dropped: properties.listings[0]"}},
	{name: "no listings", in: product(`"listings":[]`), want: map[string]any{"listings": js(`[]`)}},
	// flags and the rest
	{name: "is_active", in: product(`"is_active":false`), want: map[string]any{"is_active": false}},
	{name: "bad is_active", in: product(`"is_active":"no"`), want: map[string]any{"is_active": absent}, warn: []string{"invalid_value: properties.is_active"}},
	{name: "bad stock", in: product(`"stock":"lots"`), want: map[string]any{"is_in_stock": absent}, warn: []string{"invalid_value: properties.stock"}},
	{name: "unread properties", in: product(`"name":"A","price":1,"position":3,"coupon":"X","nothing":null`), want: map[string]any{"properties": js(`{"position":3,"coupon":"X"}`)}},
	{name: "custom_fields", in: product(`"custom_fields":{"material":"wool"},"position":3`), want: map[string]any{"properties": js(`{"material":"wool"}`)}},
	{name: "a repeated key", in: product(`"price":1,"price":2`), reason: ReasonDuplicateKey, field: "properties.price"},
	{name: "a repeated key of a listing", in: product(`"listings":[{"store":"uk","price":1,"price":2}]`), reason: ReasonDuplicateKey, field: "properties.listings[0].price"},
	{name: "a repeated key of an attribute", in: product(`"attributes":[{"id":"1","id":"2","type":"t","label":"l"}]`), reason: ReasonDuplicateKey, field: "properties.attributes[0].id"},
}

func TestProductEvents(t *testing.T) {
	s := Settings{Name: "acme", ProductEvents: []string{" Catalog Item Changed ", "product viewed"}, SkipEvents: []string{"product created"},
		OrderEvents: map[string]string{"product updated": "complete"}}
	runCases(t, []mcase{
		{name: "an account's product event", s: &s, in: track("catalog item changed", `"product_id":"p","name":"A","price":1`), typ: TypeProduct},
		{name: "product viewed named by the account is a product", s: &s, in: track("Product Viewed", `"product_id":"p","name":"A","price":1`), typ: TypeProduct},
		{name: "skip_events win", s: &s, in: track("Product Created", `"product_id":"p"`), skip: SkipFilteredEvent},
		{name: "order events win", s: &s, in: track("Product Updated", `"order_id":"o","grand_total":1,"currency":"GBP"`), typ: TypeOrder},
		{name: "built-in product events stay", s: &s, in: track("Product Deleted", `"product_id":"p"`), typ: TypeProduct},
	})
}

func TestProductFieldMappings(t *testing.T) {
	s := Settings{Name: "acme", ProductEvents: []string{"catalog sync"}, FieldMappings: []FieldMapping{
		{From: "properties.item.code", To: "id", Record: TypeProduct},
		{From: "properties.item.label", To: "title", Record: TypeProduct},
		{From: "properties.item.pricing.amount", To: "price", Record: TypeProduct},
		{From: "properties.item.pricing.ccy", To: "currency", Record: TypeProduct},
		{From: "properties.item.inventory", To: "is_in_stock", Record: TypeProduct},
		{From: "properties.item.shops", To: "stores", Record: TypeProduct},
		{From: "properties.item.season", To: "season", Record: TypeProduct},
		{From: "properties.partial", To: "@merge", Record: TypeProduct},
	}}
	feed := func(item string, more ...string) string {
		return track("Catalog Sync", strings.Join(append([]string{`"item":{` + item + `}`}, more...), ","))
	}
	runCases(t, []mcase{
		{name: "a feed of another shape", s: &s, in: feed(`"code":"A-1","label":"Anorak","pricing":{"amount":"99.00","ccy":"eur"},"inventory":4,"shops":["de"],"season":"AW24"`),
			typ: TypeProduct, want: map[string]any{"id": "A-1", "title": "Anorak", "price": 99.0, "currency": "EUR", "is_in_stock": true, "stores": js(`["de"]`),
				"properties": js(`{"season":"AW24"}`), "@merge": absent}},
		{name: "a mapped currency is checked", s: &s, in: feed(`"code":"A-1","pricing":{"ccy":"euro"}`), reason: ReasonInvalidCurrency, field: "properties.item.pricing.ccy"},
		{name: "a mapped price is checked", s: &s, in: feed(`"code":"A-1","pricing":{"amount":"free"}`), reason: ReasonInvalidPrice, field: "properties.item.pricing.amount"},
		{name: "a mapped @merge wins", s: &s, in: feed(`"code":"A-1","label":"Anorak","pricing":{"amount":1}`, `"partial":true`), want: map[string]any{"@merge": true}},
		{name: "without the mapped id, the table's", s: &s, in: feed(`"label":"Anorak"`, `"product_id":"p-7"`), want: map[string]any{"id": "p-7"}},
		{name: "a repeated key on a mapping's path", s: &s, in: feed(`"code":"A-1","code":"A-2"`), reason: ReasonDuplicateKey, field: "properties.item.code"},
	})
}

// clock is a settable clock for DeriveProducts.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestDeriveProducts(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	acct, err := NewAccount(Settings{Name: "acme", DeriveProducts: true, DeriveProductsInterval: time.Hour, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	var m Mapper
	mapped := func(in string) []string {
		t.Helper()
		var out []string
		for _, o := range m.Map([]byte(in), acct) {
			if o.Kind != Mapped {
				t.Fatalf("got %v %v, want records", o.Kind, o.Err)
			}
			if o.Index != 0 || string(o.Event) != in {
				t.Errorf("outcome of index %d, event %q", o.Index, o.Event)
			}
			out = append(out, string(o.Record.JSON))
		}
		return out
	}
	ord := order(`"currency":"eur","products":[{"product_id":"p1","sku":"S1","name":"Scarf","quantity":2,"price":10,"url":"https://x/p1","image_url":"https://x/p1.jpg","colour":"red"},` +
		`{"product_id":"p2","quantity":1,"unit_price":"5"},{"product_id":"p3","name":"Hat","quantity":0,"unit_price":"5.5"},{"product_id":"p1","name":"Scarf","quantity":1,"price":10},"x",` +
		`{"product_id":"a@b.co","name":"PII","quantity":1,"price":1}]`)
	got := mapped(ord)
	want := []string{
		`{"@type":"product","id":"p1","title":"Scarf","sku":"S1","price":10,"currency":"EUR","url":"https://x/p1","image_url":"https://x/p1.jpg","@merge":true}`,
		`{"@type":"product","id":"p3","title":"Hat","price":5.5,"currency":"EUR","@merge":true}`,
	}
	if len(got) != 3 || got[1] != want[0] || got[2] != want[1] {
		t.Fatalf("an order gave\n%s\nwant the order, then\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Within the interval, the same products are not derived again; a product view of a new one is.
	view := track("Product Viewed", `"product_id":"p4","name":"Gloves","price":7,"currency":"USD","sku":"G"`)
	if got := mapped(ord); len(got) != 1 {
		t.Errorf("the same order again gave %d records, want the order alone", len(got))
	}
	if got := mapped(view); len(got) != 2 || got[1] != `{"@type":"product","id":"p4","title":"Gloves","sku":"G","price":7,"currency":"USD","@merge":true}` {
		t.Errorf("a product view gave %q", got)
	}
	c.t = c.t.Add(59 * time.Minute)
	if got := mapped(view); len(got) != 1 {
		t.Errorf("a view 59 minutes later gave %d records", len(got))
	}
	c.t = c.t.Add(time.Minute)
	if got := mapped(view); len(got) != 2 {
		t.Errorf("a view an interval later gave %d records, want the product again", len(got))
	}
	// A cancellation derives nothing; a view without a name neither; nor an event that dead-letters.
	for _, in := range []string{
		track("Order Cancelled", `"order_id":"o-1","products":[{"product_id":"p9","name":"N","quantity":1,"price":1}]`),
		track("Product Viewed", `"product_id":"p8","price":7`),
		track("Product Viewed", `"product_id":"p7","name":"N"`, `"context":{}`),
	} {
		for _, o := range m.Map([]byte(in), acct) {
			if o.Record.Type == TypeProduct {
				t.Errorf("%s derived %s", in, o.Record.JSON)
			}
		}
	}
	// Without the setting, nothing is derived.
	plain, _ := NewAccount(defaultSettings)
	if outs := m.Map([]byte(ord), plain); len(outs) != 1 {
		t.Errorf("an account that does not derive got %d outcomes", len(outs))
	}
}

// TestDeriveProductsConcurrent: goroutines mapping one account derive each product once.
func TestDeriveProductsConcurrent(t *testing.T) {
	acct, err := NewAccount(Settings{Name: "acme", DeriveProducts: true})
	if err != nil {
		t.Fatal(err)
	}
	in := []byte(track("Product Viewed", `"product_id":"p1","name":"Scarf"`))
	const goroutines = 8
	counts := make(chan int, goroutines)
	for range goroutines {
		go func() {
			var m Mapper
			n := 0
			for range 200 {
				n += len(m.Map(in, acct)) - 1
			}
			counts <- n
		}()
	}
	total := 0
	for range goroutines {
		total += <-counts
	}
	if total != 1 {
		t.Errorf("%d products derived, want 1", total)
	}
}

// TestProductMemoryBounded: the memory keeps the productMemorySize most recent products.
func TestProductMemoryBounded(t *testing.T) {
	p := newProductMemory(time.Hour, nil)
	for i := range productMemorySize + 10 {
		if !p.due([]byte(itoa(i)), 1) {
			t.Fatalf("product %d not due", i)
		}
	}
	if p.last.Len() != productMemorySize {
		t.Errorf("%d products remembered, want %d", p.last.Len(), productMemorySize)
	}
	if !p.due([]byte("0"), 2) || p.due([]byte(itoa(productMemorySize+9)), 2) {
		t.Error("the oldest product is not forgotten first")
	}
}
