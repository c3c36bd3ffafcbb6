package mapper

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// absent marks a record field that must not be there.
var absent = struct{ absent bool }{true}

// js is an expected value given as JSON, compared after decoding both sides.
type js string

// mcase is one table row: an event, the account settings, and what must come out.
type mcase struct {
	name   string
	s      *Settings // nil: defaultSettings
	in     string
	reason Reason         // want a dead letter with this reason
	field  string         // and, when set, this Err.Field
	skip   Reason         // want a skip with this reason
	typ    string         // want a record of this @type (default: whatever the event gives)
	want   map[string]any // dotted path -> value (string, float64, bool, js, absent)
	warn   []string       // want exactly these warnings, "code: field"
}

var defaultSettings = Settings{Name: "acme", PhoneRegion: "GB"}

func runCases(t *testing.T, cases []mcase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := defaultSettings
			if c.s != nil {
				s = *c.s
			}
			acct, err := NewAccount(s)
			if err != nil {
				t.Fatalf("NewAccount: %v", err)
			}
			var m Mapper
			outs := m.Map([]byte(c.in), acct)
			if len(outs) != 1 {
				t.Fatalf("got %d outcomes, want 1", len(outs))
			}
			checkOutcome(t, c, outs[0])
		})
	}
}

func checkOutcome(t *testing.T, c mcase, o Outcome) {
	t.Helper()
	switch {
	case c.reason != "":
		if o.Kind != DeadLetter {
			t.Fatalf("got %v (%s), want dead letter %s", o.Kind, o.Record.JSON, c.reason)
		}
		if o.Err.Reason != c.reason {
			t.Fatalf("reason = %s (%v), want %s", o.Err.Reason, o.Err, c.reason)
		}
		if c.field != "" && o.Err.Field != c.field {
			t.Fatalf("field = %q (%v), want %q", o.Err.Field, o.Err, c.field)
		}
		if !strings.Contains(o.Err.Error(), string(c.reason)) {
			t.Fatalf("error %q does not name its reason", o.Err.Error())
		}
		return
	case c.skip != "":
		if o.Kind != Skipped || o.Skip != c.skip {
			t.Fatalf("got %v skip=%q err=%v, want skip %s", o.Kind, o.Skip, o.Err, c.skip)
		}
		return
	}
	if o.Kind != Mapped {
		t.Fatalf("got %v: %v, want a record", o.Kind, o.Err)
	}
	var rec map[string]any
	if err := json.Unmarshal(o.Record.JSON, &rec); err != nil {
		t.Fatalf("record is not JSON: %v\n%s", err, o.Record.JSON)
	}
	if rec["@type"] != o.Record.Type || rec["id"] != o.Record.ID || o.Record.Account == "" {
		t.Fatalf("Record fields %+v disagree with JSON %s", o.Record, o.Record.JSON)
	}
	if c.typ != "" && o.Record.Type != c.typ {
		t.Fatalf("@type = %s, want %s", o.Record.Type, c.typ)
	}
	for p, want := range c.want {
		got, ok := at(rec, p)
		switch w := want.(type) {
		case struct{ absent bool }:
			if ok {
				t.Errorf("%s = %v, want absent\n%s", p, got, o.Record.JSON)
			}
			continue
		case js:
			var wv any
			if err := json.Unmarshal([]byte(w), &wv); err != nil {
				t.Fatalf("bad expectation %s: %v", w, err)
			}
			want = wv
		case int:
			want = float64(w)
		}
		if !ok {
			t.Errorf("%s absent, want %v\n%s", p, want, o.Record.JSON)
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v\n%s", p, got, want, o.Record.JSON)
		}
	}
	var warns []string
	for _, w := range o.Warnings {
		warns = append(warns, w.String())
	}
	if fmt.Sprint(warns) != fmt.Sprint(c.warn) {
		t.Errorf("warnings = %q, want %q", warns, c.warn)
	}
}

// at follows a dotted path ("customer.id", "lineitems.0.sku") through decoded JSON.
func at(v any, p string) (any, bool) {
	for _, s := range strings.Split(p, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[s]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// identify builds an identify event. traits is the inside of traits; a default email and
// listingId are added unless traits names them. top is more top-level members.
func identify(traits string, top ...string) string {
	var t []string
	if !strings.Contains(traits, `"email"`) {
		t = append(t, `"email":"ada@example.com"`)
	}
	if !strings.Contains(traits, `"listingId"`) {
		t = append(t, `"listingId":"l-1"`)
	}
	if traits != "" {
		t = append(t, traits)
	}
	m := []string{`"type":"identify"`, `"traits":{` + strings.Join(t, ",") + `}`}
	if !strings.Contains(strings.Join(top, ","), `"userId"`) {
		m = append(m, `"userId":"u-1"`)
	}
	return "{" + strings.Join(append(m, top...), ",") + "}"
}

// track builds a track event named name with the given properties (inside) and more
// top-level members. It adds a messageId, a timestamp, a userId and traits.email unless given.
func track(name, props string, top ...string) string {
	all := strings.Join(top, ",")
	m := []string{`"type":"track"`, `"event":` + strconv.Quote(name), `"properties":{` + props + `}`}
	if !strings.Contains(all, `"messageId"`) {
		m = append(m, `"messageId":"m-1"`)
	}
	if !strings.Contains(all, `"timestamp"`) {
		m = append(m, `"timestamp":"2024-05-01T08:00:00.143Z"`)
	}
	if !strings.Contains(all, `"userId"`) {
		m = append(m, `"userId":"u-1"`)
	}
	if !strings.Contains(all, `"context"`) && !strings.Contains(all, `"traits"`) {
		m = append(m, `"context":{"traits":{"email":"ada@example.com"}}`)
	}
	return "{" + strings.Join(append(m, top...), ",") + "}"
}

// order builds an "Order Completed" track event with valid required properties plus props.
func order(props string, top ...string) string {
	p := []string{}
	for _, k := range []string{`"order_id":"o-1"`, `"grand_total":10.5`, `"currency":"GBP"`} {
		key := k[:strings.Index(k, ":")]
		if !strings.Contains(props, key) {
			p = append(p, k)
		}
	}
	if props != "" {
		p = append(p, props)
	}
	return track("Order Completed", strings.Join(p, ","), top...)
}
