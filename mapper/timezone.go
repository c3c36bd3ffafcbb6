package mapper

import (
	"bytes"
	"cmp"
	"strings"
)

// Time zone names. Ometria's contact timezone is an IANA time zone name; the names are
// those of the database Go embeds (package time/tzdata), listed in tznames.go, which
// TestTimezoneNames checks against the Go toolchain's time/tzdata (and rewrites with
// -update). A table rather than time.LoadLocation: LoadLocation reads the system's
// database first when there is one, whose files (right/..., posixrules, localtime)
// differ from machine to machine, and costs microseconds a call.

// tzNames maps each name lower-cased to its spelling in the database, and each name as
// spelt there to "": a name given as spelt there is found, and written as it is, by one lookup.
var tzNames = func() map[string]string {
	names := strings.Split(tzNameList, "\n")
	m := make(map[string]string, 2*len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = n
	}
	for _, n := range names {
		m[n] = ""
	}
	return m
}()

// maxTZLen bounds the input read as a time zone name (the longest name has 32 bytes).
const maxTZLen = 64

// timezoneName returns the database's spelling of the time zone name b, given in any
// case and with outer spaces.
func (m *Mapper) timezoneName(b []byte) (string, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || len(b) > maxTZLen {
		return "", false
	}
	if name, ok := tzNames[string(b)]; ok {
		return cmp.Or(name, string(b)), true
	}
	lower := m.lower(b)
	name, ok := tzNames[string(lower)]
	return cmp.Or(name, string(lower)), ok // "": the name is its own lower case
}

// timezone writes timezone, or leaves a name that is not a time zone's out with a warning.
func (v *view) timezone(f found) {
	if f.v.kind != '"' {
		v.m.warn(WarnInvalidValue, f.field())
		return
	}
	if name, ok := tzNames[string(f.v.contents())]; ok && name == "" { // as spelt there
		v.m.w.key("timezone")
		v.m.w.raw(f.v)
		return
	}
	if b, ok := f.v.text(); ok {
		if name, ok := v.m.timezoneName(b); ok {
			v.m.w.key("timezone")
			v.m.w.str(name)
			return
		}
	}
	v.m.warn(WarnInvalidValue, f.field())
}
