package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
)

// TestFlagsDocumented checks that every flag the emulator's -h lists has an ometria-emulator
// row in docs/configuration.md's flags table, and that every such row is a flag.
func TestFlagsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for row := range itest.FlagRows(t, string(doc)) {
		if flag, ok := strings.CutPrefix(row, "ometria-emulator "); ok && strings.HasPrefix(flag, "--") {
			documented[flag] = true
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
