package mapper

import (
	"bytes"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Products derived from orders and product views, for an account with DeriveProducts: a
// shop without a catalogue feed still gets its products into Ometria from what its events
// carry. A line item of an order (not a cancellation), or the properties of a product
// viewed event, with a product_id and a name give the product record
//
//	{"@type": "product", "id": product_id, "title": name, "sku", "price" (price, else
//	 unit_price), "currency" (the order's, or the event's), "url", "image_url", "@merge": true}
//
// at most once per product every DeriveProductsInterval: the account remembers when it
// last derived each product. "@merge": the record updates what it carries and leaves the
// rest of a product Ometria has (from a feed, or another derivation) alone. Field mappings
// do not apply to derived products.

// productMemorySize bounds each Account's memory of derived products: the products most
// recently derived; one forgotten sooner than its interval may be derived again. An entry
// takes about 155 bytes (a product id of 20 bytes, measured), 2.5 MB for a full memory.
const productMemorySize = 16384

// productMemory is when an account last derived each product, shared by every Mapper
// and goroutine that maps the account. A mutex rather than lru.Cache's own: "was it
// derived lately, else it is now" must be one step, or two goroutines could both derive.
type productMemory struct {
	mu       sync.Mutex
	last     *simplelru.LRU[string, int64] // product id -> Unix nanoseconds
	interval int64
	now      func() time.Time
}

func newProductMemory(interval time.Duration, now func() time.Time) *productMemory {
	last, err := simplelru.NewLRU[string, int64](productMemorySize, nil)
	if err != nil { // only for a size below 1
		panic(err)
	}
	if now == nil {
		now = time.Now
	}
	return &productMemory{last: last, interval: int64(interval), now: now}
}

// due reports whether product id may be derived at now (Unix nanoseconds): never derived,
// or not within the interval. When it may, now is remembered.
func (p *productMemory) due(id []byte, now int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.last.Get(string(id)); ok && now-t < p.interval && now >= t {
		return false
	}
	p.last.Add(string(id), now)
	return true
}

// deriveProducts adds an outcome for each product the event's record (already mapped)
// lets the account derive: from the line items of an order, or the properties of a
// product viewed event.
func (m *Mapper) deriveProducts(index int, ev *event, acct *Account, fromOrder bool) {
	now := acct.derived.now().UnixNano()
	cur, curOK := currencyOf(ev.propsO.get(kCurrency))
	var currency []byte
	if curOK {
		currency = cur[:]
	}
	if !fromOrder {
		m.deriveProduct(index, ev, acct, &ev.propsO, currency, now)
		return
	}
	item := &m.item
	for _, ln := range ev.lines {
		if ln.val.kind == '{' {
			item.index(ln.ms)
			m.deriveProduct(index, ev, acct, item, currency, now)
		}
	}
}

// deriveProduct adds the product that o (a line item, or a product view's properties)
// describes, when it has a product id and a name and the product is due.
func (m *Mapper) deriveProduct(index int, ev *event, acct *Account, o *object, currency []byte, now int64) {
	id, ok := idText(o.get(kProductId))
	if !ok || len(id) == 0 || hasSpace(id) || acct.piiCheck && (looksLikeEmail(id) || looksLikePhone(id)) {
		return
	}
	name := o.get(kName)
	if !(name.kind == '"' && len(bytes.TrimSpace(name.contents())) > 0 || name.kind == '0') {
		return
	}
	if !acct.derived.due(id, now) {
		return
	}
	w := &m.w
	w.reset()
	w.open()
	w.key("@type")
	w.str(TypeProduct)
	w.key("id")
	w.strBytes(id)
	str := func(key string, x value) {
		switch x.kind {
		case '"':
			if len(x.raw) > 2 {
				w.key(key)
				w.raw(x)
			}
		case '0':
			w.key(key)
			w.strBytes(x.raw)
		}
	}
	str("title", name)
	str("sku", o.get(kSku))
	price := o.get(kPrice)
	if !price.present() {
		price = o.get(kUnitPrice)
	}
	if n, ok := number(price); ok && !negative(n) {
		w.key("price")
		w.rawNumber(n)
		if currency != nil {
			w.key("currency")
			w.strBytes(currency)
		}
	}
	if x := o.get(kUrl); x.kind == '"' {
		str("url", x)
	}
	if x := o.get(kImageUrl); x.kind == '"' {
		str("image_url", x)
	}
	w.key("@merge")
	w.boolean(true)
	w.close()
	if rec := m.record(acct, TypeProduct, id); len(rec.JSON) <= MaxRecordSize {
		m.add(Outcome{Kind: Mapped, Index: index, Event: ev.raw, Record: rec})
	}
}
