package testevents

import (
	"encoding/json"
	"testing"
)

// The file holds 2,000 events, almost all of them JSON objects (a few are invalid on purpose).
func TestLoad(t *testing.T) {
	evs := Load(t)
	if len(evs) != 2000 {
		t.Fatalf("%d events, want 2,000", len(evs))
	}
	valid := 0
	for _, e := range evs {
		var m map[string]any
		if json.Unmarshal(e, &m) == nil {
			valid++
		}
	}
	if valid < 1900 {
		t.Fatalf("%d of 2,000 events are JSON objects, want nearly all", valid)
	}
}
