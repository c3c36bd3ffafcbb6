package ometriatest

import (
	"encoding/json"
	"testing"
)

func TestUpsert(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    Config
		pushes []string
		typ    string
		coll   string
		id     string
		want   string // the stored record; "" = not stored
	}{
		{
			name:   "new record stored as sent",
			pushes: []string{`{"@type":"contact","id":"c1","email":"a@x.io","properties":{"n":1.50}}`},
			typ:    "contact", id: "c1",
			want: `{"@type":"contact","email":"a@x.io","id":"c1","properties":{"n":1.50}}`,
		},
		{
			name: "two partial pushes merge",
			pushes: []string{`{"@type":"contact","id":"c1","email":"a@x.io","firstname":"Ann"}`,
				`{"@type":"contact","id":"c1","lastname":"Lee","firstname":"Anne"}`},
			typ: "contact", id: "c1",
			want: `{"@type":"contact","email":"a@x.io","firstname":"Anne","id":"c1","lastname":"Lee"}`,
		},
		{
			name: "nested objects replaced whole",
			pushes: []string{`{"@type":"contact","id":"c1","email":"a@x.io","properties":{"a":1}}`,
				`{"@type":"contact","id":"c1","properties":{"b":2}}`},
			typ: "contact", id: "c1",
			want: `{"@type":"contact","email":"a@x.io","id":"c1","properties":{"b":2}}`,
		},
		{
			name: "contacts keyed by collection",
			pushes: []string{`{"@type":"contact","id":"c1","@collection":"uk","email":"uk@x.io"}`,
				`{"@type":"contact","id":"c1","@collection":"fr","email":"fr@x.io"}`},
			typ: "contact", coll: "uk", id: "c1",
			want: `{"@collection":"uk","@type":"contact","email":"uk@x.io","id":"c1"}`,
		},
		{
			name:   "contact without collection",
			pushes: []string{`{"@type":"contact","id":"c1","@collection":"uk","email":"uk@x.io"}`},
			typ:    "contact", id: "c1",
		},
		{
			name:   "collection ignored for other types",
			pushes: []string{`{"@type":"product","id":"p1","@collection":"uk","title":"Hat"}`},
			typ:    "product", id: "p1",
			want: `{"@collection":"uk","@type":"product","id":"p1","title":"Hat"}`,
		},
		{
			name:   "types keyed apart",
			pushes: []string{`{"@type":"product","id":"x","title":"Hat"}`, `{"@type":"order","id":"x","timestamp":"2024-05-01T09:00:00Z","grand_total":1}`},
			typ:    "product", id: "x",
			want: `{"@type":"product","id":"x","title":"Hat"}`,
		},
		{
			name: "nulls ignored",
			pushes: []string{`{"@type":"contact","id":"c1","email":"a@x.io","firstname":"Ann","lastname":null}`,
				`{"@type":"contact","id":"c1","firstname":null,"properties":{"a":null,"b":[{"c":null}]}}`},
			typ: "contact", id: "c1",
			want: `{"@type":"contact","email":"a@x.io","firstname":"Ann","id":"c1","properties":{"b":[{}]}}`,
		},
		{
			name: "NullClears",
			cfg:  Config{NullClears: true},
			pushes: []string{`{"@type":"contact","id":"c1","email":"a@x.io","firstname":"Ann"}`,
				`{"@type":"contact","id":"c1","firstname":null,"properties":{"a":null}}`},
			typ: "contact", id: "c1",
			want: `{"@type":"contact","email":"a@x.io","id":"c1","properties":{}}`,
		},
		{
			name: "NullClears cannot clear a required field",
			cfg:  Config{NullClears: true},
			pushes: []string{`{"@type":"contact","id":"c1","email":"a@x.io"}`,
				`{"@type":"contact","id":"c1","email":null}`},
			typ: "contact", id: "c1",
			want: `{"@type":"contact","email":"a@x.io","id":"c1"}`,
		},
		{
			name: "order cancelled by a partial push",
			pushes: []string{`{"@type":"order","id":"o1","timestamp":"2024-05-01T09:00:00Z","grand_total":10,"status":"complete","is_valid":true}`,
				`{"@type":"order","id":"o1","status":"cancelled","is_valid":false}`},
			typ: "order", id: "o1",
			want: `{"@type":"order","grand_total":10,"id":"o1","is_valid":false,"status":"cancelled","timestamp":"2024-05-01T09:00:00Z"}`,
		},
		{
			name:   "@merge stored like any field",
			pushes: []string{`{"@type":"product","id":"p1","title":"Hat","@merge":true}`, `{"@type":"product","id":"p1","is_in_stock":false,"@merge":false}`},
			typ:    "product", id: "p1",
			want: `{"@merge":false,"@type":"product","id":"p1","is_in_stock":false,"title":"Hat"}`,
		},
		{
			name:   "rejected record not stored",
			pushes: []string{`{"@type":"contact","id":"c1","email":"nope"}`},
			typ:    "contact", id: "c1",
		},
		{
			name:   "same id twice in one push",
			pushes: []string{`{"@type":"contact","id":"c1","email":"a@x.io"},{"@type":"contact","id":"c1","lastname":"Lee"}`},
			typ:    "contact", id: "c1",
			want: `{"@type":"contact","email":"a@x.io","id":"c1","lastname":"Lee"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := New(unlimited(tt.cfg), testAccounts...)
			for _, p := range tt.pushes {
				if r := push(e, acmeKey, "["+p+"]"); r.status != 200 {
					t.Fatalf("push %s: %d %s", p, r.status, r.body)
				}
			}
			got, ok := e.Record("acme", tt.typ, tt.coll, tt.id)
			if tt.want == "" {
				if ok {
					t.Fatalf("stored %s, want nothing", got)
				}
				return
			}
			if !ok || string(got) != tt.want {
				t.Fatalf("stored %s (%v), want %s", got, ok, tt.want)
			}
			if _, ok := e.Record("other", tt.typ, tt.coll, tt.id); ok {
				t.Errorf("the record leaked to another account")
			}
		})
	}
}

func TestRecordsSorted(t *testing.T) {
	t.Parallel()
	e := New(unlimited(Config{AllowMixedTypes: true}), testAccounts...)
	push(e, acmeKey, arr(`{"@type":"product","id":"b","title":"B"}`, `{"@type":"product","id":"a","title":"A"}`,
		`{"@type":"contact","id":"z","email":"z@x.io"}`, `{"@type":"contact","id":"z","@collection":"uk","email":"z@x.io"}`))
	var got []string
	for _, r := range e.Records("acme") {
		got = append(got, r.Type+"/"+r.Collection+"/"+r.ID)
		if !json.Valid(r.JSON) {
			t.Errorf("invalid JSON %s", r.JSON)
		}
	}
	want := []string{"contact//z", "contact/uk/z", "product//a", "product//b"}
	if len(got) != len(want) {
		t.Fatalf("records %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("records %v, want %v", got, want)
		}
	}
	if e.Records("other") == nil || len(e.Records("other")) != 0 || e.Records("nobody") != nil {
		t.Errorf("Records of an empty or unknown account")
	}
}
