package mapper

import "testing"

// TestTraitPrecedence: a field read under several spellings reads every traits.*
// spelling before any context.traits.* one (RudderStack's order), so that the SDK's
// cached context.traits cannot beat the event's own traits.
func TestTraitPrecedence(t *testing.T) {
	ctx := func(traits, context string) string {
		return `{"type":"identify","userId":"u1","traits":{"email":"a@example.com","listingId":"l1",` + traits + `},"context":{"traits":{` + context + `}}}`
	}
	runCases(t, []mcase{
		{name: "last name", in: ctx(`"last_name":"Newman"`, `"lastName":"Oldham"`), want: map[string]any{"lastname": "Newman", "properties": absent}},
		{name: "first name", in: ctx(`"firstname":"Ada"`, `"firstName":"Augusta"`), want: map[string]any{"firstname": "Ada"}},
		{name: "middle name", in: ctx(`"middle_name":"King"`, `"middleName":"Byron"`), want: map[string]any{"middlename": "King"}},
		{name: "phone", in: ctx(`"phone":"+447911123456"`, `"phoneNumber":"+33612345678"`), want: map[string]any{"phone_number": "+447911123456"}},
		{name: "date of birth", in: ctx(`"birthday":"1990-01-02"`, `"dateOfBirth":"1980-03-04"`), want: map[string]any{"date_of_birth": "1990-01-02"}},
		{name: "acquisition time", in: ctx(`"createdAt":"2024-01-02T03:04:05Z"`, `"timestampAcquired":"2020-01-01T00:00:00Z"`), want: map[string]any{"timestamp_acquired": "2024-01-02T03:04:05Z"}},
		{name: "the first spelling still wins within traits", in: ctx(`"lastName":"A","last_name":"B"`, `"lastName":"C"`), want: map[string]any{"lastname": "A"}},
		{name: "context.traits when traits has none", in: ctx(`"plan":"x"`, `"last_name":"Oldham"`), want: map[string]any{"lastname": "Oldham"}},
	})
}

// TestCustomerNamePrecedence: the order's customer names read traits before context.traits.
func TestCustomerNamePrecedence(t *testing.T) {
	runCases(t, []mcase{
		{name: "last name", in: order(``, `"traits":{"email":"a@b.co","last_name":"Newman"}`, `"context":{"traits":{"lastName":"Oldham","firstName":"Ada"}}`),
			want: map[string]any{"customer": js(`{"id":"u-1","email":"a@b.co","firstname":"Ada","lastname":"Newman"}`)}},
		{name: "first name", in: order(``, `"traits":{"email":"a@b.co","firstname":"Ada"}`, `"context":{"traits":{"first_name":"Augusta"}}`),
			want: map[string]any{"customer.firstname": "Ada"}},
	})
}
