package mapper

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// FuzzMap: no input panics; every record is valid JSON with its @type and a non-empty
// id and fits Ometria's size limit, and every number in it, those copied as they are into
// properties included, is within the range of a double: the record decodes with
// encoding/json into interface{}; the emulator accepts every product; every dead letter
// carries a known reason; every skip a skip reason. The corpus starts from the golden
// inputs and the benchmark events.
func FuzzMap(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/golden/*.json")
	for _, in := range inputs {
		if b, err := os.ReadFile(in); err == nil {
			f.Add(b)
		}
	}
	for _, e := range benchEvents(f)[:40] {
		f.Add(e)
	}
	f.Add([]byte(`{"batch":[{"type":"identify"},1,{"type":"track","event":"order cancelled","properties":{"order_id":"x"}}]}`))
	f.Add([]byte(`{"type":"track","event":"product updated","properties":{"product_id":1.5e3,"stock":"1e400","listings":[{"store":1,"price":"2"}],"attributes":[{"id":1,"type":"t","label":"l"}]}}`))
	f.Add([]byte(`{"type":"track","event":"x","messageId":"m","timestamp":"2024-05-01T08:00:00Z","traits":{"email":"a@b.co"},"type":"identify"}`))
	f.Add([]byte(`{"type":"track","event":"viewed","messageId":"m","timestamp":"2024-05-01T08:00:00Z","traits":{"email":"a@b.co"},"properties":{"big":1e400,"ok":1,"a":{"b":[1e400,-2e308]},"x":{"c":1E+309}}}`))
	f.Add([]byte(`{"type":"identify","userId":"u","traits":{"email":"a@b.co","listingId":"l","big":-1e400,"addToLists":[1e400,"x"],"removeFromLists":1e400,"custom_fields":{"n":[1e999]}}}`))
	f.Add([]byte(`{"type":"track","event":"order completed","userId":"u","timestamp":"2024-05-01T08:00:00Z","traits":{"email":"a@b.co"},"properties":{"order_id":"o","total":1,"currency":"GBP","big":1e400,` +
		`"products":[{"product_id":"p","quantity":1,"price":1,"x":1e400,"totals":{"t":1e400}},{"product_id":"q","quantity":1,"price":1,"properties":{"y":[1e400]}}]}}`))
	mapped := FieldMapping{From: "traits.a.0.b", To: "phone_number"}
	accounts := []*Account{}
	for _, s := range []Settings{
		{Name: "acme", PhoneRegion: "GB"},
		{Name: "keep", KeepEventCase: true, AllowPIIInIDs: true, DeadLetterUnsupported: true, FieldMappings: []FieldMapping{mapped, {From: "properties.x", To: "y", Record: TypeOrder}}},
		{Name: "shop", DeriveProducts: true, DeriveProductsInterval: 1, ProductEvents: []string{"x"}, FieldMappings: []FieldMapping{
			{From: "properties.a", To: "price", Record: TypeProduct}, {From: "properties.b.0", To: "listings", Record: TypeProduct},
			{From: "properties.c", To: "@merge", Record: TypeProduct}, {From: "properties.d", To: "is_in_stock", Record: TypeProduct}}},
	} {
		a, err := NewAccount(s)
		if err != nil {
			f.Fatal(err)
		}
		accounts = append(accounts, a)
	}
	products := newProductChecker()
	f.Fuzz(func(t *testing.T, in []byte) {
		var m Mapper
		for _, acct := range accounts {
			outs := m.Map(in, acct)
			if len(outs) == 0 {
				t.Fatalf("no outcome for %q", in)
			}
			for _, o := range outs {
				switch o.Kind {
				case Mapped:
					var rec map[string]any
					dec := json.NewDecoder(bytes.NewReader(o.Record.JSON))
					dec.UseNumber() // to name a number out of range below, rather than fail here
					if err := dec.Decode(&rec); err != nil || dec.More() {
						t.Fatalf("invalid record JSON %q: %v", o.Record.JSON, err)
					}
					id, _ := rec["id"].(string)
					if rec["@type"] != o.Record.Type || id == "" || id != o.Record.ID {
						t.Fatalf("record without @type or id: %s", o.Record.JSON)
					}
					if len(o.Record.JSON) > MaxRecordSize {
						t.Fatalf("record over the size limit")
					}
					if p := infiniteNumber(rec, ""); p != "" {
						t.Fatalf("%s is outside the range of a double: %s", p, o.Record.JSON)
					}
					if err := json.Unmarshal(o.Record.JSON, new(any)); err != nil {
						t.Fatalf("encoding/json cannot decode the record %s: %v", o.Record.JSON, err)
					}
					if o.Record.Type == TypeProduct {
						if msg := products.refuses(o.Record); msg != "" {
							t.Fatalf("the emulator refuses %s: %s (for %q)", o.Record.JSON, msg, in)
						}
					}
				case DeadLetter:
					if o.Err == nil || !o.Err.Reason.Known() {
						t.Fatalf("dead letter without a known reason: %+v", o.Err)
					}
				case Skipped:
					if o.Skip != SkipUnsupportedType && o.Skip != SkipFilteredEvent && o.Skip != SkipEmptyBatch {
						t.Fatalf("unknown skip reason %q", o.Skip)
					}
				default:
					t.Fatalf("outcome of kind %v", o.Kind)
				}
			}
		}
	})
}

// infiniteNumber returns the path of a number of v that overflows a double; "" when there
// is none.
func infiniteNumber(v any, path string) string {
	switch x := v.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(x), 64); err != nil {
			return path
		}
	case map[string]any:
		for k, e := range x {
			if p := infiniteNumber(e, path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		for i, e := range x {
			if p := infiniteNumber(e, path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	}
	return ""
}
