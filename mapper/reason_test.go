package mapper

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCodeListsComplete checks Reasons, SkipReasons and WarningCodes against the
// constants declared in reason.go, so that a new code cannot be left out of its list
// (the processor creates a metric series at 0 for each, and Known reads Reasons).
func TestCodeListsComplete(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "reason.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string][]string{} // by prefix: the constants' values, in order
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				for _, prefix := range []string{"Reason", "Skip", "Warn"} {
					if strings.HasPrefix(name.Name, prefix) {
						v, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
						if err != nil {
							t.Fatal(err)
						}
						declared[prefix] = append(declared[prefix], v)
					}
				}
			}
		}
	}
	str := func(rs []Reason) []string {
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = string(r)
		}
		return out
	}
	for prefix, list := range map[string][]string{"Reason": str(Reasons()), "Skip": str(SkipReasons()), "Warn": WarningCodes()} {
		if !slices.Equal(list, declared[prefix]) {
			t.Errorf("the %s* constants are %v; their list says %v", prefix, declared[prefix], list)
		}
	}
}
