package config

import (
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// forbiddenKeys are keys that would put a secret in the config file, with what to do instead.
var forbiddenKeys = map[reflect.Type]map[string]string{
	reflect.TypeFor[Account](): {
		"api_key": "the API key must not be written in the config file: set api_key_env (an environment variable) or api_key_file (a file) instead",
	},
	reflect.TypeFor[SASL](): {
		"password": "the password must not be written in the config file: set password_env (an environment variable) or password_file (a file) instead",
	},
	reflect.TypeFor[SchemaRegistry](): {
		"password": "the password must not be written in the config file: set password_env (an environment variable) or password_file (a file) instead",
	},
}

// checkKeys walks the YAML document against the Config type, reporting each unknown key
// with its full path (the strict decoder only knows the Go type and the line), and each
// forbidden key with what to use instead. It returns the path of every key present, with
// its line, so that defaults can tell an explicit zero from an absent key.
func checkKeys(root *yaml.Node, p *problems) map[string]int {
	w := keyWalker{p: p, present: map[string]int{}}
	w.walk(root, reflect.TypeFor[Config](), "")
	return w.present
}

type keyWalker struct {
	p       *problems
	present map[string]int
	depth   int
}

func (w *keyWalker) walk(n *yaml.Node, t reflect.Type, path string) {
	if n == nil || w.depth > 100 { // aliases can make deep or cyclic documents
		return
	}
	w.depth++
	defer func() { w.depth-- }()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			w.walk(c, t, path)
		}
		return
	case yaml.AliasNode:
		w.walk(n.Alias, t, path)
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // null leaves the zero value
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			w.typeError(path, n, "must be a mapping")
			return
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" { // a merge key: its keys belong to this mapping
				w.walk(v, t, path)
				continue
			}
			kp := join(path, k.Value)
			w.present[kp] = k.Line
			f, ok := fields[k.Value]
			if !ok {
				w.unknown(t, kp, k, fields)
				continue
			}
			w.walk(v, f, kp)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			w.typeError(path, n, "must be a mapping")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			kp := join(path, k.Value)
			w.present[kp] = k.Line
			w.walk(v, t.Elem(), kp)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.typeError(path, n, "must be a list")
			return
		}
		for i, c := range n.Content {
			w.walk(c, t.Elem(), path+"["+itoa(i)+"]")
		}
	default:
		w.scalar(n, t, path)
	}
}

// scalar checks that n can be decoded into the scalar type t, as the decoder will.
func (w *keyWalker) scalar(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.ScalarNode {
		w.typeError(path, n, "must be a single value, not a list or mapping")
		return
	}
	tag := n.ShortTag()
	switch {
	case t == reflect.TypeFor[time.Duration]():
		if _, err := time.ParseDuration(n.Value); tag != "!!str" || err != nil {
			w.typeError(path, n, "%q is not a duration such as 10s or 1m30s", n.Value)
		}
	case t.Kind() == reflect.Bool:
		if tag != "!!bool" && !(tag == "!!str" && yaml11Bools[n.Value]) {
			w.typeError(path, n, "%q is not true or false", n.Value)
		}
	case t.Kind() == reflect.Float64 || t.Kind() == reflect.Float32:
		if tag != "!!int" && tag != "!!float" {
			w.typeError(path, n, "%q is not a number", n.Value)
		}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		if tag != "!!int" {
			w.typeError(path, n, "%q is not an integer", n.Value)
		}
	}
}

// yaml11Bools are the YAML 1.1 booleans the decoder still accepts for a bool field.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true, "off": true, "Off": true, "OFF": true,
}

// typeError reports a value the decoder cannot store; validation then says nothing more
// about that field.
func (w *keyWalker) typeError(path string, n *yaml.Node, format string, args ...any) {
	w.p.typeErrors++
	w.p.add(path, format+" (line %d)", append(args, n.Line)...)
	w.p.bad[path] = true
}

func (w *keyWalker) unknown(t reflect.Type, path string, k *yaml.Node, fields map[string]reflect.Type) {
	w.p.unknownKeys++
	if msg, ok := forbiddenKeys[t][k.Value]; ok {
		w.p.add(path, "%s (line %d)", msg, k.Line)
		return
	}
	if s := closest(k.Value, fields); s != "" {
		w.p.add(path, "unknown key (line %d); did you mean %q?", k.Line, s)
		return
	}
	w.p.add(path, "unknown key (line %d)", k.Line)
}

// yamlFields maps a struct's YAML keys to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = f.Type
	}
	return m
}

// closest returns the known key nearest to key when it is a likely typo, else "".
func closest(key string, fields map[string]reflect.Type) string {
	best, bestD := "", 3
	for name := range fields {
		if d := editDistance(key, name); d < bestD || d == bestD && best != "" && name < best {
			best, bestD = name, d
		}
	}
	if bestD > 2 || bestD >= len(key) {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func itoa(i int) string { return strconv.Itoa(i) }
