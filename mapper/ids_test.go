package mapper

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
)

// TestHasSpace checks the eight-bytes-at-a-time path against the plain definition, with
// the space at every position of strings longer than a word.
func TestHasSpace(t *testing.T) {
	cases := []string{"", "abc", "cust_101255", "0123456789abcdef", "ol_101255-é-ü", "bad\xff\xfeutf8-long-id"}
	for _, sp := range []string{" ", "\t", "\n", "\v", "\f", "\r", "\u0085", "\u00a0", "\u2003", "\u3000"} {
		for i := 0; i <= 17; i++ {
			cases = append(cases, strings.Repeat("x", i)+sp+strings.Repeat("y", 17-i))
		}
	}
	cases = append(cases, "abcdefg\x00hijklmn", "abcdefgh\x1fijklmn", "abcdefgh!~\x7fijkl")
	for _, c := range cases {
		if got, want := hasSpace([]byte(c)), bytes.ContainsFunc([]byte(c), unicode.IsSpace); got != want {
			t.Errorf("hasSpace(%q) = %v, want %v", c, got, want)
		}
	}
}

// TestIDText: ids given as numbers are written as the whole numbers they are.
func TestIDText(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "7": "7", "-7": "-7", "1500": "1500", "1.5e3": "1500", "1500.0": "1500", "1.5E+3": "1500",
		"0.5e1": "5", "0.0": "0", "-0.0e5": "0", "150e-1": "15", "1e0": "1", "1e63": "1" + strings.Repeat("0", 63),
		"12345678901234567890123": "12345678901234567890123", "-1.25e2": "-125", "0e400": "0",
		strings.Repeat("9", 64): strings.Repeat("9", 64),
	} {
		got, ok := idText(value{raw: []byte(in), kind: '0'})
		if !ok || string(got) != want {
			t.Errorf("idText(%s) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"1.5", "15e-1", "0.1", "1e64", "1e400", "1e99999999999999999999", "-1.000001e3", strings.Repeat("9", 65), "-" + strings.Repeat("9", 65)} {
		if got, ok := idText(value{raw: []byte(in), kind: '0'}); ok {
			t.Errorf("idText(%s) = %q, want no id", in, got)
		}
	}
}
