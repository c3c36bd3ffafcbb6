package config

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is one configuration problem, naming the full path of the field at fault,
// e.g. "accounts.acme.field_mappings[2].to" or "routing.topics.rudder.events".
type FieldError struct {
	Path string
	// From names the override that set the field, an environment variable of
	// EnvOverrides or Override.Name (a flag such as "--stages"); "" when the value is the
	// file's or a default. The message then names it instead of the path: the user wrote
	// the value there.
	From string
	Msg  string
}

func (e *FieldError) Error() string {
	if e.From != "" {
		return e.From + ": " + e.Msg
	}
	return e.Path + ": " + e.Msg
}

// problems collects every problem found while parsing and validating.
type problems struct {
	errs        []error
	unknownKeys int               // how many unknown keys checkKeys reported
	typeErrors  int               // how many values of the wrong type checkKeys reported
	bad         map[string]bool   // paths with a type error: nothing more is said about them
	from        map[string]string // path set by an override -> the override's name
}

func newProblems() problems {
	return problems{bad: map[string]bool{}, from: map[string]string{}}
}

// add records a problem with the field at path.
func (p *problems) add(path, format string, args ...any) {
	if p.bad[path] {
		return
	}
	p.errs = append(p.errs, &FieldError{Path: path, From: p.source(path), Msg: fmt.Sprintf(format, args...)})
}

// source returns the name of the override that set path or the value that holds it
// (stages for stages[1]), or "".
func (p *problems) source(path string) string {
	for {
		if name, ok := p.from[path]; ok {
			return name
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return ""
		}
		path = path[:i]
	}
}

func (p *problems) err() error { return errors.Join(p.errs...) }
