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
