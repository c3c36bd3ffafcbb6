//go:build reliability

package reliability

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The seed corpus of the mapper's fuzz targets, checked into mapper/testdata/fuzz: go
// test runs every entry as a test case, and make fuzz-ci fuzzes from them. It holds the
// golden events, realistic events of each kind and small versions of the poison suite's
// hostile inputs.
const fuzzCorpusDir = "../mapper/testdata/fuzz"

// fuzzSeeds returns the corpus entries by file name. The entries of poison cases with a
// known bug are left out of FuzzMap's corpus, where go test would fail on them (their
// records do not decode): they are in FuzzScan's, and the poison suite reports them.
func fuzzSeeds(t *testing.T, target string) map[string][]byte {
	t.Helper()
	seeds := map[string][]byte{}
	golden, err := filepath.Glob("../mapper/testdata/golden/*.json")
	if err != nil || len(golden) == 0 {
		t.Fatalf("the golden events: %v", err)
	}
	for _, g := range golden {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		seeds["golden-"+strings.TrimSuffix(filepath.Base(g), ".json")] = b
	}
	tps, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	// The first events of each kind of the benchmark set.
	kinds := map[string]int{}
	for _, tp := range tps {
		kind := "custom-event"
		switch {
		case strings.Contains(string(tp.raw), `"type":"identify"`):
			kind = "identify"
		case strings.Contains(string(tp.raw), `"event":"Order Completed"`):
			kind = "order"
		}
		if kinds[kind] < 5 {
			kinds[kind]++
			seeds[fmt.Sprintf("event-%s-%d", kind, kinds[kind])] = tp.raw
		}
	}
	for _, p := range poisons() {
		name, v := "poison-"+slug(p.name), p.value
		switch {
		case len(v) > 1<<20: // 10 MB: the same shape at 70 KB, still over the record limit
			name, v = strings.Replace(name, "10-mb", "70-kb", 1), append(v[:70_000:70_000], v[len(v)-3:]...)
		case len(v) > 100_000: // the deep and the many: at 1,000 below
			continue
		case p.bug != "" && target == "FuzzMap":
			continue
		}
		seeds[name] = v
	}
	// Smaller versions of the deep and the many: 1,000 levels, 1,000 keys. (A valid object
	// nested deeper than the scanner's limit is left out: FuzzScan's oracle only excuses
	// arrays nested that deep.)
	seeds["poison-1000-deep-arrays"] = []byte(nested("[", "]", 1000, ""))
	seeds["poison-1000-deep-objects-unclosed"] = []byte(identify("deep", `,"x":`+nested(`{"x":`, "", 1000, "1")))
	seeds["poison-1000-keys-in-traits"] = []byte(identify("keys", `,"extra":`+manyKeys(1000)))
	seeds["poison-1000-keys-at-the-top-level"] = []byte(strings.Replace(identify("topkeys", ""), `{"type"`, `{"extra":`+manyKeys(1000)+`,"type"`, 1))
	seeds["poison-lone-surrogate"] = []byte(identify("surrogate", `,"nick":"\ud800"`))
	seeds["batch-mixed"] = []byte(`{"batch":[` + identify("b1", "") + `,7,{"type":"identify"},null,` + identify("b2", `,"email":""`) + `]}`)
	return seeds
}

// slug makes a file name of a case name.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// corpusFile is a fuzz corpus entry of one []byte argument, as go test writes them.
func corpusFile(v []byte) []byte {
	return []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", v))
}

// TestFuzzCorpus checks that mapper/testdata/fuzz/FuzzMap and FuzzScan hold exactly the
// seed corpus above; RELIABILITY_WRITE_FUZZ_CORPUS=1 writes it.
func TestFuzzCorpus(t *testing.T) {
	write := os.Getenv("RELIABILITY_WRITE_FUZZ_CORPUS") != ""
	for _, target := range []string{"FuzzMap", "FuzzScan"} {
		seeds := fuzzSeeds(t, target)
		dir := filepath.Join(fuzzCorpusDir, target)
		if write {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, v := range seeds {
				if err := os.WriteFile(filepath.Join(dir, name), corpusFile(v), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("wrote %d entries into %s", len(seeds), dir)
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("%v (RELIABILITY_WRITE_FUZZ_CORPUS=1 writes the corpus)", err)
		}
		var have []string
		for _, e := range entries {
			have = append(have, e.Name())
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if v, ok := seeds[e.Name()]; ok && string(b) != string(corpusFile(v)) {
				t.Errorf("%s/%s differs from its seed (RELIABILITY_WRITE_FUZZ_CORPUS=1 writes it again)", dir, e.Name())
			}
		}
		for name := range seeds {
			if !slices.Contains(have, name) {
				t.Errorf("%s has no %s (RELIABILITY_WRITE_FUZZ_CORPUS=1 writes it)", dir, name)
			}
		}
		for _, name := range have {
			if _, ok := seeds[name]; !ok {
				t.Errorf("%s/%s is not a seed: a crasher the fuzzer found? Fix the bug, or add it to fuzzSeeds", dir, name)
			}
		}
	}
}
