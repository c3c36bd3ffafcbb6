package mapper

import (
	"bytes"
	"strconv"
)

// orderProps are the properties the order table reads; the others go into properties
// when custom_fields is absent.
var orderProps = consumes(setOf("order_id", "timestamp", "grand_total", "total", "revenue", "currency",
	"subtotal", "discount", "shipping", "tax", "web_id", "channel", "store", "payment_method",
	"shipping_method", "coupon_code", "coupon", "ip_address", "shipping_address",
	"billing_address", "email", "products", "custom_fields"))

// order maps a track event whose name is an order event to an order record with status.
// A "cancelled" status gives Ometria's partial cancelling order {id, status, is_valid: false}.
func (m *Mapper) order(ev *event, acct *Account, status string) (Record, *Error) {
	v, w, err := m.begin(ev, acct, recOrder, TypeOrder)
	if err != nil {
		return Record{}, err
	}
	id, err := v.id(v.pick("id", v.prop(kOrderId)), ReasonMissingOrderID, "properties.order_id", "the order id")
	if err != nil {
		return Record{}, err
	}
	w.key("id")
	w.strBytes(id)
	if status == statusCancelled {
		w.key("status")
		w.str(statusCancelled)
		w.key("is_valid")
		w.boolean(false)
		w.close()
		return m.record(acct, TypeOrder, id), nil
	}
	if err := v.eventTimestamp(); err != nil {
		return Record{}, err
	}

	gt := v.pick("grand_total", v.prop(kGrandTotal, kTotal, kRevenue))
	n, ok := number(gt.v)
	if !ok {
		if !gt.present() {
			return Record{}, fail(ReasonInvalidGrandTotal, "properties.grand_total", "an order needs grand_total (or total, or revenue)")
		}
		if b, _ := gt.v.text(); isJSONNumber(bytes.TrimSpace(b)) {
			return Record{}, fail(ReasonInvalidGrandTotal, gt.field(), "%.64s is outside the range of a number (a double)", bytes.TrimSpace(b))
		}
		return Record{}, fail(ReasonInvalidGrandTotal, gt.field(), "must be a number, got a %s", kindName(gt.v.kind))
	}
	w.key("grand_total")
	w.rawNumber(n)

	cur := v.pick("currency", v.prop(kCurrency))
	code, _ := cur.v.text()
	code = bytes.TrimSpace(code)
	var c [3]byte
	if cur.v.kind != '"' || len(code) != 3 {
		return Record{}, fail(ReasonInvalidCurrency, "properties.currency", "an order needs an ISO 4217 currency code string")
	}
	c = [3]byte{upper(code[0]), upper(code[1]), upper(code[2])}
	if !isCurrency(c[:]) {
		return Record{}, fail(ReasonInvalidCurrency, cur.field(), "%q is not a current ISO 4217 currency code", code)
	}
	w.key("currency")
	w.strBytes(c[:])
	w.key("status")
	w.str(status)
	w.key("is_valid")
	w.boolean(true)

	for _, k := range [...]slot{kSubtotal, kDiscount, kShipping, kTax} {
		v.optNumber(slotNames[k], v.pick(slotNames[k], v.prop(k)))
	}
	for _, k := range [...]slot{kWebId, kChannel, kStore, kPaymentMethod, kShippingMethod} {
		v.optString(slotNames[k], v.pick(slotNames[k], v.prop(k)))
	}
	v.optString("coupon_code", v.pick("coupon_code", v.prop(kCouponCode, kCoupon)))
	v.optString("ip_address", v.pick("ip_address", or(top(ev.ctxIP, "context.ip"), v.prop(kIpAddress))))

	if err := v.customer(); err != nil {
		return Record{}, err
	}
	if err := v.address(kShippingAddress, v.prop(kShippingAddress)); err != nil {
		return Record{}, err
	}
	if err := v.address(kBillingAddress, v.prop(kBillingAddress)); err != nil {
		return Record{}, err
	}
	if err := v.lineItems(v.prop(kProducts)); err != nil {
		return Record{}, err
	}
	v.recordProperties(&orderProps)
	w.close()
	return m.record(acct, TypeOrder, id), nil
}

// eventTimestamp writes the required timestamp of an order or custom event:
// properties.timestamp, else timestamp, else originalTimestamp.
func (v *view) eventTimestamp() *Error {
	f := v.pick("timestamp", or(v.prop(kTimestamp), top(v.ev.timestamp, "timestamp"), top(v.ev.origTS, "originalTimestamp")))
	if !f.present() {
		return fail(ReasonInvalidTimestamp, "timestamp", "missing: properties.timestamp, timestamp or originalTimestamp is required")
	}
	if f.v.kind == '"' && v.m.w.stringVia("timestamp", f.v.contents(), appendTimestamp) {
		return nil
	}
	shown := f.v.raw
	if len(shown) > 64 {
		shown = shown[:64]
	}
	return fail(ReasonInvalidTimestamp, f.field(), "%s is not an ISO-8601 date-time with a Z or numeric offset", shown)
}

// customer writes the order's customer {id, email, firstname, lastname}; id and email are required.
func (v *view) customer() *Error {
	uid := v.userID()
	email := or(v.trait(kEmail), v.prop(kEmail))
	if !uid.present() {
		return fail(ReasonMissingCustomer, "userId", "an order needs a customer id (userId, traits.userId, traits.id or anonymousId)")
	}
	if email.v.kind != '"' || len(bytes.TrimSpace(email.v.contents())) == 0 {
		return fail(ReasonMissingCustomer, "traits.email", "an order needs a customer email (traits.email or properties.email)")
	}
	cid, err := v.id(uid, ReasonMissingCustomer, "userId", "the customer id")
	if err != nil {
		return err
	}
	w := &v.m.w
	w.key("customer")
	w.open()
	w.key("id")
	w.strBytes(cid)
	w.key("email")
	v.trimmedString(email)
	first := v.trait(kFirstName, kFirstNameSnake, kFirstnameLower)
	last := v.trait(kLastName, kLastNameSnake, kLastnameLower)
	if !first.present() && !last.present() {
		if n := v.trait(kName); n.v.kind == '"' {
			b, _ := n.v.text()
			if words := bytes.Fields(b); len(words) > 0 {
				w.key("firstname")
				w.strBytes(words[0])
				if len(words) > 1 {
					w.key("lastname")
					w.strBytes(words[len(words)-1])
				}
			}
		} else if n.present() {
			v.m.warn(WarnInvalidValue, n.field())
		}
	}
	v.optString("firstname", first)
	v.optString("lastname", last)
	w.close()
	return nil
}

// addressKeys are the keys an address reads.
var addressKeys = setOf("city", "state", "region", "postcode", "postalCode", "postal_code", "zip",
	"country_code", "countryCode", "country")

// address writes {city, state, postcode, country_code} from an address object.
func (v *view) address(in slot, f found) *Error {
	key := slotNames[in]
	if !f.present() {
		return nil
	}
	if f.v.kind != '{' {
		v.m.warn(WarnInvalidValue, f.field())
		return nil
	}
	ms := v.m.index(f.v)
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			if a, b := ms[i].key, ms[j].key; len(a) == len(b) && len(a) > 0 && a[0] == b[0] && string(a) == string(b) && addressKeys[string(a)] {
				return duplicate(f.field() + "." + string(ms[i].key))
			}
		}
	}
	w := &v.m.w
	mark := w.openOptional(key)
	sub := func(out string, names ...string) {
		for _, n := range names {
			if x := getName(ms, n); x.present() {
				v.optString(out, found{v: x, src: srcItem, key: n, in: in, idx: -1})
				return
			}
		}
	}
	sub("city", "city")
	sub("state", "state", "region")
	sub("postcode", "postcode", "postalCode", "postal_code", "zip")
	sub("country_code", "country_code", "countryCode", "country")
	w.closeOptional(mark)
	return nil
}

// itemKeys are the product keys a line item reads; the others go into its properties.
var itemKeys = consumes(setOf("product_id", "variant_id", "sku", "quantity", "unit_price", "price",
	"subtotal", "tax", "total", "discount", "quantity_refunded", "refunded", "is_on_sale",
	"totals", "variant_options", "properties"))

// lineItems writes properties.products as lineitems. A product without product_id, a
// positive quantity and a unit_price (or price) or subtotal is left out with a warning.
func (v *view) lineItems(f found) *Error {
	if !f.present() {
		return nil
	}
	if f.v.kind != '[' {
		v.m.warn(WarnInvalidValue, f.field())
		return nil
	}
	w := &v.m.w
	w.key("lineitems")
	w.openArray()
	item := &v.m.item
	for i, ln := range v.ev.lines { // the elements of f, collected while validating
		field := func() string { return "properties.products[" + strconv.Itoa(i) + "]" }
		if ln.val.kind != '{' {
			v.m.warn(WarnLineItemDropped, field())
			continue
		}
		item.index(ln.ms)
		if k, ok := item.firstDup(&allSlots); ok {
			return duplicate(field() + "." + slotNames[k])
		}
		pid := item.get(kProductId)
		pidText, ok := idText(pid)
		qty, qok := number(item.get(kQuantity))
		price, pok := number(item.get(kUnitPrice))
		if !pok {
			price, pok = number(item.get(kPrice))
		}
		sub, sok := number(item.get(kSubtotal))
		if !pid.present() || !ok || hasSpace(pidText) || !qok || !positive(qty) || (!pok && !sok) {
			v.m.warn(WarnLineItemDropped, field())
			continue
		}
		w.open()
		w.key("product_id")
		w.strBytes(pidText)
		at := func(k slot) found {
			if x := item.get(k); x.present() {
				return found{v: x, src: srcItem, key: slotNames[k], in: kProducts, idx: int32(i)}
			}
			return found{}
		}
		v.optID("variant_id", at(kVariantId))
		v.optString("sku", at(kSku))
		w.key("quantity")
		w.rawNumber(qty)
		if pok {
			w.key("unit_price")
			w.rawNumber(price)
		}
		if sok {
			w.key("subtotal")
			w.rawNumber(sub)
		}
		for _, k := range [...]slot{kTax, kTotal, kDiscount, kQuantityRefunded, kRefunded} {
			v.optNumber(slotNames[k], at(k))
		}
		v.optBool("is_on_sale", at(kIsOnSale))
		if t := item.get(kTotals); t.present() {
			if v.ev.outOfRange {
				v.keyInRange("totals", t, field()+".totals")
			} else {
				w.key("totals")
				w.raw(t)
			}
		}
		if err := v.variantOptions(at(kVariantOptions)); err != nil {
			return err
		}
		if p := item.get(kProperties); p.kind == '{' {
			if v.ev.outOfRange {
				v.keyInRange("properties", p, field()+".properties")
			} else {
				w.key("properties")
				w.raw(p)
			}
		} else {
			mark := w.openOptional("properties")
			for j := range item.ms {
				if mb := &item.ms[j]; mb.val.kind != 'n' && !itemKeys[mb.slot] {
					if v.ev.outOfRange {
						v.memberInRange(mb, field())
						continue
					}
					w.memberKey(mb)
					w.raw(mb.val)
				}
			}
			w.closeOptional(mark)
		}
		w.close()
	}
	w.closeArray()
	return nil
}

// variantOptions writes the options that have all of id, type and label.
func (v *view) variantOptions(f found) *Error {
	if !f.present() {
		return nil
	}
	if f.v.kind != '[' {
		v.m.warn(WarnInvalidValue, f.field())
		return nil
	}
	w := &v.m.w
	w.key("variant_options")
	w.openArray()
	opt := &v.m.option
	options := elementsOf(f.v.raw)
	for i := 0; ; i++ {
		o, more := options.next(opt, &v.m.a.members)
		if !more {
			break
		}
		if k, ok := opt.firstDup(&tripleKeys); o.kind == '{' && ok {
			return duplicate(elementField(f, i) + "." + slotNames[k])
		}
		parts := [3]value{opt.get(kId), opt.get(kType), opt.get(kLabel)}
		ok := o.kind == '{'
		for _, p := range parts {
			if !p.present() || (p.kind != '"' && p.kind != '0') {
				ok = false
			}
		}
		if !ok {
			v.m.warn(WarnVariantOptionDropped, elementField(f, i))
			continue
		}
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
	w.closeArray()
	return nil
}

// recordProperties writes properties for an order or custom event: properties.custom_fields
// when given, else the properties the table does not read; then the properties mappings.
func (v *view) recordProperties(consumed *[nSlots]bool) {
	w := &v.m.w
	mark := w.openOptional("properties")
	if cf := v.prop(kCustomFields); cf.v.kind == '{' {
		v.members("properties.custom_fields", v.m.index(cf.v), nil, nil)
	} else {
		v.members("properties", v.props.ms, nil, consumed)
	}
	v.mappedProperties()
	w.closeOptional(mark)
}
