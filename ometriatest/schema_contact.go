package ometriatest

// Contact rules (sources as in schema.go; docs/emulator.md). A contact is keyed by
// (@collection, id); @collection is "" when absent (Ometria's default collection is
// undocumented).
//
//	field                                   rule                                      source
//	@collection                             string                                    DOC CHANGE-EMAIL, SMS-DOI
//	email                                   string with one "@" and no spaces         DOC; RudderStack requires it
//	phone_number                            E.164: ^\+[1-9]\d{6,14}$                  DOC SMS-COLLECT
//	email or phone_number                   at least one, on the merged record        choice: the identifiers SMS-DOI names;
//	                                                                                  RudderStack's email-only rule would
//	                                                                                  refuse SMS-only contacts
//	customer_id, prefix, firstname,         string                                    DOC, CODE
//	  middlename, lastname, timezone,
//	  @profile_id
//	date_of_birth                           date YYYY-MM-DD                           DOC PROFILES-API
//	gender                                  m, f or o                                 DOC, CODE C#
//	country_id                              two upper-case letters                    CODE Magento, R
//	timestamp_acquired, timestamp_subscribed, ISO 8601 date-time with offset          DOC SUB-TIMESTAMPS
//	  timestamp_unsubscribed
//	store_ids                               array of strings                          R, C#
//	marketing_optin                         EXPLICITLY_OPTEDIN, EXPLICITLY_OPTEDOUT    DOC FORCE-OPTIN
//	                                        or NOT_SPECIFIED
//	@force_optin                            boolean                                   DOC FORCE-OPTIN
//	@add_to_lists, @remove_from_lists       array of strings or integers              CODE C#, PHP
//	channels                                object: sms                               CODE R
//	channels.sms                            object: allow_marketing and               CODE R; DOC SMS-DOI
//	                                        allow_transactional booleans,
//	                                        dt_updated_marketing and
//	                                        dt_updated_transactional date-times
//	properties                              object, any members                       CODE R, C#

// contactSchema returns the contact rules.
func contactSchema(strict bool) *recordSchema {
	sms := object(strict,
		field{name: "allow_marketing", rule: boolean},
		field{name: "allow_transactional", rule: boolean},
		field{name: "dt_updated_marketing", rule: timestamp},
		field{name: "dt_updated_transactional", rule: timestamp},
	)
	return &recordSchema{
		fields: common(
			field{name: "@collection", rule: str},
			field{name: "email", rule: email},
			field{name: "phone_number", rule: e164},
			field{name: "customer_id", rule: str},
			field{name: "prefix", rule: str},
			field{name: "firstname", rule: str},
			field{name: "middlename", rule: str},
			field{name: "lastname", rule: str},
			field{name: "timezone", rule: str},
			field{name: "@profile_id", rule: str},
			field{name: "date_of_birth", rule: date},
			field{name: "gender", rule: oneOf("m", "f", "o")},
			field{name: "country_id", rule: country},
			field{name: "timestamp_acquired", rule: timestamp},
			field{name: "timestamp_subscribed", rule: timestamp},
			field{name: "timestamp_unsubscribed", rule: timestamp},
			field{name: "store_ids", rule: stringList},
			field{name: "marketing_optin", rule: oneOf("EXPLICITLY_OPTEDIN", "EXPLICITLY_OPTEDOUT", "NOT_SPECIFIED")},
			field{name: "@force_optin", rule: boolean},
			field{name: "@add_to_lists", rule: listIDs},
			field{name: "@remove_from_lists", rule: listIDs},
			field{name: "channels", rule: object(strict, field{name: "sms", rule: sms})},
			field{name: "properties", rule: anyObject},
		),
		complete: requireAny("email", "phone_number"),
	}
}
