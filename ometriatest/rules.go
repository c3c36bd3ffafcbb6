package ometriatest

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// A rule checks one JSON value of a pushed record (decoded with json.Number, never nil: null
// fields are skipped as absent) found at path, such as "root > lineitems > 0 > quantity",
// Ometria's error_path notation. It returns the first problem, or nil.
type rule func(v any, path string) *fieldError

// fieldError is why a record is rejected: an error_path and an error_message.
type fieldError struct{ path, msg string }

// field is one member of an object rule.
type field struct {
	name     string
	rule     rule
	required bool // must be present and not null in the object as pushed
}

// Messages follow Ometria's "not a valid value", made precise.
const (
	msgInvalid  = "not a valid value"
	msgRequired = "not a valid value: required field is missing"
)

// at returns the path of member name under path.
func at(path, name string) string { return path + " > " + name }

// leaf turns a check of a single value into a rule.
func leaf(check func(v any) string) rule {
	return func(v any, path string) *fieldError {
		if msg := check(v); msg != "" {
			return &fieldError{path, msg}
		}
		return nil
	}
}

// kind names the JSON kind of v for messages.
func kind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "null"
}

// expected returns the message for a value of the wrong kind.
func expected(what string, v any) string {
	return fmt.Sprintf("%s: expected %s, got %s", msgInvalid, what, kind(v))
}

var (
	str = leaf(func(v any) string {
		if _, ok := v.(string); !ok {
			return expected("a string", v)
		}
		return ""
	})
	nonEmpty = leaf(func(v any) string {
		if s, ok := v.(string); !ok || s == "" {
			return expected("a non-empty string", v)
		}
		return ""
	})
	number = leaf(func(v any) string {
		if _, ok := v.(json.Number); !ok {
			return expected("a number", v)
		}
		return ""
	})
	boolean = leaf(func(v any) string {
		if _, ok := v.(bool); !ok {
			return expected("a boolean", v)
		}
		return ""
	})
	anyObject = leaf(func(v any) string {
		if _, ok := v.(map[string]any); !ok {
			return expected("an object", v)
		}
		return ""
	})
	anyValue = leaf(func(any) string { return "" })
	// strOrInt accepts a string or an integer (list ids: strings in PHP clients, ints in C#).
	strOrInt = leaf(func(v any) string {
		if _, ok := v.(string); ok {
			return ""
		}
		if n, ok := v.(json.Number); ok {
			if _, err := n.Int64(); err == nil {
				return ""
			}
		}
		return expected("a string or an integer", v)
	})
	// id is a non-empty string without whitespace.
	id = leaf(func(v any) string {
		s, ok := v.(string)
		if !ok || s == "" {
			return expected("a non-empty string", v)
		}
		if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
			return msgInvalid + ": an id must not contain whitespace"
		}
		return ""
	})
	email      = matching(`^[^@\s]+@[^@\s]+$`, "an email address")
	e164       = matching(`^\+[1-9]\d{6,14}$`, "an E.164 phone number such as +447812122136")
	country    = matching(`^[A-Z]{2}$`, "an ISO 3166 country code of two upper-case letters")
	currency   = matching(`^[A-Z]{3}$`, "an ISO 4217 currency code of three upper-case letters")
	date       = dateRule()
	timestamp  = timestampRule()
	stringList = arrayOf(str)
	listIDs    = arrayOf(strOrInt)
	stringsMap = mapOf(str)
)

// matching accepts a string matching the regular expression re, described as what.
func matching(re, what string) rule {
	rx := regexp.MustCompile(re)
	return leaf(func(v any) string {
		if s, ok := v.(string); !ok || !rx.MatchString(s) {
			return fmt.Sprintf("%s: expected %s", msgInvalid, what)
		}
		return ""
	})
}

// oneOf accepts one of the strings values.
func oneOf(values ...string) rule {
	return leaf(func(v any) string {
		if s, ok := v.(string); !ok || !slices.Contains(values, s) {
			return fmt.Sprintf("%s: expected one of %s", msgInvalid, strings.Join(values, ", "))
		}
		return ""
	})
}

// dateRule accepts a calendar date YYYY-MM-DD.
func dateRule() rule {
	return leaf(func(v any) string {
		s, ok := v.(string)
		if _, err := time.Parse(time.DateOnly, s); !ok || len(s) != 10 || err != nil {
			return msgInvalid + ": expected a date YYYY-MM-DD"
		}
		return ""
	})
}

// timestampRe is an ISO 8601 date-time with seconds, optional fraction and a mandatory offset:
// Z, ±hh:mm, ±hhmm, or the short ±hh of Ometria's own examples ("2018-04-19T09:00:00+00").
var timestampRe = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-](\d{2})(:?(\d{2}))?)$`)

// timestampRule accepts an ISO 8601 date-time as timestampRe describes, with valid fields.
func timestampRule() rule {
	return leaf(func(v any) string {
		const msg = msgInvalid + `: expected an ISO 8601 date-time with an offset, such as "2024-05-01T09:00:00+01:00"`
		s, _ := v.(string)
		m := timestampRe.FindStringSubmatch(s)
		if m == nil {
			return msg
		}
		if _, err := time.Parse("2006-01-02T15:04:05", m[1]); err != nil {
			return msg
		}
		if m[3] != "Z" && (m[4] > "23" || m[6] > "59") {
			return msg
		}
		return ""
	})
}

// arrayOf accepts an array whose elements all satisfy r.
func arrayOf(r rule) rule {
	return func(v any, path string) *fieldError {
		a, ok := v.([]any)
		if !ok {
			return &fieldError{path, expected("an array", v)}
		}
		for i, el := range a {
			if el == nil {
				return &fieldError{at(path, fmt.Sprint(i)), expected("a value", el)}
			}
			if err := r(el, at(path, fmt.Sprint(i))); err != nil {
				return err
			}
		}
		return nil
	}
}

// mapOf accepts an object whose non-null members all satisfy r.
func mapOf(r rule) rule {
	return func(v any, path string) *fieldError {
		m, ok := v.(map[string]any)
		if !ok {
			return &fieldError{path, expected("an object", v)}
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if m[k] == nil {
				continue
			}
			if err := r(m[k], at(path, k)); err != nil {
				return err
			}
		}
		return nil
	}
}

// object accepts an object whose listed members satisfy their rules; null members count as
// absent. With strict, a member not listed is rejected.
func object(strict bool, fields ...field) rule {
	return func(v any, path string) *fieldError {
		m, ok := v.(map[string]any)
		if !ok {
			return &fieldError{path, expected("an object", v)}
		}
		return checkFields(m, path, strict, fields)
	}
}

// checkFields checks the members of m against fields, in the order of fields.
func checkFields(m map[string]any, path string, strict bool, fields []field) *fieldError {
	for _, f := range fields {
		v := m[f.name]
		if v == nil {
			if f.required {
				return &fieldError{at(path, f.name), msgRequired}
			}
			continue
		}
		if err := f.rule(v, at(path, f.name)); err != nil {
			return err
		}
	}
	if strict {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !slices.ContainsFunc(fields, func(f field) bool { return f.name == k }) {
				return &fieldError{at(path, k), msgInvalid + ": unknown field"}
			}
		}
	}
	return nil
}
