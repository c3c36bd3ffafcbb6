package main

import (
	"strings"
	"testing"
)

func TestVersionAndCompletion(t *testing.T) {
	if r := runCmd(t, "", "--version"); r.code != exitOK || !strings.HasPrefix(r.stdout, "kafka-ometria version ") || !strings.Contains(r.stdout, "(go1.") {
		t.Fatalf("--version: exit %d, stdout %q", r.code, r.stdout)
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		if r := runCmd(t, "", "completion", shell); r.code != exitOK || !strings.Contains(r.stdout, "kafka-ometria") {
			t.Errorf("completion %s: exit %d, %d bytes: %q", shell, r.code, len(r.stdout), r.stderr)
		}
	}
}
