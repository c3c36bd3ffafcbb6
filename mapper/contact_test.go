package mapper

import (
	"bytes"
	"testing"
)

func TestContact(t *testing.T) {
	optedIn := Settings{Name: "acme", MarketingOptin: NotSpecified, SMSAllowMarketing: true, SMSAllowTransactional: true, Collection: "web"}
	noRegion := Settings{Name: "acme"}
	runCases(t, []mcase{
		{name: "minimal", in: identify(""), typ: TypeContact, want: map[string]any{
			"id": "l-1", "email": "ada@example.com", "customer_id": "u-1",
			"marketing_optin": OptedOut, "channels": js(`{"sms":{"allow_marketing":false,"allow_transactional":false}}`),
			"@collection": absent, "properties": absent,
		}},
		// id
		{name: "listing id from integrations wins", in: identify(``, `"integrations":{"Ometria":{"listingId":"l-int"}}`), want: map[string]any{"id": "l-int"}},
		{name: "listing id from context.traits", in: `{"type":"identify","userId":"u","context":{"traits":{"email":"a@b.co","listingId":"ctx"}}}`, want: map[string]any{"id": "ctx", "email": "a@b.co"}},
		{name: "traits win over context.traits", in: `{"type":"identify","traits":{"listingId":"t","email":"t@b.co"},"context":{"traits":{"email":"c@b.co","listingId":"c"}}}`, want: map[string]any{"id": "t", "email": "t@b.co"}},
		{name: "numeric listing id is a string", in: identify(`"listingId":12345`), want: map[string]any{"id": "12345"}},
		{name: "missing listing id", in: `{"type":"identify","traits":{"email":"a@b.co"}}`, reason: ReasonMissingListingID, field: "traits.listingId"},
		{name: "null listing id is missing", in: identify(`"listingId":null`), reason: ReasonMissingListingID},
		{name: "listing id with a space", in: identify(`"listingId":"l 1"`), reason: ReasonInvalidID, field: "traits.listingId"},
		{name: "listing id object", in: identify(`"listingId":{"a":1}`), reason: ReasonInvalidID},
		{name: "listing id is an email", in: identify(`"listingId":"ada@example.com"`), reason: ReasonPIIInID},
		{name: "listing id is a phone", in: identify(`"listingId":"+44-7700-900123"`), reason: ReasonPIIInID},
		{name: "pii check off", s: &Settings{Name: "acme", AllowPIIInIDs: true}, in: identify(`"listingId":"ada@example.com"`), want: map[string]any{"id": "ada@example.com"}},
		{name: "numeric id is not a phone", in: identify(`"listingId":"447911123456"`), want: map[string]any{"id": "447911123456"}},
		// email
		{name: "missing email", in: `{"type":"identify","traits":{"listingId":"l"}}`, reason: ReasonMissingEmail, field: "traits.email"},
		{name: "empty email", in: identify(`"email":"  "`), reason: ReasonMissingEmail},
		{name: "email not a string", in: identify(`"email":42`), reason: ReasonMissingEmail, field: "traits.email"},
		{name: "email trimmed", in: identify(`"email":" ada@example.com "`), want: map[string]any{"email": "ada@example.com"}},
		// user id
		{name: "customer id from traits.userId", in: identify(`"userId":"tu"`, `"anonymousId":"anon"`, `"userId":null`), want: map[string]any{"customer_id": "tu"}},
		{name: "customer id from traits.id", in: identify(`"id":"tid"`, `"userId":""`), want: map[string]any{"customer_id": "tid", "properties": absent}},
		{name: "customer id from context.traits.id", in: `{"type":"identify","userId":null,"traits":{"email":"a@b.co","listingId":"l"},"context":{"traits":{"id":"cid"}}}`, want: map[string]any{"customer_id": "cid"}},
		{name: "customer id from anonymousId", in: `{"type":"identify","anonymousId":"anon","traits":{"email":"a@b.co","listingId":"l"}}`, want: map[string]any{"customer_id": "anon"}},
		{name: "numeric user id", in: identify(``, `"userId":987654`), want: map[string]any{"customer_id": "987654"}},
		{name: "no user id at all", in: `{"type":"identify","traits":{"email":"a@b.co","listingId":"l"}}`, want: map[string]any{"customer_id": absent}},
		{name: "user id with a space", in: identify(``, `"userId":"u 1"`), reason: ReasonInvalidID, field: "userId"},
		{name: "user id is an email", in: identify(``, `"userId":"ada@example.com"`), reason: ReasonPIIInID},
		// names
		{name: "first middle last", in: identify(`"firstName":"Ada","middleName":"King","lastName":"Lovelace"`), want: map[string]any{"firstname": "Ada", "middlename": "King", "lastname": "Lovelace"}},
		{name: "snake case names", in: identify(`"first_name":"Ada","middle_name":"K","last_name":"L"`), want: map[string]any{"firstname": "Ada", "middlename": "K", "lastname": "L"}},
		{name: "lower case names do not leak", in: identify(`"firstname":"Ada","middlename":"K","lastname":"L"`), want: map[string]any{"firstname": "Ada", "middlename": "K", "lastname": "L", "properties": absent}},
		{name: "name of one word", in: identify(`"name":"Ada"`), want: map[string]any{"firstname": "Ada", "middlename": absent, "lastname": absent}},
		{name: "name of two words", in: identify(`"name":"Ada Lovelace"`), want: map[string]any{"firstname": "Ada", "lastname": "Lovelace"}},
		{name: "name of many words keeps them all", in: identify(`"name":" Ana  Maria de la Cruz "`), want: map[string]any{"firstname": "Ana", "middlename": "Maria de la", "lastname": "Cruz"}},
		{name: "explicit names win over name", in: identify(`"firstName":"Augusta","name":"Ada Lovelace"`), want: map[string]any{"firstname": "Augusta", "lastname": "Lovelace"}},
		{name: "non-string name left out with a warning", in: identify(`"name":123`), want: map[string]any{"firstname": absent, "middlename": absent, "lastname": absent, "properties": absent}, warn: []string{"invalid_value: traits.name"}},
		{name: "non-string context.traits name", in: `{"type":"identify","userId":"u","traits":{"email":"a@b.co","listingId":"l"},"context":{"traits":{"name":["Ada"]}}}`, want: map[string]any{"firstname": absent}, warn: []string{"invalid_value: context.traits.name"}},
		{name: "non-string name not read when every part is given", in: identify(`"firstName":"Ada","middleName":"K","lastName":"L","name":{}`), want: map[string]any{"firstname": "Ada"}},
		{name: "non-string name part", in: identify(`"firstName":true`), want: map[string]any{"firstname": absent}, warn: []string{"invalid_value: traits.firstName"}},
		// phone
		{name: "E.164 phone kept", in: identify(`"phoneNumber":"+447911123456"`), want: map[string]any{"phone_number": "+447911123456"}},
		{name: "phone normalised", in: identify(`"phone":"+44 (0)7911 123456"`), want: map[string]any{"phone_number": "+447911123456"}},
		{name: "national phone in account region", in: identify(`"phone":"07911 123456"`), want: map[string]any{"phone_number": "+447911123456"}},
		{name: "phoneNumber wins over phone", in: identify(`"phoneNumber":"+33612345678","phone":"07911123456"`), want: map[string]any{"phone_number": "+33612345678", "properties": absent}},
		{name: "invalid phone left out", in: identify(`"phoneNumber":"12345"`), want: map[string]any{"phone_number": absent}, warn: []string{"invalid_phone: traits.phoneNumber"}},
		{name: "national phone without a region", s: &noRegion, in: identify(`"phone":"07911 123456"`), want: map[string]any{"phone_number": absent}, warn: []string{"invalid_phone: traits.phone"}},
		{name: "numeric phone read as its digits", in: identify(`"phone":447911123456`), want: map[string]any{"phone_number": "+447911123456"}},
		// simple fields
		{name: "collection from traits", in: identify(`"collection":"shop"`), want: map[string]any{"@collection": "shop", "properties": absent}},
		{name: "collection from account", s: &optedIn, in: identify(``), want: map[string]any{"@collection": "web"}},
		{name: "prefix", in: identify(`"prefix":"Dr"`), want: map[string]any{"prefix": "Dr"}},
		{name: "date of birth", in: identify(`"dateOfBirth":"1990-02-28"`), want: map[string]any{"date_of_birth": "1990-02-28"}},
		{name: "birthday as date-time", in: identify(`"birthday":"1990-02-28T00:00:00Z"`), want: map[string]any{"date_of_birth": "1990-02-28"}},
		{name: "impossible date of birth", in: identify(`"dateOfBirth":"1990-02-30"`), want: map[string]any{"date_of_birth": absent}, warn: []string{"invalid_date: traits.dateOfBirth"}},
		{name: "country upper-cased", in: identify(`"countryId":"gb"`), want: map[string]any{"country_id": "GB"}},
		{name: "unknown country", in: identify(`"countryId":"XX"`), want: map[string]any{"country_id": absent}, warn: []string{"invalid_value: traits.countryId"}},
		{name: "context timezone wins", in: identify(`"timezone":"Europe/Paris"`, `"context":{"timezone":"Europe/London"}`), want: map[string]any{"timezone": "Europe/London", "properties": absent}},
		{name: "traits timezone", in: identify(`"timezone":"Europe/Paris"`), want: map[string]any{"timezone": "Europe/Paris"}},
		{name: "timestamps", in: identify(`"timestampAcquired":"2024-01-02T03:04:05+0100","timestampSubscribed":"2024-01-02T03:04Z","timestampUnsubscribed":"2024-01-02 03:04:05.123456-05"`), want: map[string]any{
			"timestamp_acquired": "2024-01-02T03:04:05+01:00", "timestamp_subscribed": "2024-01-02T03:04:00Z", "timestamp_unsubscribed": "2024-01-02T03:04:05.123456-05:00"}},
		{name: "createdAt is timestamp_acquired", in: identify(`"createdAt":"2022-05-13T12:44:35.000Z"`), want: map[string]any{"timestamp_acquired": "2022-05-13T12:44:35.000Z"}},
		{name: "timestamp without offset left out", in: identify(`"createdAt":"2022-05-13T12:44:35"`), want: map[string]any{"timestamp_acquired": absent}, warn: []string{"invalid_timestamp: traits.createdAt"}},
		{name: "store ids", in: identify(`"storeIds":["uk",7,null]`), want: map[string]any{"store_ids": js(`["uk","7"]`)}, warn: []string{"invalid_value: traits.storeIds"}},
		{name: "single store id", in: identify(`"storeIds":"uk"`), want: map[string]any{"store_ids": js(`["uk"]`)}},
		{name: "lists", in: identify(`"addToLists":[1,2],"removeFromLists":"3"`), want: map[string]any{"@add_to_lists": js(`[1,2]`), "@remove_from_lists": js(`["3"]`)}},
		{name: "force optin and merge", in: identify(`"forceOptin":true,"merge":false`), want: map[string]any{"@force_optin": true, "@merge": false}},
		{name: "force optin must be boolean", in: identify(`"forceOptin":"yes","merge":1`), want: map[string]any{"@force_optin": absent, "@merge": absent}, warn: []string{"invalid_value: traits.forceOptin", "invalid_value: traits.merge"}},
		// gender
		{name: "gender male", in: identify(`"gender":"Male"`), want: map[string]any{"gender": "m"}},
		{name: "gender F", in: identify(`"gender":"F"`), want: map[string]any{"gender": "f"}},
		{name: "gender female", in: identify(`"gender":"FEMALE"`), want: map[string]any{"gender": "f"}},
		{name: "gender others", in: identify(`"gender":"Others"`), want: map[string]any{"gender": "o"}},
		{name: "gender o", in: identify(`"gender":"o"`), want: map[string]any{"gender": "o"}},
		{name: "gender unknown", in: identify(`"gender":"prefer not to say"`), want: map[string]any{"gender": absent}, warn: []string{"invalid_value: traits.gender"}},
		// opt-in and sms
		{name: "optin from integrations", in: identify(``, `"integrations":{"Ometria":{"marketingOptin":"EXPLICITLY_OPTEDIN"}}`), want: map[string]any{"marketing_optin": OptedIn}},
		{name: "optin misspelling read as opted out", s: &optedIn, in: identify(``, `"integrations":{"ometria":{"marketingOptin":"EXPLICITYLY_OPTEDOUT"}}`), want: map[string]any{"marketing_optin": OptedOut}},
		{name: "optin any case", in: identify(``, `"integrations":{"OMETRIA":{"marketingOptin":" not_specified "}}`), want: map[string]any{"marketing_optin": NotSpecified}},
		{name: "optin account default", s: &optedIn, in: identify(``), want: map[string]any{"marketing_optin": NotSpecified, "channels.sms.allow_marketing": true, "channels.sms.allow_transactional": true}},
		{name: "invalid optin", in: identify(``, `"integrations":{"Ometria":{"marketingOptin":"yes"}}`), reason: ReasonInvalidMarketingOptin, field: "integrations.Ometria.marketingOptin"},
		{name: "explicit false wins over true default", s: &optedIn, in: identify(``, `"integrations":{"Ometria":{"allowMarketing":false,"allow_transactional":false}}`), want: map[string]any{"channels.sms.allow_marketing": false, "channels.sms.allow_transactional": false}},
		{name: "snake case sms keys", in: identify(``, `"integrations":{"Ometria":{"allow_marketing":true,"allowTransactional":"true"}}`), want: map[string]any{"channels.sms.allow_marketing": true, "channels.sms.allow_transactional": true}},
		{name: "sms dates", in: identify(``, `"integrations":{"Ometria":{"dt_updated_marketing":"2024-01-01T00:00:00Z","dt_updated_transactional":"bad"}}`), want: map[string]any{"channels.sms.dt_updated_marketing": "2024-01-01T00:00:00Z", "channels.sms.dt_updated_transactional": absent}, warn: []string{"invalid_timestamp: integrations.Ometria.dt_updated_transactional"}},
		{name: "sms bad boolean keeps default", in: identify(``, `"integrations":{"Ometria":{"allowMarketing":"maybe"}}`), want: map[string]any{"channels.sms.allow_marketing": false}, warn: []string{"invalid_value: integrations.Ometria.allowMarketing"}},
		// properties
		{name: "custom_fields become properties", in: identify(`"custom_fields":{"tier":"gold","n":1},"plan":"club"`), want: map[string]any{"properties": js(`{"tier":"gold","n":1}`)}},
		{name: "other traits become properties", in: identify(`"plan":"club","n":{"a":[1]},"gone":null`, `"context":{"traits":{"plan":"shadowed","extra":true,"email":"x@y.co"}}`), want: map[string]any{"properties": js(`{"plan":"club","n":{"a":[1]},"extra":true}`)}},
		{name: "escaped keys survive", in: identify(`"say \"hi\"":"a\u00e9\n"`), want: map[string]any{"properties": js(`{"say \"hi\"":"a\u00e9\n"}`)}},
		{name: "top-level nulls dropped", in: identify(`"firstName":null,"first_name":"Ada","prefix":null`), want: map[string]any{"firstname": "Ada", "prefix": absent}},
	})
}

func TestContactFieldMappings(t *testing.T) {
	s := Settings{Name: "acme", PhoneRegion: "GB", FieldMappings: []FieldMapping{
		{From: "context.traits.mobile", To: "phone_number"},
		{From: "traits.loyalty.tier", To: "loyalty_tier"},
		{From: "traits.surname", To: "lastname"},
		{From: "traits.points", To: "properties.points_balance"},
		{From: "properties.ignored", To: "x", Record: TypeOrder},
	}}
	runCases(t, []mcase{
		{name: "built-in target normalised at top level", s: &s,
			in:   identify(`"loyalty":{"tier":"gold"},"surname":"Byron","lastName":"Lovelace","points":12,"keep":1`, `"context":{"traits":{"mobile":"07911 123456"}}`),
			want: map[string]any{"phone_number": "+447911123456", "lastname": "Byron", "properties": js(`{"keep":1,"loyalty_tier":"gold","points_balance":12}`)}},
		{name: "absent source falls back to the table", s: &s, in: identify(`"lastName":"Lovelace","phone":"+447911123457"`),
			want: map[string]any{"lastname": "Lovelace", "phone_number": "+447911123457", "properties": absent}},
		{name: "mapping into properties wins over custom_fields", s: &s, in: identify(`"custom_fields":{"loyalty_tier":"old","a":1},"loyalty":{"tier":"new"}`),
			want: map[string]any{"properties": js(`{"a":1,"loyalty_tier":"new"}`)}},
		{name: "invalid mapped phone warns with the path", s: &s, in: identify(``, `"context":{"traits":{"mobile":"nope"}}`),
			want: map[string]any{"phone_number": absent}, warn: []string{"invalid_phone: context.traits.mobile"}},
	})
}

// FuzzNameParts checks nameParts against the words of bytes.Fields, which it replaces
// to split a name without allocating.
func FuzzNameParts(f *testing.F) {
	for _, s := range []string{"", "Ada", " Ada  Lovelace ", "Ada King Byron Lovelace", "a\u00a0b\u2003c", "\xff \xfe", "  ", "x\t\ny"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first, middle, last := nameParts([]byte(s))
		var wf, wm, wl []byte
		words := bytes.Fields([]byte(s))
		switch n := len(words); {
		case n == 1:
			wf = words[0]
		case n == 2:
			wf, wl = words[0], words[1]
		case n >= 3:
			wf, wl = words[0], words[n-1]
			wm = bytes.Join(words[1:n-1], []byte(" "))
		}
		if !bytes.Equal(first, wf) || !bytes.Equal(middle, wm) || !bytes.Equal(last, wl) {
			t.Fatalf("nameParts(%q) = %q, %q, %q; want %q, %q, %q", s, first, middle, last, wf, wm, wl)
		}
	})
}
