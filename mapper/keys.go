package mapper

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
}

// slotOf classifies a key; kNone for a key no table reads.
func slotOf(key []byte) slot {
	switch string(key) {
	case "listingId":
		return kListingId
	case "email":
		return kEmail
	case "userId":
		return kUserId
	case "id":
		return kId
	case "firstName":
		return kFirstName
	case "first_name":
		return kFirstNameSnake
	case "firstname":
		return kFirstnameLower
	case "middleName":
		return kMiddleName
	case "middle_name":
		return kMiddleNameSnake
	case "middlename":
		return kMiddlenameLower
	case "lastName":
		return kLastName
	case "last_name":
		return kLastNameSnake
	case "lastname":
		return kLastnameLower
	case "name":
		return kName
	case "phoneNumber":
		return kPhoneNumber
	case "phone":
		return kPhone
	case "collection":
		return kCollection
	case "prefix":
		return kPrefix
	case "dateOfBirth":
		return kDateOfBirth
	case "birthday":
		return kBirthday
	case "countryId":
		return kCountryId
	case "timezone":
		return kTimezone
	case "timestampAcquired":
		return kTimestampAcquired
	case "createdAt":
		return kCreatedAt
	case "timestampSubscribed":
		return kTimestampSubscribed
	case "timestampUnsubscribed":
		return kTimestampUnsubscribed
	case "storeIds":
		return kStoreIds
	case "gender":
		return kGender
	case "addToLists":
		return kAddToLists
	case "removeFromLists":
		return kRemoveFromLists
	case "forceOptin":
		return kForceOptin
	case "merge":
		return kMerge
	case "custom_fields":
		return kCustomFields
	case "profile_id":
		return kProfileId
	case "order_id":
		return kOrderId
	case "timestamp":
		return kTimestamp
	case "grand_total":
		return kGrandTotal
	case "total":
		return kTotal
	case "revenue":
		return kRevenue
	case "currency":
		return kCurrency
	case "subtotal":
		return kSubtotal
	case "discount":
		return kDiscount
	case "shipping":
		return kShipping
	case "tax":
		return kTax
	case "web_id":
		return kWebId
	case "channel":
		return kChannel
	case "store":
		return kStore
	case "payment_method":
		return kPaymentMethod
	case "shipping_method":
		return kShippingMethod
	case "coupon_code":
		return kCouponCode
	case "coupon":
		return kCoupon
	case "ip_address":
		return kIpAddress
	case "shipping_address":
		return kShippingAddress
	case "billing_address":
		return kBillingAddress
	case "products":
		return kProducts
	case "event_id":
		return kEventId
	case "product_id":
		return kProductId
	case "variant_id":
		return kVariantId
	case "sku":
		return kSku
	case "quantity":
		return kQuantity
	case "unit_price":
		return kUnitPrice
	case "price":
		return kPrice
	case "quantity_refunded":
		return kQuantityRefunded
	case "refunded":
		return kRefunded
	case "is_on_sale":
		return kIsOnSale
	case "totals":
		return kTotals
	case "variant_options":
		return kVariantOptions
	case "properties":
		return kProperties
	case "type":
		return kType
	case "label":
		return kLabel
	}
	return kNone
}

// object is an indexed JSON object: its members, and for each slot the position (plus
// one) of the last member with that key, as encoding/json keeps the last of repeated keys.
type object struct {
	ms []member
	at [nSlots]uint16
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
		o.at[k] = uint16(pos + 1)
	}
}

// indexObject indexes the validated object raw, appending its members to arena.
func indexObject(o *object, arena *[]member, raw []byte) {
	indexObjectAt(o, arena, raw, 0)
}

// indexObjectAt indexes the validated object at d[i] and returns the index past it.
func indexObjectAt(o *object, arena *[]member, d []byte, i int) int {
	o.at = [nSlots]uint16{}
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
