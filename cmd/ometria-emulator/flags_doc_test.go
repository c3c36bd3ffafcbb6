package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestFlagsDocumented checks that every flag the emulator's -h lists has an ometria-emulator
// row in docs/configuration.md's flags table, and that every such row is a flag.
func TestFlagsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Command-line flags\n")
	if !ok {
		t.Fatal(`docs/configuration.md has no "## Command-line flags" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	documented := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) >= 4 && strings.TrimSpace(cells[1]) == "`ometria-emulator`" {
			for _, m := range regexp.MustCompile("`(--[^`]+)`").FindAllStringSubmatch(cells[2], -1) {
				documented[m[1]] = true
			}
		}
	}

	var usage bytes.Buffer
	if _, err := parseArgs([]string{"-h"}, io.Discard, &usage); !errors.Is(err, errHelp) {
		t.Fatalf("-h: %v", err)
	}
	defined := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  -(\S+)`).FindAllStringSubmatch(usage.String(), -1) {
		defined["--"+m[1]] = true
		if !documented["--"+m[1]] {
			t.Errorf("--%s is not in docs/configuration.md's flags table", m[1])
		}
	}
	if len(defined) < 5 {
		t.Fatalf("only %d flags in the usage: %s", len(defined), usage.String())
	}
	for f := range documented {
		if !defined[f] {
			t.Errorf("docs/configuration.md lists ometria-emulator %s, a flag it does not have", f)
		}
	}
}
