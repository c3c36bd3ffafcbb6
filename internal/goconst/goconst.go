// Package goconst reads the string constants a Go source file declares. Tests use it to
// keep lists, documents and dashboards in step with the constants of the code.
package goconst

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
)

// Strings returns the values of the string constants declared in the Go file at path
// whose names start with prefix, in the order of the file. Constants without a string
// literal of their own (iota, expressions) are left out.
func Strings(path, prefix string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return nil, err
	}
	var values []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, prefix) || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						return nil, err
					}
					values = append(values, v)
				}
			}
		}
	}
	return values, nil
}
