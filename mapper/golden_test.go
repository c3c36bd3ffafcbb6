package mapper

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden from the mapper's output, and tznames.go from time/tzdata")

// goldenSettings is the account the golden files are mapped for.
var goldenSettings = Settings{
	Name:        "acme",
	PhoneRegion: "GB",
	Collection:  "example-store",
	FieldMappings: []FieldMapping{
		{From: "traits.loyalty.tier", To: "loyalty_tier"}, {From: "context.traits.loyalty.tier", To: "loyalty_tier"},
		{From: "properties.item.sku", To: "id", Record: TypeProduct}, {From: "properties.item.label", To: "title", Record: TypeProduct},
		{From: "properties.item.pricing.amount", To: "price", Record: TypeProduct}, {From: "properties.item.pricing.currency", To: "currency", Record: TypeProduct},
		{From: "properties.item.availability.units", To: "is_in_stock", Record: TypeProduct},
	},
	OrderEvents:    map[string]string{"order refunded": "refunded"},
	ProductEvents:  []string{"PIM Item Published"},
	DeriveProducts: true,
	MarketingOptin: OptedOut,
}

// TestGolden maps complete, realistic events (a web SDK identify, a server-side order, an
// e-commerce flow in a batch envelope) and compares every outcome with its .golden file.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/golden/*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	acct, err := NewAccount(goldenSettings)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			raw, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var m Mapper
			got := renderOutcomes(t, m.Map(raw, acct))
			golden := strings.TrimSuffix(in, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./mapper -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the mapper's output:\n%s", golden, got)
			}
		})
	}
}

// renderOutcomes prints outcomes in a stable, readable form.
func renderOutcomes(t *testing.T, outs []Outcome) []byte {
	var b bytes.Buffer
	for _, o := range outs {
		fmt.Fprintf(&b, "# event %d: %s", o.Index, o.Kind)
		switch o.Kind {
		case Mapped:
			fmt.Fprintf(&b, " %s %s (account %s)\n", o.Record.Type, o.Record.ID, o.Record.Account)
			for _, w := range o.Warnings {
				fmt.Fprintf(&b, "# warning %s\n", w)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, o.Record.JSON, "", "  "); err != nil {
				t.Fatalf("record is not JSON: %v", err)
			}
			b.Write(pretty.Bytes())
			b.WriteByte('\n')
		case DeadLetter:
			fmt.Fprintf(&b, " %s\n", o.Err)
		case Skipped:
			fmt.Fprintf(&b, " %s\n", o.Skip)
		}
	}
	return b.Bytes()
}
