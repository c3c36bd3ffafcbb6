package ometriatest

// Custom event rules (sources as in schema.go; docs/emulator.md).
//
//	field                                   rule                                      source
//	timestamp                               required; ISO 8601 date-time with offset  R requires it
//	event_type                              required; non-empty string                DATAFLY, DOC CUSTOM-EVENTS (longer than
//	                                                                                  32 characters is accepted: Ometria
//	                                                                                  truncates rather than rejects)
//	identity_email                          email address                             R
//	identity_account_id                     string (the contact's customer_id)        R
//	identity_email or identity_account_id   at least one, on the merged record        choice: RudderStack requires both, but
//	                                                                                  either identifies a profile
//	profile_id                              string                                    R
//	properties                              object, any members                       PHP; DOC CUSTOM-EVENTS

// customEventSchema returns the custom_event rules.
func customEventSchema() *recordSchema {
	return &recordSchema{
		fields: common(
			field{name: "timestamp", rule: timestamp},
			field{name: "event_type", rule: nonEmpty},
			field{name: "identity_email", rule: email},
			field{name: "identity_account_id", rule: str},
			field{name: "profile_id", rule: str},
			field{name: "properties", rule: anyObject},
		),
		complete: requireBoth(requireAll("timestamp", "event_type"),
			requireAny("identity_email", "identity_account_id")),
	}
}
