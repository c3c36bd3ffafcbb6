package mapper

import "strconv"

// Where a value was found, for warning and error messages.
const (
	srcNone int8 = iota
	srcTraits
	srcCtxTraits
	srcProps
	srcInteg
	srcTop
	srcMapping
	srcItem // a member of properties.<in>[idx] (a product line) or properties.<in> (an address, idx < 0)
)

// found is a value and where it came from. The field name is built only when a message needs it.
type found struct {
	v   value
	key string // the member's key; for srcMapping the mapping's source path
	src int8
	in  slot  // for srcItem: the property holding the object
	idx int32 // for srcItem: the position in that property's array, or -1
}

func (f found) present() bool { return f.v.present() }

func (f found) field() string {
	switch f.src {
	case srcTraits:
		return "traits." + f.key
	case srcCtxTraits:
		return "context.traits." + f.key
	case srcProps:
		return "properties." + f.key
	case srcInteg:
		return "integrations.Ometria." + f.key
	case srcItem:
		if f.idx < 0 {
			return "properties." + slotNames[f.in] + "." + f.key
		}
		return "properties." + slotNames[f.in] + "[" + strconv.Itoa(int(f.idx)) + "]." + f.key
	}
	return f.key
}

// view is one event being mapped: its indexed objects and the account's mappings for
// the record type being built.
type view struct {
	m         *Mapper
	ev        *event
	acct      *Account
	rm        *recordMappings
	traits    *object
	ctxTraits *object
	props     *object
	integ     []member // integrations.Ometria (or .ometria, .OMETRIA)
	integDup  string   // the first repeated key of integrations.Ometria, as a path; "" for none
}

// begin starts a record of kind rec and type typ from ev: the view of ev for it, an
// ambiguous event refused (duplicate_key), and the record's JSON opened with its "@type".
func (m *Mapper) begin(ev *event, acct *Account, rec int, typ string) (view, *writer, *Error) {
	v := m.newView(ev, acct, rec)
	if err := v.ambiguous(rec); err != nil {
		return v, nil, err
	}
	w := &m.w
	w.reset()
	w.open()
	w.key("@type")
	w.str(typ)
	return v, w, nil
}

func (m *Mapper) newView(ev *event, acct *Account, rec int) view {
	v := view{m: m, ev: ev, acct: acct, rm: &acct.mappings[rec]}
	v.traits, v.ctxTraits, v.props = &ev.traitsO, &ev.ctxTraitsO, &ev.propsO
	if ev.integrations.kind == '{' {
		integrations := m.index(ev.integrations) // one walk, not one per spelling
		for _, name := range [...]string{"Ometria", "ometria", "OMETRIA"} {
			if o := getName(integrations, name); o.kind == '{' {
				v.integ = m.index(o)
				if _, ok := repeatedKey(integrations, name); ok {
					v.integDup = "integrations." + name
				} else if key, ok := repeatedKey(v.integ, ""); ok {
					v.integDup = "integrations." + name + "." + key
				}
				break
			}
		}
	}
	return v
}

// index lists the members of an object value (nil for anything else).
func (m *Mapper) index(v value) []member {
	if v.kind != '{' {
		return nil
	}
	start := len(m.a.members)
	m.a.members = appendMembers(m.a.members, v.raw)
	return m.a.members[start:len(m.a.members):len(m.a.members)]
}

// getName returns the member key of ms; the last one when a key repeats, as encoding/json does.
func getName(ms []member, key string) value {
	for i := len(ms) - 1; i >= 0; i-- {
		if string(ms[i].key) == key {
			return ms[i].val
		}
	}
	return value{}
}

func has(ms []member, key []byte) bool {
	for i := range ms {
		if string(ms[i].key) == string(key) {
			return true
		}
	}
	return false
}

// trait returns the first present value of the keys read from traits, else the first
// present one read from context.traits: every traits spelling comes before any
// context.traits one (RudderStack's order), so that the SDK's cached context.traits
// cannot beat the event's own value.
func (v *view) trait(keys ...slot) found {
	if len(v.traits.ms) > 0 {
		for _, k := range keys {
			if x := v.traits.get(k); x.present() {
				return found{v: x, src: srcTraits, key: slotNames[k]}
			}
		}
	}
	if len(v.ctxTraits.ms) > 0 {
		for _, k := range keys {
			if x := v.ctxTraits.get(k); x.present() {
				return found{v: x, src: srcCtxTraits, key: slotNames[k]}
			}
		}
	}
	return found{}
}

func (v *view) prop(keys ...slot) found {
	for _, k := range keys {
		if x := v.props.get(k); x.present() {
			return found{v: x, src: srcProps, key: slotNames[k]}
		}
	}
	return found{}
}

func (v *view) integration(names ...string) found {
	for _, n := range names {
		if x := getName(v.integ, n); x.present() {
			return found{v: x, src: srcInteg, key: n}
		}
	}
	return found{}
}

func top(x value, name string) found {
	if x.present() {
		return found{v: x, src: srcTop, key: name}
	}
	return found{}
}

// or returns the first present of fs.
func or(fs ...found) found {
	for _, f := range fs {
		if f.present() {
			return f
		}
	}
	return found{}
}

// mapped returns the value a field mapping gives the built-in field, if it gives one.
func (v *view) mapped(field string) (found, bool) {
	if len(v.rm.top) == 0 {
		return found{}, false
	}
	p, ok := v.rm.top[field]
	if !ok {
		return found{}, false
	}
	x := lookupPath(v.ev.raw, p.from)
	if !x.present() {
		return found{}, false
	}
	return found{v: x, src: srcMapping, key: p.name}, true
}

// pick is the value of a built-in field: a field mapping's when it gives one, else the
// table's. It is small enough to be inlined (pickMapped is not): with no field mappings,
// the common case, it costs no call; it is called some twenty times an event.
func (v *view) pick(field string, table found) found {
	if len(v.rm.top) == 0 {
		return table
	}
	return v.pickMapped(field, table)
}

//go:noinline
func (v *view) pickMapped(field string, table found) found {
	if f, ok := v.mapped(field); ok {
		return f
	}
	return table
}

// userID is RudderStack's user id: userId, traits.userId, traits.id, context.traits.userId,
// context.traits.id, anonymousId, the first present.
func (v *view) userID() found {
	if f := top(v.ev.userID, "userId"); f.present() {
		return f
	}
	for i, o := range [2]*object{v.traits, v.ctxTraits} {
		for _, k := range [...]slot{kUserId, kId} {
			if x := o.get(k); x.present() {
				return found{v: x, src: srcTraits + int8(i), key: slotNames[k]}
			}
		}
	}
	return top(v.ev.anonID, "anonymousId")
}

// lookupPath follows p from the document root.
func lookupPath(doc []byte, p path) value {
	v, _ := lookupPathDup(doc, p)
	return v
}

// lookupPathDup follows p from the document root, and reports how many segments of p
// it followed before one whose key appears twice in its object (0 when none does).
func lookupPathDup(doc []byte, p path) (value, int) {
	cur := value{raw: doc, kind: '{'}
	if i := skipWS(doc, 0); i < len(doc) {
		cur = value{raw: doc[i:], kind: kindOf(doc[i])}
	}
	for n, s := range p {
		switch {
		case cur.kind == '{':
			var repeated bool
			if cur, repeated = objGet(cur.raw, s.key); repeated {
				return value{}, n + 1
			}
		case cur.kind == '[' && s.index >= 0:
			cur = arrGet(cur.raw, s.index)
		default:
			return value{}, 0
		}
		if !cur.exists() {
			return value{}, 0
		}
	}
	return cur, 0
}

// objGet returns the member key of the validated object obj (the last one, if repeated),
// and whether the key is repeated.
func objGet(obj []byte, key string) (out value, repeated bool) {
	i := skipWS(obj, 1)
	for i < len(obj) && obj[i] == '"' {
		ks := i
		i = skip(obj, i)
		k := obj[ks+1 : i-1]
		i = skipWS(obj, skipWS(obj, i)+1)
		vs := i
		i = skip(obj, i)
		if string(k) == key || (hasBackslash(k) && string(unescape(nil, k)) == key) {
			repeated = out.exists()
			out = value{raw: obj[vs:i], kind: kindOf(obj[vs])}
		}
		if i = skipWS(obj, i); i < len(obj) && obj[i] == ',' {
			i = skipWS(obj, i+1)
		}
	}
	return out, repeated
}

// arrGet returns element n of the validated array arr.
func arrGet(arr []byte, n int) value {
	i := skipWS(arr, 1)
	for k := 0; i < len(arr) && arr[i] != ']'; k++ {
		vs := i
		i = skip(arr, i)
		if k == n {
			return value{raw: arr[vs:i], kind: kindOf(arr[vs])}
		}
		if i = skipWS(arr, i); i < len(arr) && arr[i] == ',' {
			i = skipWS(arr, i+1)
		}
	}
	return value{}
}
