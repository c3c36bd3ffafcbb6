package mapper

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzMap: no input panics; every record is valid JSON with its @type and a non-empty
// id and fits Ometria's size limit; every dead letter carries a known reason; every skip
// a skip reason. The corpus starts from the golden inputs and the benchmark events.
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
	mapped := FieldMapping{From: "traits.a.0.b", To: "phone_number"}
	accounts := []*Account{}
	for _, s := range []Settings{
		{Name: "acme", PhoneRegion: "GB"},
		{Name: "keep", KeepEventCase: true, AllowPIIInIDs: true, DeadLetterUnsupported: true, FieldMappings: []FieldMapping{mapped, {From: "properties.x", To: "y", Record: TypeOrder}}},
	} {
		a, err := NewAccount(s)
		if err != nil {
			f.Fatal(err)
		}
		accounts = append(accounts, a)
	}
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
					if err := json.Unmarshal(o.Record.JSON, &rec); err != nil {
						t.Fatalf("invalid record JSON %q: %v", o.Record.JSON, err)
					}
					id, _ := rec["id"].(string)
					if rec["@type"] != o.Record.Type || id == "" || id != o.Record.ID {
						t.Fatalf("record without @type or id: %s", o.Record.JSON)
					}
					if len(o.Record.JSON) > MaxRecordSize {
						t.Fatalf("record over the size limit")
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
