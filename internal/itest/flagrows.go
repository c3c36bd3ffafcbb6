package itest

import (
	"regexp"
	"strings"
	"testing"
)

var codeSpan = regexp.MustCompile("`([^`]+)`")

// FlagRows returns "COMMAND FLAG" for each command and flag of the rows of the flags
// table of doc, docs/configuration.md (the table under "## Command-line flags"): the
// code spans of a row's first cell times those of its second. No such section, or a
// table without rows, fails the test.
func FlagRows(t testing.TB, doc string) map[string]bool {
	t.Helper()
	_, section, ok := strings.Cut(doc, "\n## Command-line flags\n")
	if !ok {
		t.Fatal(`docs/configuration.md has no "## Command-line flags" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	rows := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		for _, cmd := range codeSpan.FindAllStringSubmatch(cells[1], -1) {
			for _, flag := range codeSpan.FindAllStringSubmatch(cells[2], -1) {
				rows[cmd[1]+" "+flag[1]] = true
			}
		}
	}
	if len(rows) == 0 {
		t.Fatal("no rows in docs/configuration.md's flags table")
	}
	return rows
}
