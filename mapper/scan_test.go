package mapper

import (
	"encoding/json"
	"strings"
	"testing"
)

var scanCorpus = []string{
	`{}`, `[]`, `{"a":1}`, `{"a":[1,2,{"b":null}],"c":true,"d":false,"e":"x"}`,
	` { "a" : [ ] , "b" : { } } `, `{"a":-0.5e+10}`, `{"a":1E2}`, `{"a":0}`, `{"a":-0}`,
	`{"a":"\u00e9\ud83d\ude00\n\t\"\\\/"}`, `{"a\"b":1}`, `"x"`, `1`, `true`, `null`,
	// invalid
	``, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`,
	`{"a":1e}`, `{"a":+1}`, `{"a":tru}`, `{"a":nul}`, `{"a":"\x"}`, `{"a":"\u12"}`,
	"{\"a\":\"\x01\"}", `{"a":"unterminated}`, `{a:1}`, `{"a":1}}`, `[1 2]`, `{"a":1 "b":2}`,
	`{"a":NaN}`, `{"a":Infinity}`, `{"a":'x'}`, `[` + strings.Repeat("[", 300) + strings.Repeat("]", 301),
	`{"a":"\uD800"}`, `{"a":-}`, `{"a":--1}`, `{"a":[}`, `{"a":{]}`,
	// the members parseEvent reads, valid and not
	`{"type":"identify","traits":{"a\"b":1,"email":"x"},"context":{"ip":"1","traits":{"id":2}},"integrations":{"Ometria":{}}}`,
	`{"properties":{"products":[{"sku":1},{"x":[{"id":1}]}],"custom_fields":{"a":{}}}}`,
	`{"traits":{"a":1,}}`, `{"context":{"traits":{"a":}}}`, `{"properties":[1,]}`, `{"context":{"ip":"x"} "a":1}`,
	`{"properties":{"products":[{"a":1},{"b":[}]}}`, `{"traits":{"a":1}`, `{"context":{"traits":{"a":1}}`, `{"traits" 1}`,
	// numbers outside the range of a double, which the scan notes, and numbers just inside
	`{"a":1e400}`, `[-1e999]`, `1E+309`, `{"a":1.7976931348623159e308}`, `{"a":1` + strings.Repeat("0", 309) + `}`,
	`{"traits":{"x":2e308}}`, `{"context":{"traits":{"x":[1e400]}}}`, `{"properties":{"products":[{"x":1e400}]}}`,
	`{"type":1e400}`, `{"x":{"y":-1e400}}`, `{"a":1e-400}`, `{"a":1.7976931348623157e308}`, `{"a":1` + strings.Repeat("0", 308) + `}`,
	`{"a":1` + strings.Repeat("0", 400) + `e-300}`, `{"a":0.` + strings.Repeat("0", 400) + `1}`, `{"a":1e0000000000000000000308}`,
}

// TestScanAgreesWithEncodingJSON: the hand-written scanner accepts exactly what
// encoding/json accepts (nesting aside: the scanner caps depth at maxDepth).
func TestScanAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range scanCorpus {
		checkScan(t, []byte(in))
	}
	for _, e := range benchEvents(t)[:200] {
		checkScan(t, e)
	}
}

func checkScan(t *testing.T, d []byte) {
	t.Helper()
	i := skipWS(d, 0)
	var big bool
	end, err := scanValue(d, i, 0, &big)
	ok := err == nil && skipWS(d, end) == len(d)
	want := json.Valid(d)
	if ok != want && !(want && strings.Count(string(d), "[") > maxDepth) {
		t.Errorf("scan(%q) ok=%v (%v), encoding/json says %v", d, ok, err, want)
	}
	// parseEvent, which validates with its own loops over the members it reads,
	// accepts exactly the valid objects.
	var ev event
	var a arena
	perr := parseEvent(d, &ev, &a)
	if isObj := ok && d[i] == '{'; (perr == nil) != isObj {
		t.Errorf("parseEvent(%q) = %v, scanValue ok=%v", d, perr, ok)
	}
	if !ok {
		return
	}
	// big says whether the value holds a number encoding/json cannot hold (one outside
	// the range of a double), and parseEvent notes the same of an event.
	if rangeErr := json.Unmarshal(d, new(any)) != nil; big != rangeErr {
		t.Errorf("scanValue(%q) noted a number out of range: %v, encoding/json fails: %v", d, big, rangeErr)
	}
	if d[i] == '{' && ev.outOfRange != big {
		t.Errorf("parseEvent(%q) noted a number out of range: %v, scanValue: %v", d, ev.outOfRange, big)
	}
	// skip, used on validated input, must find the same end.
	if e := skip(d, i); e != end {
		t.Errorf("skip(%q) = %d, scanValue = %d", d, e, end)
	}
}

func TestUnescapeAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range []string{`plain`, `a\"b`, `\\\/\b\f\n\r\t`, `\u00e9`, `\ud83d\ude00x`, `\ud800`, `\udc00\u0041`, `\ud83dx`, `\u0000`} {
		var want string
		if err := json.Unmarshal([]byte(`"`+s+`"`), &want); err != nil {
			t.Fatal(err)
		}
		if got := string(unescape(nil, []byte(s))); got != want {
			t.Errorf("unescape(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestAppendQuotedRoundTrips(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" back\\ slash", "ctl\x00\x1f\n\r\t", "é😀", "bad\xffutf8", "\u2028",
		"eight by", "sixteen bytes ok", "a longer plain string, then é", "0123456789abcdef\"", "01234567\x7f\x80", "0123456\\"} {
		q := appendQuoted(nil, s)
		var got string
		if err := json.Unmarshal(q, &got); err != nil {
			t.Fatalf("appendQuoted(%q) = %s: %v", s, q, err)
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if got != want {
			t.Errorf("round trip of %q = %q", s, got)
		}
	}
}

func TestStringSpecial(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{{"", -1}, {"abc", -1}, {`abcdefgh"`, 8}, {`ab\c`, 2}, {"abcdefghijklmno\x1f", 15}, {"é\"", 2}, {"\x7f\x80\xff\"", 3}} {
		if got := stringSpecial([]byte(c.in)); got != c.want {
			t.Errorf("stringSpecial(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestIsJSONNumber(t *testing.T) {
	for s, want := range map[string]bool{"1": true, "-1.5e3": true, "0.10": true, "": false, "1.": false, "01": false, "Inf": false, "NaN": false, "0x10": false, "1_000": false, " 1": false} {
		if isJSONNumber([]byte(s)) != want {
			t.Errorf("isJSONNumber(%q) != %v", s, want)
		}
	}
}

// FuzzScan checks the scanner against encoding/json on any input.
func FuzzScan(f *testing.F) {
	for _, s := range scanCorpus {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		checkScan(t, d)
	})
}
