// Package version says which build of the binaries is running, from the module's build
// information (the version a `go install` recorded, else the VCS revision and time of the
// checkout it was built from).
package version

import (
	"runtime/debug"
	"strings"
)

// String returns the build's version, e.g. "v1.2.0 (go1.26.8)" or
// "(devel) 1a2b3c4d5e6f 2026-12-01T21:00:00Z modified (go1.26.8)".
func String() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (no build information)"
	}
	return format(bi)
}

func format(bi *debug.BuildInfo) string {
	parts := []string{bi.Main.Version}
	if parts[0] == "" {
		parts[0] = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if r := settings["vcs.revision"]; r != "" {
		parts = append(parts, r[:min(12, len(r))])
	}
	if t := settings["vcs.time"]; t != "" {
		parts = append(parts, t)
	}
	if settings["vcs.modified"] == "true" {
		parts = append(parts, "modified")
	}
	return strings.Join(parts, " ") + " (" + bi.GoVersion + ")"
}
