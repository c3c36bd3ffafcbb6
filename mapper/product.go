package mapper

import "bytes"

// productProps are the properties a product event reads; the others go into properties
// when custom_fields is absent.
var productProps = consumes(setOf("product_id", "id", "sku", "name", "title", "price", "currency",
	"special_price", "sale_price", "special_price_dt_from", "special_price_dt_to", "sale_price_from",
	"sale_price_to", "url", "image_url", "is_variant", "variant", "parent_id", "is_active",
	"is_in_stock", "in_stock", "stock", "attributes", "brand", "category", "stores", "store",
	"listings", "custom_fields"))

// product maps a product event to a product record. A product with a title and a price is
// complete; any other is pushed with "@merge": true, so that Ometria merges what it
// carries (a stock or price change, typically) into the product it has, without blanking
// the rest. deleted makes the partial {id, is_active: false, "@merge": true}.
func (m *Mapper) product(ev *event, acct *Account, deleted bool) (Record, *Error) {
	v, w, err := m.begin(ev, acct, recProduct, TypeProduct)
	if err != nil {
		return Record{}, err
	}
	id, err := v.id(v.pick("id", or(v.prop(kProductId), v.prop(kId))), ReasonMissingProductID, "properties.product_id", "the product id")
	if err != nil {
		return Record{}, err
	}
	w.key("id")
	w.strBytes(id)
	if deleted {
		w.key("is_active")
		w.boolean(false)
		w.key("@merge")
		w.boolean(true)
		w.close()
		return m.record(acct, TypeProduct, id), nil
	}

	mark := len(w.b)
	v.optString("title", v.pick("title", or(v.prop(kName), v.prop(kTitle))))
	hasTitle := len(w.b) > mark
	v.optString("sku", v.pick("sku", v.prop(kSku)))
	hasPrice, err := v.price("price", v.pick("price", v.prop(kPrice)))
	if err != nil {
		return Record{}, err
	}
	if cur := v.pick("currency", v.prop(kCurrency)); cur.present() {
		c, ok := currencyOf(cur.v)
		if !ok {
			return Record{}, fail(ReasonInvalidCurrency, cur.field(), "%.64s is not a current ISO 4217 currency code", cur.v.raw)
		}
		w.key("currency")
		w.strBytes(c[:])
	}
	if _, err := v.price("special_price", v.pick("special_price", or(v.prop(kSpecialPrice), v.prop(kSalePrice)))); err != nil {
		return Record{}, err
	}
	v.optTimestamp("special_price_dt_from", v.pick("special_price_dt_from", or(v.prop(kSpecialPriceDtFrom), v.prop(kSalePriceFrom))))
	v.optTimestamp("special_price_dt_to", v.pick("special_price_dt_to", or(v.prop(kSpecialPriceDtTo), v.prop(kSalePriceTo))))
	v.optString("url", v.pick("url", v.prop(kUrl)))
	v.optString("image_url", v.pick("image_url", v.prop(kImageUrl)))

	parent := v.pick("parent_id", v.prop(kParentId))
	parentID := v.parentID(parent)
	variant := v.prop(kVariant)
	switch iv := v.pick("is_variant", v.prop(kIsVariant)); {
	case iv.present():
		v.optBool("is_variant", iv)
	case variant.v.kind == 't' || variant.v.kind == 'f':
		v.optBool("is_variant", variant)
	case parentID != nil && !bytes.Equal(parentID, id):
		w.key("is_variant") // a child of another product: Ometria's variant
		w.boolean(true)
	}
	v.optBool("is_active", v.pick("is_active", v.prop(kIsActive)))
	v.inStock(v.pick("is_in_stock", or(v.prop(kIsInStock), v.prop(kInStock), v.prop(kStock))))
	if err := v.attributes(v.pick("attributes", v.prop(kAttributes)), variant); err != nil {
		return Record{}, err
	}
	v.optStringArray("stores", v.pick("stores", or(v.prop(kStores), v.prop(kStore))))
	if err := v.listings(v.pick("listings", v.prop(kListings))); err != nil {
		return Record{}, err
	}
	v.recordProperties(&productProps)

	if f, ok := v.mapped("@merge"); ok && (f.v.kind == 't' || f.v.kind == 'f') {
		w.key("@merge")
		w.raw(f.v)
	} else if !hasTitle || !hasPrice {
		w.key("@merge")
		w.boolean(true)
	}
	w.close()
	return m.record(acct, TypeProduct, id), nil
}

// price writes a price: a number (or a string holding one) of at least 0. Anything else
// given is invalid_price: a wrong price is worse than none.
func (v *view) price(key string, f found) (bool, *Error) {
	if !f.present() {
		return false, nil
	}
	n, ok := number(f.v)
	switch {
	case !ok && f.v.kind == '0':
		return false, fail(ReasonInvalidPrice, f.field(), "%.64s is outside the range of a number (a double)", f.v.raw)
	case !ok:
		return false, fail(ReasonInvalidPrice, f.field(), "must be a number, got a %s", kindName(f.v.kind))
	case negative(n):
		return false, fail(ReasonInvalidPrice, f.field(), "must not be negative, got %.64s", n)
	}
	v.m.w.key(key)
	v.m.w.rawNumber(n)
	return true, nil
}

// negative reports whether the number text n is below zero.
func negative(n []byte) bool { return len(n) > 1 && n[0] == '-' && positive(n[1:]) }

// currencyOf reads a currency code: a string, trimmed, in any case, of a current ISO 4217 currency.
func currencyOf(x value) ([3]byte, bool) {
	code, _ := x.text()
	code = bytes.TrimSpace(code)
	if x.kind != '"' || len(code) != 3 {
		return [3]byte{}, false
	}
	c := [3]byte{upper(code[0]), upper(code[1]), upper(code[2])}
	return c, isCurrency(c[:])
}

// parentID writes parent_id, an id (a string without whitespace, or a whole number), and
// returns it; anything else is left out with a warning.
func (v *view) parentID(f found) []byte {
	if !f.present() {
		return nil
	}
	if b, ok := idText(f.v); ok && (f.v.kind == '"' || f.v.kind == '0') && len(b) > 0 && !hasSpace(b) {
		v.m.w.key("parent_id")
		v.m.w.strBytes(b)
		return b
	}
	v.m.warn(WarnInvalidValue, f.field())
	return nil
}

// inStock writes is_in_stock from a boolean, or from a stock level: a number above zero.
func (v *view) inStock(f found) {
	if !f.present() {
		return
	}
	w := &v.m.w
	switch {
	case f.v.kind == 't' || f.v.kind == 'f':
		w.key("is_in_stock")
		w.raw(f.v)
		return
	default:
		if n, ok := number(f.v); ok {
			w.key("is_in_stock")
			w.boolean(positive(n))
			return
		}
	}
	v.m.warn(WarnInvalidValue, f.field())
}

// attributes writes attributes: those of properties.attributes that have all of id, type
// and label, then one for each of brand, category and variant (a string), whose id and
// label are the value: {"type": "brand", "id": "Acme", "label": "Acme"}.
func (v *view) attributes(f found, variant found) *Error {
	w := &v.m.w
	mark := len(w.b)
	w.key("attributes")
	w.openArray()
	switch {
	case !f.present():
	case f.v.kind != '[':
		v.m.warn(WarnInvalidValue, f.field())
	default:
		opt := &v.m.option
		elems := elementsOf(f.v.raw)
		for i := 0; ; i++ {
			o, more := elems.next(opt, &v.m.a.members)
			if !more {
				break
			}
			if k, dup := opt.firstDup(&tripleKeys); o.kind == '{' && dup {
				return duplicate(elementField(f, i) + "." + slotNames[k])
			}
			parts, ok := tripleParts(o, opt)
			if !ok {
				v.m.warn(WarnAttributeDropped, elementField(f, i))
				continue
			}
			writeTriple(w, parts)
		}
	}
	for _, a := range [...]struct {
		typ string
		f   found
	}{{"brand", v.prop(kBrand)}, {"category", v.prop(kCategory)}, {"variant", variant}} {
		x := a.f.v
		if !a.f.present() || (a.typ == "variant" && (x.kind == 't' || x.kind == 'f')) {
			continue
		}
		if x.kind != '"' && x.kind != '0' {
			v.m.warn(WarnInvalidValue, a.f.field())
			continue
		}
		w.open()
		w.key("id")
		v.stringOf(x)
		w.key("type")
		w.str(a.typ)
		w.key("label")
		v.stringOf(x)
		w.close()
	}
	if w.b[len(w.b)-1] == '[' {
		w.b = w.b[:mark]
	} else {
		w.closeArray()
	}
	return nil
}

// stringOf writes a string value as it is, a number as its text.
func (v *view) stringOf(x value) {
	if x.kind == '"' {
		v.m.w.raw(x)
	} else {
		v.m.w.strBytes(x.raw)
	}
}

func elementField(f found, i int) string { return f.field() + "[" + itoa(i) + "]" }

// tripleKeys are the keys of an {id, type, label} object.
var tripleKeys = setOfSlots("id", "type", "label")

// tripleParts returns the id, type and label of an {id, type, label} object (an
// attribute; variantOptions has the same loop, inlined), each a string or a number.
func tripleParts(o value, opt *object) ([3]value, bool) {
	parts := [3]value{opt.get(kId), opt.get(kType), opt.get(kLabel)}
	ok := o.kind == '{'
	for _, p := range parts {
		if !p.present() || (p.kind != '"' && p.kind != '0') {
			ok = false
		}
	}
	return parts, ok
}

// writeTriple writes {id, type, label}, numbers as strings.
func writeTriple(w *writer, parts [3]value) {
	w.open()
	for j, k := range [...]string{"id", "type", "label"} {
		w.key(k)
		if parts[j].kind == '"' {
			w.raw(parts[j])
		} else {
			w.strBytes(parts[j].raw)
		}
	}
	w.close()
}

// listingKeys are the keys a listing reads.
var listingKeys = setOfSlots("store", "title", "name", "price", "currency", "is_active", "special_price", "sale_price", "url", "image_url")

// listings writes listings, Ometria's per-store overrides of a product: each an object
// with a store (a listing without one is dropped with a warning), and any of title (or
// name), price, currency, is_active, special_price (or sale_price), url and image_url;
// a value of the wrong kind is left out with a warning.
func (v *view) listings(f found) *Error {
	if !f.present() {
		return nil
	}
	if f.v.kind != '[' {
		v.m.warn(WarnInvalidValue, f.field())
		return nil
	}
	w := &v.m.w
	mark := len(w.b)
	w.key("listings")
	w.openArray()
	l := &v.m.item
	elems := elementsOf(f.v.raw)
	kept, i := 0, 0
	for ; ; i++ {
		o, more := elems.next(l, &v.m.a.members)
		if !more {
			break
		}
		if k, dup := l.firstDup(&listingKeys); o.kind == '{' && dup {
			return duplicate(elementField(f, i) + "." + slotNames[k])
		}
		store := l.get(kStore)
		if o.kind != '{' || !(store.kind == '"' && len(bytes.TrimSpace(store.contents())) > 0 || store.kind == '0') {
			v.m.warn(WarnListingDropped, elementField(f, i))
			continue
		}
		at := func(k slot) found {
			if x := l.get(k); x.present() {
				return found{v: x, src: srcItem, key: slotNames[k], in: kListings, idx: int32(i)}
			}
			return found{}
		}
		w.open()
		w.key("store")
		v.stringOf(store)
		v.optString("title", or(at(kTitle), at(kName)))
		v.optPrice("price", at(kPrice))
		if cur := at(kCurrency); cur.present() {
			if c, ok := currencyOf(cur.v); ok {
				w.key("currency")
				w.strBytes(c[:])
			} else {
				v.m.warn(WarnInvalidValue, cur.field())
			}
		}
		v.optBool("is_active", at(kIsActive))
		v.optPrice("special_price", or(at(kSpecialPrice), at(kSalePrice)))
		v.optString("url", at(kUrl))
		v.optString("image_url", at(kImageUrl))
		w.close()
		kept++
	}
	if kept == 0 && i > 0 { // every listing dropped: none rather than an empty list, which would clear them
		w.b = w.b[:mark]
	} else {
		w.closeArray()
	}
	return nil
}

// optPrice writes a price that is not required: a number of at least 0, or nothing, with a warning.
func (v *view) optPrice(key string, f found) {
	if !f.present() {
		return
	}
	if n, ok := number(f.v); ok && !negative(n) {
		v.m.w.key(key)
		v.m.w.rawNumber(n)
		return
	}
	v.m.warn(WarnInvalidValue, f.field())
}
