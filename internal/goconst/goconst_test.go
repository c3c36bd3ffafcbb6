package goconst

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestStrings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "consts.go")
	src := "package p\n\n" +
		"const (\n\tColorRed = \"red\"\n\tColorBlue, ColorGreen = \"blue\", `green`\n\tSize = \"s\"\n\tColorCount = 3\n)\n\n" +
		"type kind int\n\nconst (\n\tColorNone kind = iota\n\tColorSome\n)\n\nconst ColorLast = \"last\"\n\nvar ColorVar = \"not a constant\"\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Strings(path, "Color")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"red", "blue", "green", "last"}; !slices.Equal(got, want) {
		t.Errorf("Strings = %q, want %q", got, want)
	}
	if _, err := Strings(filepath.Join(t.TempDir(), "missing.go"), "Color"); err == nil {
		t.Error("no error for a missing file")
	}
}
