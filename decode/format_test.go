package decode

import (
	"slices"
	"testing"

	"github.com/kafka-ometria/kafka-ometria/config"
)

// TestFormatsMatchConfig: the formats topics.formats accepts are the ones Decode knows.
func TestFormatsMatchConfig(t *testing.T) {
	var got []string
	for _, f := range Formats() {
		got = append(got, string(f))
		if p, err := ParseFormat(string(f)); err != nil || p != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, p, err)
		}
	}
	if !slices.Equal(got, config.Formats()) {
		t.Errorf("decode.Formats() = %v, config.Formats() = %v", got, config.Formats())
	}
	if _, err := ParseFormat("protobuf"); err == nil {
		t.Error("ParseFormat(protobuf) did not fail")
	}
}
