package config

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
)

// Secret is a credential such as an API key. Every way of printing or encoding it
// (fmt verbs, JSON, text, slog) gives "[redacted]", so it never reaches a log; Reveal
// returns the value, for the one place that sends it.
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string   { return redacted }
func (s Secret) GoString() string { return redacted }

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %x, ...) print "[redacted]".
func (s Secret) Format(f fmt.State, verb rune) {
	_, _ = f.Write([]byte(redacted))
}

// MarshalJSON encodes the secret as "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText encodes the secret as [redacted] (YAML, encoding/xml, map keys, ...).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue keeps the secret out of log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// Lookups of the outside world, passed in by the caller: os.LookupEnv and os.ReadFile.
type (
	LookupEnvFunc func(name string) (string, bool)
	ReadFileFunc  func(path string) ([]byte, error)
)

// APIKey reads the API key of the named account from its api_key_env variable or its
// api_key_file file (a trailing newline is removed). Errors name the variable or the
// file, never the key.
func (c *Config) APIKey(account string, lookupEnv LookupEnvFunc, readFile ReadFileFunc) (Secret, error) {
	a := c.Accounts[account]
	if a == nil {
		return "", fmt.Errorf("%q is not an account", account)
	}
	return readSecret("accounts."+account, "api_key", a.APIKeyEnv, a.APIKeyFile, lookupEnv, readFile)
}

// APIKeys reads the API key of every account, as APIKey does, in name order. When some
// cannot be read, the error names each of them, so that one fix is enough.
func (c *Config) APIKeys(lookupEnv LookupEnvFunc, readFile ReadFileFunc) (map[string]Secret, error) {
	keys := make(map[string]Secret, len(c.Accounts))
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(c.Accounts)) {
		s, err := c.APIKey(name, lookupEnv, readFile)
		if err != nil {
			errs = append(errs, err)
		}
		keys[name] = s
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return keys, nil
}

// SASLPassword reads the Kafka SASL password from kafka.sasl.password_env or password_file.
func (c *Config) SASLPassword(lookupEnv LookupEnvFunc, readFile ReadFileFunc) (Secret, error) {
	s := c.Kafka.SASL
	return readSecret("kafka.sasl", "password", s.PasswordEnv, s.PasswordFile, lookupEnv, readFile)
}

// readSecret reads a secret from the environment variable env or, if env is empty, the file.
// path and key name the settings in errors: path.key_env, path.key_file.
func readSecret(path, key, env, file string, lookupEnv LookupEnvFunc, readFile ReadFileFunc) (Secret, error) {
	var v string
	switch {
	case env != "" && file != "":
		return "", fmt.Errorf("%s: set %s_env or %s_file (not both)", path, key, key)
	case env != "":
		where := fmt.Sprintf("%s.%s_env: environment variable %s", path, key, env)
		if lookupEnv == nil {
			return "", fmt.Errorf("%s: no environment to read", where)
		}
		val, ok := lookupEnv(env)
		if !ok {
			return "", fmt.Errorf("%s is not set", where)
		}
		v = val
		if msg := checkSecret(v); msg != "" {
			return "", fmt.Errorf("%s %s", where, msg)
		}
	case file != "":
		where := fmt.Sprintf("%s.%s_file: file %s", path, key, file)
		if readFile == nil {
			return "", fmt.Errorf("%s: no file system to read", where)
		}
		b, err := readFile(file)
		if err != nil {
			// A read error names the file (os.PathError), never its contents.
			return "", fmt.Errorf("%s.%s_file: %w", path, key, err)
		}
		v = string(b)
		v = strings.TrimSuffix(v, "\n")
		v = strings.TrimSuffix(v, "\r")
		if msg := checkSecret(v); msg != "" {
			return "", fmt.Errorf("%s %s", where, msg)
		}
	default:
		return "", fmt.Errorf("%s: set %s_env or %s_file", path, key, key)
	}
	return Secret(v), nil
}

// checkSecret returns what is wrong with a secret's value, without quoting it, or "".
func checkSecret(v string) string {
	if v == "" {
		return "is empty"
	}
	for _, c := range []byte(v) {
		if c <= ' ' || c == 0x7f {
			return "holds whitespace or control characters (only a trailing newline is removed)"
		}
	}
	return ""
}
