package ometriatest

// Product rules (sources as in schema.go; docs/emulator.md).
//
//	field                                   rule                                      source
//	title                                   required; string                          R requires it; choice: a product without
//	                                                                                  a title cannot be shown in an email
//	price                                   number, optional                          R requires it; choice: optional, since
//	                                                                                  listings may carry the price and
//	                                                                                  Magento's stock updates omit it
//	special_price                           number                                    DOC PRODUCT-EP
//	special_price_dt_from, _dt_to           ISO 8601 date-time with offset            DOC PRODUCT-EP
//	currency                                three upper-case letters                  PHP; Fivetran
//	sku, url, image_url, parent_id          string                                    R, Magento
//	is_variant, is_active, is_in_stock      boolean                                   DOC PRODUCTS-VARIANTS, PRODUCT-EP
//	attributes                              array of objects with string id, type,    Magento V1; Fivetran
//	                                        label
//	stores                                  array of strings                          Magento V1
//	listings                                array of objects: store, title, url,      DOC PRODUCTS-VARIANTS; R
//	                                        image_url strings; price, special_price
//	                                        numbers; currency code; is_active boolean
//	properties                              object, any members                       R
//
// A stock update such as Magento's {"@type":"product","id":"42","is_in_stock":false,"@merge":true}
// is accepted for a stored product (title is required on the merged record) and rejected for
// an unknown one.

// productSchema returns the product rules.
func productSchema(strict bool) *recordSchema {
	triple := object(strict,
		field{name: "id", rule: str},
		field{name: "type", rule: str},
		field{name: "label", rule: str},
	)
	listing := object(strict,
		field{name: "store", rule: str},
		field{name: "title", rule: str},
		field{name: "price", rule: number},
		field{name: "special_price", rule: number},
		field{name: "currency", rule: currency},
		field{name: "is_active", rule: boolean},
		field{name: "url", rule: str},
		field{name: "image_url", rule: str},
	)
	return &recordSchema{
		fields: common(
			field{name: "title", rule: str},
			field{name: "price", rule: number},
			field{name: "special_price", rule: number},
			field{name: "special_price_dt_from", rule: timestamp},
			field{name: "special_price_dt_to", rule: timestamp},
			field{name: "currency", rule: currency},
			field{name: "sku", rule: str},
			field{name: "url", rule: str},
			field{name: "image_url", rule: str},
			field{name: "parent_id", rule: str},
			field{name: "is_variant", rule: boolean},
			field{name: "is_active", rule: boolean},
			field{name: "is_in_stock", rule: boolean},
			field{name: "attributes", rule: arrayOf(triple)},
			field{name: "stores", rule: stringList},
			field{name: "listings", rule: arrayOf(listing)},
			field{name: "properties", rule: anyObject},
		),
		complete: requireAll("title"),
	}
}
