package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"released", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0 (go1.26.8)"},
		{"checkout", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b9c0d"}, {Key: "vcs.time", Value: "2026-12-01T21:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			"(devel) 1a2b3c4d5e6f 2026-12-01T21:00:00Z modified (go1.26.8)"},
		{"no version", debug.BuildInfo{GoVersion: "go1.26.8"}, "(devel) (go1.26.8)"},
	} {
		if got := format(&c.bi); got != c.want {
			t.Errorf("%s: format = %q, want %q", c.name, got, c.want)
		}
	}
	if s := String(); !strings.Contains(s, "(go1.") {
		t.Errorf("String() = %q, want the Go version in it", s)
	}
}
