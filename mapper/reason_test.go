package mapper

import (
	"slices"
	"testing"

	"github.com/kafka-ometria/kafka-ometria/internal/goconst"
)

// TestCodeListsComplete checks Reasons, SkipReasons and WarningCodes against the
// constants declared in reason.go, and Types against those of mapper.go, so that a new code cannot be left out of its list
// (the processor creates a metric series at 0 for each, and Known reads Reasons).
func TestCodeListsComplete(t *testing.T) {
	str := func(rs []Reason) []string {
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = string(r)
		}
		return out
	}
	for prefix, list := range map[string][]string{"Reason": str(Reasons()), "Skip": str(SkipReasons()), "Warn": WarningCodes()} {
		declared, err := goconst.Strings("reason.go", prefix)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(list, declared) {
			t.Errorf("the %s* constants are %v; their list says %v", prefix, declared, list)
		}
	}
	declared, err := goconst.Strings("mapper.go", "Type")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Sort(declared); !slices.Equal(Types(), declared) {
		t.Errorf("the Type* constants, sorted, are %v; Types says %v", declared, Types())
	}
}
