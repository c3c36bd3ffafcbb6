package config

import (
	"errors"
	"fmt"
)

// FieldError is one configuration problem, naming the full path of the field at fault,
// e.g. "accounts.acme.field_mappings[2].to" or "routing.topics.rudder.events".
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// problems collects every problem found while parsing and validating.
type problems struct {
	errs        []error
	unknownKeys int             // how many unknown keys checkKeys reported
	typeErrors  int             // how many values of the wrong type checkKeys reported
	bad         map[string]bool // paths with a type error: nothing more is said about them
}

// add records a problem with the field at path.
func (p *problems) add(path, format string, args ...any) {
	if p.bad[path] {
		return
	}
	p.errs = append(p.errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error { return errors.Join(p.errs...) }
