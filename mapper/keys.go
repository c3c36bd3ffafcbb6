package mapper

import "math/bits"

// The keys of traits, properties and product lines that the mapping tables read. While
// an object is collected, each member's key is classified once (a switch, not a hash),
// so a lookup is an array read instead of a scan of the members.

type slot uint8

const (
	kNone                  slot = iota
	kListingId                  // listingId
	kEmail                      // email
	kUserId                     // userId
	kId                         // id
	kFirstName                  // firstName
	kFirstNameSnake             // first_name
	kFirstnameLower             // firstname
	kMiddleName                 // middleName
	kMiddleNameSnake            // middle_name
	kMiddlenameLower            // middlename
	kLastName                   // lastName
	kLastNameSnake              // last_name
	kLastnameLower              // lastname
	kName                       // name
	kPhoneNumber                // phoneNumber
	kPhone                      // phone
	kCollection                 // collection
	kPrefix                     // prefix
	kDateOfBirth                // dateOfBirth
	kBirthday                   // birthday
	kCountryId                  // countryId
	kTimezone                   // timezone
	kTimestampAcquired          // timestampAcquired
	kCreatedAt                  // createdAt
	kTimestampSubscribed        // timestampSubscribed
	kTimestampUnsubscribed      // timestampUnsubscribed
	kStoreIds                   // storeIds
	kGender                     // gender
	kAddToLists                 // addToLists
	kRemoveFromLists            // removeFromLists
	kForceOptin                 // forceOptin
	kMerge                      // merge
	kCustomFields               // custom_fields
	kProfileId                  // profile_id
	kOrderId                    // order_id
	kTimestamp                  // timestamp
	kGrandTotal                 // grand_total
	kTotal                      // total
	kRevenue                    // revenue
	kCurrency                   // currency
	kSubtotal                   // subtotal
	kDiscount                   // discount
	kShipping                   // shipping
	kTax                        // tax
	kWebId                      // web_id
	kChannel                    // channel
	kStore                      // store
	kPaymentMethod              // payment_method
	kShippingMethod             // shipping_method
	kCouponCode                 // coupon_code
	kCoupon                     // coupon
	kIpAddress                  // ip_address
	kShippingAddress            // shipping_address
	kBillingAddress             // billing_address
	kProducts                   // products
	kEventId                    // event_id
	kProductId                  // product_id
	kVariantId                  // variant_id
	kSku                        // sku
	kQuantity                   // quantity
	kUnitPrice                  // unit_price
	kPrice                      // price
	kQuantityRefunded           // quantity_refunded
	kRefunded                   // refunded
	kIsOnSale                   // is_on_sale
	kTotals                     // totals
	kVariantOptions             // variant_options
	kProperties                 // properties
	kType                       // type
	kLabel                      // label
	kTitle                      // title
	kSpecialPrice               // special_price
	kSalePrice                  // sale_price
	kSpecialPriceDtFrom         // special_price_dt_from
	kSpecialPriceDtTo           // special_price_dt_to
	kSalePriceFrom              // sale_price_from
	kSalePriceTo                // sale_price_to
	kUrl                        // url
	kImageUrl                   // image_url
	kIsVariant                  // is_variant
	kVariant                    // variant
	kParentId                   // parent_id
	kIsActive                   // is_active
	kIsInStock                  // is_in_stock
	kInStock                    // in_stock
	kStock                      // stock
	kAttributes                 // attributes
	kBrand                      // brand
	kCategory                   // category
	kStores                     // stores
	kListings                   // listings
	nSlots
)

// slotNames are the keys, by slot, for messages.
var slotNames = [nSlots]string{
	kListingId:             "listingId",
	kEmail:                 "email",
	kUserId:                "userId",
	kId:                    "id",
	kFirstName:             "firstName",
	kFirstNameSnake:        "first_name",
	kFirstnameLower:        "firstname",
	kMiddleName:            "middleName",
	kMiddleNameSnake:       "middle_name",
	kMiddlenameLower:       "middlename",
	kLastName:              "lastName",
	kLastNameSnake:         "last_name",
	kLastnameLower:         "lastname",
	kName:                  "name",
	kPhoneNumber:           "phoneNumber",
	kPhone:                 "phone",
	kCollection:            "collection",
	kPrefix:                "prefix",
	kDateOfBirth:           "dateOfBirth",
	kBirthday:              "birthday",
	kCountryId:             "countryId",
	kTimezone:              "timezone",
	kTimestampAcquired:     "timestampAcquired",
	kCreatedAt:             "createdAt",
	kTimestampSubscribed:   "timestampSubscribed",
	kTimestampUnsubscribed: "timestampUnsubscribed",
	kStoreIds:              "storeIds",
	kGender:                "gender",
	kAddToLists:            "addToLists",
	kRemoveFromLists:       "removeFromLists",
	kForceOptin:            "forceOptin",
	kMerge:                 "merge",
	kCustomFields:          "custom_fields",
	kProfileId:             "profile_id",
	kOrderId:               "order_id",
	kTimestamp:             "timestamp",
	kGrandTotal:            "grand_total",
	kTotal:                 "total",
	kRevenue:               "revenue",
	kCurrency:              "currency",
	kSubtotal:              "subtotal",
	kDiscount:              "discount",
	kShipping:              "shipping",
	kTax:                   "tax",
	kWebId:                 "web_id",
	kChannel:               "channel",
	kStore:                 "store",
	kPaymentMethod:         "payment_method",
	kShippingMethod:        "shipping_method",
	kCouponCode:            "coupon_code",
	kCoupon:                "coupon",
	kIpAddress:             "ip_address",
	kShippingAddress:       "shipping_address",
	kBillingAddress:        "billing_address",
	kProducts:              "products",
	kEventId:               "event_id",
	kProductId:             "product_id",
	kVariantId:             "variant_id",
	kSku:                   "sku",
	kQuantity:              "quantity",
	kUnitPrice:             "unit_price",
	kPrice:                 "price",
	kQuantityRefunded:      "quantity_refunded",
	kRefunded:              "refunded",
	kIsOnSale:              "is_on_sale",
	kTotals:                "totals",
	kVariantOptions:        "variant_options",
	kProperties:            "properties",
	kType:                  "type",
	kLabel:                 "label",
	kTitle:                 "title",
	kSpecialPrice:          "special_price",
	kSalePrice:             "sale_price",
	kSpecialPriceDtFrom:    "special_price_dt_from",
	kSpecialPriceDtTo:      "special_price_dt_to",
	kSalePriceFrom:         "sale_price_from",
	kSalePriceTo:           "sale_price_to",
	kUrl:                   "url",
	kImageUrl:              "image_url",
	kIsVariant:             "is_variant",
	kVariant:               "variant",
	kParentId:              "parent_id",
	kIsActive:              "is_active",
	kIsInStock:             "is_in_stock",
	kInStock:               "in_stock",
	kStock:                 "stock",
	kAttributes:            "attributes",
	kBrand:                 "brand",
	kCategory:              "category",
	kStores:                "stores",
	kListings:              "listings",
}

// slotTable is an open-addressing hash table of the slot names: classifying a key costs a
// hash of three bytes and one comparison, where a switch over 90 names costs seven.
var slotTable = func() (t [slotTableSize]slot) {
	for k := kNone + 1; k < nSlots; k++ {
		h := slotHash([]byte(slotNames[k]))
		for t[h] != kNone {
			h = (h + 1) & (len(t) - 1)
		}
		t[h] = k
	}
	return t
}()

// slotTableSize is a power of two about ten times nSlots: over the benchmark's events a
// key takes 1.04 probes (1.21 with 512 entries and the hash before this one).
const slotTableSize = 1024

func slotHash(key []byte) int {
	n := len(key)
	return (n*131 ^ int(key[0])*7 ^ int(key[n-1])*31 ^ int(key[n/2])*11) & (slotTableSize - 1)
}

// slotOf classifies a key; kNone for a key no table reads.
func slotOf(key []byte) slot {
	if len(key) == 0 {
		return kNone
	}
	for h := slotHash(key); ; h = (h + 1) & (slotTableSize - 1) {
		k := slotTable[h]
		if k == kNone || slotNames[k] == string(key) {
			return k
		}
	}
}

// object is an indexed JSON object: its members, and for each slot the position (plus
// one) of the last member with that key. repeats is non-zero when a slot's key appears
// more than once (the positions it replaced, or-ed: no branch per member); dups finds them.
type object struct {
	ms      []member
	at      [nSlots]uint16
	repeats uint16
}

// dups returns the slots whose key appears more than once.
func (o *object) dups() (s slots) {
	if o.repeats == 0 {
		return s
	}
	var seen slots
	for i := range o.ms {
		if k := o.ms[i].slot; k != kNone {
			if seen.has(k) {
				s.add(k)
			}
			seen.add(k)
		}
	}
	return s
}

// firstDup returns the lowest slot in mask whose key appears more than once.
func (o *object) firstDup(mask *slots) (slot, bool) {
	if o.repeats == 0 {
		return kNone, false
	}
	d := o.dups()
	return d.first(mask)
}

// slots is a set of slots.
type slots [2]uint64

var _ = [1]struct{}{}[(nSlots-1)>>7] // nSlots must fit in slots

func (s *slots) add(k slot) { s[k>>6] |= 1 << (k & 63) }

func (s *slots) has(k slot) bool { return s[k>>6]&(1<<(k&63)) != 0 }

// setOfSlots returns the set of the slots of names.
func setOfSlots(names ...string) (s slots) {
	for _, n := range names {
		if k := slotOf([]byte(n)); k != kNone {
			s.add(k)
		}
	}
	return s
}

// allSlots holds every slot but kNone.
var allSlots = func() (s slots) {
	for k := kNone + 1; k < nSlots; k++ {
		s.add(k)
	}
	return s
}()

// first returns the lowest slot of s that is also in mask.
func (s *slots) first(mask *slots) (slot, bool) {
	for i := range s {
		if m := s[i] & mask[i]; m != 0 {
			return slot(i<<6 + bits.TrailingZeros64(m)), true
		}
	}
	return kNone, false
}

// get returns the member with key k.
func (o *object) get(k slot) value {
	if p := o.at[k]; p > 0 {
		return o.ms[p-1].val
	}
	if len(o.ms) > 1<<16-1 { // positions past 65535 are not recorded: look
		return getName(o.ms, slotNames[k])
	}
	return value{}
}

// note records that ms[pos] has key slot k.
func (o *object) note(k slot, pos int) {
	if k != kNone && pos < 1<<16-1 {
		o.repeats |= o.at[k]
		o.at[k] = uint16(pos + 1)
	}
}

// index makes o the index of the members ms.
func (o *object) index(ms []member) {
	o.ms = ms
	o.at = [nSlots]uint16{}
	o.repeats = 0
	for j := range ms {
		o.note(ms[j].slot, j)
	}
}

// indexObjectAt indexes the validated object at d[i] and returns the index past it.
func indexObjectAt(o *object, arena *[]member, d []byte, i int) int {
	o.at = [nSlots]uint16{}
	o.repeats = 0
	start := len(*arena)
	var end int
	*arena, end = appendMembersAt(*arena, d, i)
	o.ms = (*arena)[start:len(*arena):len(*arena)]
	for j := range o.ms {
		o.note(o.ms[j].slot, j)
	}
	return end
}

// elements walks the elements of a validated array, indexing the objects among them.
type elements struct {
	d []byte
	i int
}

func elementsOf(arr []byte) elements { return elements{d: arr, i: skipWS(arr, 1)} }

// next returns the next element; when it is an object, o indexes it.
func (it *elements) next(o *object, arena *[]member) (value, bool) {
	d, i := it.d, it.i
	if i >= len(d) || d[i] == ']' {
		return value{}, false
	}
	var end int
	if d[i] == '{' {
		end = indexObjectAt(o, arena, d, i)
	} else {
		end = skip(d, i)
	}
	v := value{raw: d[i:end], kind: kindOf(d[i])}
	if it.i = skipWS(d, end); it.i < len(d) && d[it.i] == ',' {
		it.i = skipWS(d, it.i+1)
	}
	return v, true
}

// consumes builds the table of slots whose keys are in names.
func consumes(names map[string]bool) (t [nSlots]bool) {
	for n := range names {
		t[slotOf([]byte(n))] = true
	}
	t[kNone] = false
	return t
}
