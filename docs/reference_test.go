package docs

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/internal/goconst"
	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// mentions fails t for each of names that page does not show as code (`name`).
func mentions(t *testing.T, page, what string, names []string) {
	t.Helper()
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatalf("no %s to look for in %s", what, page)
	}
	for _, n := range names {
		if !strings.Contains(string(b), "`"+n+"`") {
			t.Errorf("%s does not name the %s `%s`", page, what, n)
		}
	}
}

func strs[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// TestMappingPageIsComplete: mapping.md names every reason, skip and warning of the mapper.
func TestMappingPageIsComplete(t *testing.T) {
	mentions(t, "mapping.md", "dead-letter reason", strs(mapper.Reasons()))
	mentions(t, "mapping.md", "skip reason", strs(mapper.SkipReasons()))
	mentions(t, "mapping.md", "warning code", mapper.WarningCodes())
}

// TestOperationsPageIsComplete: operations.md names every header, reason, park reason and
// metric that package processor declares.
func TestOperationsPageIsComplete(t *testing.T) {
	for _, c := range []struct{ prefix, what string }{
		{"Header", "Kafka header"},
		{"Reason", "dead-letter reason"},
		{"Park", "park reason"},
	} {
		values, err := goconst.Strings("../processor/headers.go", c.prefix)
		if err != nil {
			t.Fatal(err)
		}
		mentions(t, "operations.md", c.what, values)
	}
	metrics, err := goconst.Strings("../processor/metrics.go", "Metric")
	if err != nil {
		t.Fatal(err)
	}
	mentions(t, "operations.md", "metric", metrics)
}

// TestConfigurationPageIsComplete: configuration.md names every key of the configuration
// file, by its full path (accounts.NAME.rate_limit), and every environment override.
func TestConfigurationPageIsComplete(t *testing.T) {
	keys := configKeys(reflect.TypeFor[config.Config](), "")
	for _, want := range []string{"kafka.tls.ca_file", "accounts.NAME.field_mappings[].from", "stages"} {
		if !slices.Contains(keys, want) {
			t.Fatalf("configKeys misses %s: %v", want, keys)
		}
	}
	mentions(t, "configuration.md", "configuration key", keys)
	var vars []string
	for v := range config.EnvOverrides {
		vars = append(vars, v)
	}
	slices.Sort(vars)
	mentions(t, "configuration.md", "environment variable", vars)
}

// configKeys lists the paths of the keys of the YAML type t under prefix: the leaves, and
// the lists and maps of structures (accounts.NAME.field_mappings) as well as their members.
func configKeys(t reflect.Type, prefix string) []string {
	t = deref(t)
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		path := prefix + name
		ft := deref(f.Type)
		switch {
		case ft.Kind() == reflect.Struct:
			out = append(out, configKeys(ft, path+".")...)
		case ft.Kind() == reflect.Map && deref(ft.Elem()).Kind() == reflect.Struct:
			out = append(out, configKeys(ft.Elem(), path+".NAME.")...)
		case ft.Kind() == reflect.Slice && deref(ft.Elem()).Kind() == reflect.Struct:
			out = append(out, path)
			out = append(out, configKeys(ft.Elem(), path+"[].")...)
		default:
			out = append(out, path)
		}
	}
	return out
}

// deref is t without its pointers.
func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
