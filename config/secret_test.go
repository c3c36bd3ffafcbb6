package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const key = "sk_live_abc123"

func TestSecretRedaction(t *testing.T) {
	s := Secret(key)
	holder := struct {
		Key Secret
		Ptr *Secret
	}{s, &s}
	outputs := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10s", "%d"} {
		outputs[verb] = fmt.Sprintf(verb, s)
		outputs[verb+" struct"] = fmt.Sprintf(verb, holder)
	}
	outputs["Sprint"] = fmt.Sprint(s)
	outputs["Sprintln"] = fmt.Sprintln(s)
	outputs["String"] = s.String()
	outputs["GoString"] = s.GoString()
	js, err := json.Marshal(holder)
	if err != nil {
		t.Fatal(err)
	}
	outputs["json"] = string(js)
	ym, _ := yaml.Marshal(holder)
	outputs["yaml"] = string(ym)
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("push", "key", s)
	outputs["slog"] = logBuf.String()

	for name, out := range outputs {
		if strings.Contains(out, key) || strings.Contains(out, fmt.Sprintf("%x", key)) {
			t.Errorf("%s reveals the secret: %s", name, out)
		}
		if !strings.Contains(out, "[redacted]") && !strings.Contains(out, "5b72656461637465645d") && !strings.Contains(out, "5B72656461637465645D") {
			t.Errorf("%s = %q, want [redacted]", name, out)
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(verb, s); got != "[redacted]" {
			t.Errorf("Sprintf(%q) = %q, want [redacted]", verb, got)
		}
	}
	if string(js) != `{"Key":"[redacted]","Ptr":"[redacted]"}` {
		t.Errorf("json = %s", js)
	}
	if s.Reveal() != key {
		t.Errorf("Reveal = %q", s.Reveal())
	}
}

func TestAPIKey(t *testing.T) {
	c := mustParse(t, `
kafka: {brokers: ["k:9092"]}
topics: {events: [e]}
accounts:
  env: {api_key_env: KEY_ENV}
  file: {api_key_file: /secrets/key}
  crlf: {api_key_file: /secrets/crlf}
  spaced: {api_key_file: /secrets/spaced}
  emptyfile: {api_key_file: /secrets/empty}
  missingfile: {api_key_file: /secrets/missing}
  unset: {api_key_env: KEY_UNSET}
  blank: {api_key_env: KEY_BLANK}
`)
	env := map[string]string{"KEY_ENV": key, "KEY_BLANK": ""}
	files := map[string]string{"/secrets/key": key + "\n", "/secrets/crlf": key + "\r\n", "/secrets/spaced": "sk live\n", "/secrets/empty": "\n"}
	lookupEnv := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	readFile := func(name string) ([]byte, error) {
		v, ok := files[name]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		return []byte(v), nil
	}
	tests := []struct {
		account string
		want    string // error substring; "" for success
	}{
		{"env", ""},
		{"file", ""},
		{"crlf", ""},
		{"spaced", "accounts.spaced.api_key_file: file /secrets/spaced holds whitespace"},
		{"emptyfile", "accounts.emptyfile.api_key_file: file /secrets/empty is empty"},
		{"missingfile", "accounts.missingfile.api_key_file: open /secrets/missing: file does not exist"},
		{"unset", "accounts.unset.api_key_env: environment variable KEY_UNSET is not set"},
		{"blank", "accounts.blank.api_key_env: environment variable KEY_BLANK is empty"},
		{"nope", `"nope" is not an account`},
	}
	for _, tt := range tests {
		t.Run(tt.account, func(t *testing.T) {
			got, err := c.APIKey(tt.account, lookupEnv, readFile)
			if tt.want == "" {
				if err != nil || got.Reveal() != key {
					t.Fatalf("APIKey = %v (%d bytes), %v; want the key", got, len(got.Reveal()), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("APIKey error = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "sk live") {
				t.Errorf("error reveals the key: %v", err)
			}
		})
	}
	if _, err := c.APIKey("missingfile", lookupEnv, readFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing key file should wrap fs.ErrNotExist, got %v", err)
	}

	// APIKeys: every unreadable key named, one a line, in account order.
	var bad []string
	for _, tt := range tests[:len(tests)-1] { // all but "nope", which is not an account
		if tt.want != "" {
			bad = append(bad, tt.want)
		}
	}
	slices.Sort(bad) // the paths start with accounts.NAME: sorting them sorts by account
	keys, err := c.APIKeys(lookupEnv, readFile)
	var lines []string
	if err != nil {
		lines = strings.Split(err.Error(), "\n")
	}
	ok := keys == nil && len(lines) == len(bad)
	for i := 0; ok && i < len(bad); i++ {
		ok = strings.HasPrefix(lines[i], bad[i])
	}
	if !ok {
		t.Errorf("APIKeys = %v, %v; want no keys and errors starting, one a line, with\n%s", keys, err, strings.Join(bad, "\n"))
	}
	good := mustParse(t, "kafka: {brokers: [\"k:9092\"]}\ntopics: {events: [e]}\naccounts: {env: {api_key_env: KEY_ENV}, file: {api_key_file: /secrets/key}}\n")
	if keys, err := good.APIKeys(lookupEnv, readFile); err != nil || len(keys) != 2 || keys["env"].Reveal() != key || keys["file"].Reveal() != key {
		t.Errorf("APIKeys = %d keys, %v; want env's and file's", len(keys), err)
	}
}

func TestSASLPassword(t *testing.T) {
	c := mustParse(t, `
kafka: {brokers: ["k:9092"], sasl: {mechanism: PLAIN, username: u, password_env: KAFKA_PW}}
topics: {events: [e]}
accounts: {a: {api_key_env: K}}
`)
	pw, err := c.SASLPassword(func(string) (string, bool) { return "pw", true }, nil)
	if err != nil || pw.Reveal() != "pw" {
		t.Errorf("SASLPassword = %v, %v", pw, err)
	}
	if _, err := c.SASLPassword(func(string) (string, bool) { return "", false }, nil); err == nil || !strings.Contains(err.Error(), "kafka.sasl.password_env: environment variable KAFKA_PW is not set") {
		t.Errorf("SASLPassword unset = %v", err)
	}
}
