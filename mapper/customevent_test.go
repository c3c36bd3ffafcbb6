package mapper

import "testing"

func TestCustomEvent(t *testing.T) {
	keep := Settings{Name: "acme", KeepEventCase: true, SkipEvents: []string{" Page Viewed "}}
	runCases(t, []mcase{
		{name: "minimal", in: track(" Product Viewed ", `"sku":"s1","price":3`), typ: TypeCustomEvent, want: map[string]any{
			"id": "m-1", "event_type": "product viewed", "timestamp": "2024-05-01T08:00:00.143Z",
			"identity_email": "ada@example.com", "identity_account_id": "u-1", "properties": js(`{"sku":"s1","price":3}`),
		}},
		{name: "keep case", s: &keep, in: track(" Product Viewed ", ``), want: map[string]any{"event_type": "Product Viewed"}},
		{name: "unicode name lower-cased", in: track("Über Ansicht", ``), want: map[string]any{"event_type": "über ansicht"}},
		{name: "event_id wins", in: track("x", `"event_id":"e-7"`), want: map[string]any{"id": "e-7", "properties": absent}},
		{name: "event id with space", in: track("x", `"event_id":"e 7"`), reason: ReasonInvalidID},
		{name: "missing timestamp", in: track("x", ``, `"timestamp":""`), reason: ReasonInvalidTimestamp},
		{name: "email from properties", in: track("x", `"email":"p@example.com"`, `"context":{}`), want: map[string]any{"identity_email": "p@example.com", "properties": absent}},
		{name: "traits email wins", in: track("x", `"email":"p@example.com"`), want: map[string]any{"identity_email": "ada@example.com"}},
		{name: "missing email", in: track("x", ``, `"context":{}`), reason: ReasonMissingEmail},
		{name: "no user id", in: track("x", ``, `"userId":null`), want: map[string]any{"identity_account_id": absent}},
		{name: "profile id", in: track("x", `"profile_id":"p-1"`), want: map[string]any{"profile_id": "p-1", "properties": absent}},
		{name: "custom_fields", in: track("x", `"custom_fields":{"a":1},"b":2`), want: map[string]any{"properties": js(`{"a":1}`)}},
		{name: "filtered event skipped", s: &keep, in: track("page viewed", ``), skip: SkipFilteredEvent},
		{name: "order names are not custom events", in: track("Order Completed", ``), reason: ReasonMissingOrderID},
	})
}

func TestEnvelope(t *testing.T) {
	deadLetterOthers := Settings{Name: "acme", DeadLetterUnsupported: true}
	runCases(t, []mcase{
		{name: "page skipped", in: `{"type":"page","name":"Home"}`, skip: SkipUnsupportedType},
		{name: "screen skipped", in: `{"type":"screen"}`, skip: SkipUnsupportedType},
		{name: "group skipped", in: `{"type":"group"}`, skip: SkipUnsupportedType},
		{name: "alias skipped", in: `{"type":"alias"}`, skip: SkipUnsupportedType},
		{name: "unknown type skipped", in: `{"type":"mystery"}`, skip: SkipUnsupportedType},
		{name: "type is case-insensitive", in: `{"type":"IDENTIFY","traits":{"email":"a@b.co","listingId":"l"}}`, typ: TypeContact},
		{name: "page dead-lettered on request", s: &deadLetterOthers, in: `{"type":"page"}`, reason: ReasonUnsupportedType, field: "type"},
		{name: "invalid json", in: `{"type":"identify"`, reason: ReasonInvalidJSON},
		{name: "trailing garbage", in: `{"type":"identify"} x`, reason: ReasonInvalidJSON},
		{name: "not utf-8", in: "{\"type\":\"identify\",\"traits\":{\"email\":\"\xff\"}}", reason: ReasonInvalidJSON},
		{name: "empty", in: ``, reason: ReasonInvalidJSON},
		{name: "array", in: `[{"type":"identify"}]`, reason: ReasonNotAnObject},
		{name: "string", in: `"hello"`, reason: ReasonNotAnObject},
		{name: "missing type", in: `{"event":"x"}`, reason: ReasonMissingType, field: "type"},
		{name: "type not a string", in: `{"type":7}`, reason: ReasonMissingType},
		{name: "missing event name", in: `{"type":"track","properties":{}}`, reason: ReasonMissingEventName, field: "event"},
		{name: "event name not a string", in: `{"type":"track","event":{"name":"x"}}`, reason: ReasonMissingEventName},
		{name: "blank event name", in: `{"type":"track","event":"  "}`, reason: ReasonMissingEventName},
		{name: "empty batch", in: `{"batch":[]}`, skip: SkipEmptyBatch},
	})
}

func TestBatchEnvelope(t *testing.T) {
	acct, _ := NewAccount(defaultSettings)
	in := `{"batch":[` + identify("") + `,{"type":"page"},7,` + track("x", ``, `"context":{}`) + `,` + order("") + `]}`
	var m Mapper
	outs := m.Map([]byte(in), acct)
	want := []struct {
		kind Kind
		what string
	}{{Mapped, TypeContact}, {Skipped, string(SkipUnsupportedType)}, {DeadLetter, string(ReasonNotAnObject)}, {DeadLetter, string(ReasonMissingEmail)}, {Mapped, TypeOrder}}
	if len(outs) != len(want) {
		t.Fatalf("got %d outcomes, want %d", len(outs), len(want))
	}
	for i, w := range want {
		o := outs[i]
		got := o.Record.Type
		switch o.Kind {
		case Skipped:
			got = string(o.Skip)
		case DeadLetter:
			got = string(o.Err.Reason)
		}
		if o.Index != i || o.Kind != w.kind || got != w.what {
			t.Errorf("outcome %d = index %d %v %s, want %v %s", i, o.Index, o.Kind, got, w.kind, w.what)
		}
	}
	if string(outs[2].Event) != "7" {
		t.Errorf("dead letter of element 2 carries %q, want the element itself", outs[2].Event)
	}
}

func TestUnknownAccount(t *testing.T) {
	var m Mapper
	outs := m.Map([]byte(identify("")), nil)
	if len(outs) != 1 || outs[0].Kind != DeadLetter || outs[0].Err.Reason != ReasonUnknownAccount {
		t.Fatalf("got %+v, want an unknown_account dead letter", outs)
	}
}

func TestRecordTooLarge(t *testing.T) {
	acct, _ := NewAccount(defaultSettings)
	big := make([]byte, MaxRecordSize)
	for i := range big {
		big[i] = 'a'
	}
	var m Mapper
	outs := m.Map([]byte(identify(`"custom_fields":{"blob":"`+string(big)+`"}`)), acct)
	if outs[0].Kind != DeadLetter || outs[0].Err.Reason != ReasonRecordTooLarge {
		t.Fatalf("got %v %v, want record_too_large", outs[0].Kind, outs[0].Err)
	}
	// Just under the limit is fine.
	small := big[:MaxRecordSize-400]
	outs = m.Map([]byte(identify(`"custom_fields":{"blob":"`+string(small)+`"}`)), acct)
	if outs[0].Kind != Mapped || len(outs[0].Record.JSON) > MaxRecordSize {
		t.Fatalf("got %v %v (%d bytes), want a record", outs[0].Kind, outs[0].Err, len(outs[0].Record.JSON))
	}
}

func TestWarningsDoNotLeakBetweenOutcomes(t *testing.T) {
	acct, _ := NewAccount(defaultSettings)
	// The first event warns and then fails; its warnings must not reach the second.
	in := `{"batch":[` + identify(`"gender":"x","email":7`) + `,` + identify(`"gender":"y"`) + `]}`
	var m Mapper
	outs := m.Map([]byte(in), acct)
	if len(outs[0].Warnings) != 0 || len(outs[1].Warnings) != 1 || outs[1].Warnings[0].Code != WarnInvalidValue {
		t.Fatalf("warnings: %v / %v", outs[0].Warnings, outs[1].Warnings)
	}
}

func TestRecordJSONIsOwned(t *testing.T) {
	acct, _ := NewAccount(defaultSettings)
	var m Mapper
	first := m.Map([]byte(identify(`"firstName":"Ada"`)), acct)[0].Record.JSON
	keep := string(first)
	m.Map([]byte(identify(`"firstName":"Bob"`)), acct)
	if string(first) != keep {
		t.Fatal("a later Map call changed an earlier record")
	}
}
