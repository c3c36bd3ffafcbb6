package main

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kafka-ometria/kafka-ometria/internal/version"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

// fileConfig is the YAML shape of --config FILE. Every key is optional; an absent key keeps the
// default of ometriatest.Config, and flags override the file. Unknown keys are errors.
//
//	addr: 127.0.0.1:8080
//	accounts:
//	  - {name: acme, key: test-key-acme, rate_limit: 8}   # rate_limit 0 or absent: the global one
//	  - {name: beta, key: test-key-beta}
//	rate_limit: 4              # requests/s per account
//	burst: 1
//	retry_after: false         # send Retry-After on 429
//	success_status: 200        # or 202
//	backlog_limit: 50000       # records
//	backlog_drain: 20000       # records/s
//	problem_json: false        # RFC 7807 error bodies
//	allow_mixed_types: false
//	null_clears: false
//	strict_order_status: false
//	order_statuses: [refunded] # extra statuses for strict_order_status
//	reject_unknown_fields: false
//	seed: 0                    # fault draws; 0 = random
type fileConfig struct {
	Addr                string        `yaml:"addr"`
	Accounts            []fileAccount `yaml:"accounts"`
	RateLimit           float64       `yaml:"rate_limit"`
	Burst               int           `yaml:"burst"`
	RetryAfter          bool          `yaml:"retry_after"`
	SuccessStatus       int           `yaml:"success_status"`
	BacklogLimit        int           `yaml:"backlog_limit"`
	BacklogDrain        float64       `yaml:"backlog_drain"`
	ProblemJSON         bool          `yaml:"problem_json"`
	AllowMixedTypes     bool          `yaml:"allow_mixed_types"`
	NullClears          bool          `yaml:"null_clears"`
	StrictOrderStatus   bool          `yaml:"strict_order_status"`
	OrderStatuses       []string      `yaml:"order_statuses"`
	RejectUnknownFields bool          `yaml:"reject_unknown_fields"`
	Seed                int64         `yaml:"seed"`
}

// fileAccount is one account of the config file.
type fileAccount struct {
	Name      string  `yaml:"name"`
	Key       string  `yaml:"key"`
	RateLimit float64 `yaml:"rate_limit"`
}

// options is what the command line asks for.
type options struct {
	addr     string
	accounts []ometriatest.Account
	config   ometriatest.Config
}

// errHelp reports that --help or --version was asked for and answered.
var errHelp = errors.New("help requested")

// parseArgs parses the command line, reading the config file it names. The version goes to
// stdout, the usage and the flag package's errors to stderr.
func parseArgs(args []string, stdout, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("ometria-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address; port 0 picks a free one")
	file := fs.String("config", "", "YAML config file (accounts and emulator settings)")
	var accounts []ometriatest.Account
	var accountErr error // reported after parsing: the flag package would echo the key
	fs.Func("account", "an account as NAME=KEY or NAME=KEY:RATE (requests/s); repeatable", func(s string) error {
		a, err := parseAccount(s)
		accounts = append(accounts, a)
		accountErr = cmp.Or(accountErr, err)
		return nil
	})
	retryAfter := fs.Bool("retry-after", false, "send Retry-After on 429")
	rateLimit := fs.Float64("rate-limit", 4, "default requests/s per account")
	burst := fs.Int("burst", 0, "token bucket burst per account (default: the account's rate, rounded down)")
	success := fs.Int("success-status", 200, "HTTP status of an accepted push (200 or 202)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return options{}, errHelp
		}
		return options{}, err
	}
	if *showVersion {
		fmt.Fprintln(stdout, "ometria-emulator", version.String())
		return options{}, errHelp
	}
	if accountErr != nil {
		return options{}, accountErr
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var fc fileConfig
	if *file != "" {
		var err error
		if fc, err = readConfig(*file); err != nil {
			return options{}, err
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["addr"] || fc.Addr == "" {
		fc.Addr = *addr
	}
	if set["retry-after"] {
		fc.RetryAfter = *retryAfter
	}
	if set["rate-limit"] {
		fc.RateLimit = *rateLimit
	}
	if set["burst"] {
		fc.Burst = *burst
	}
	if set["success-status"] {
		fc.SuccessStatus = *success
	}
	o := options{addr: fc.Addr, config: ometriatest.Config{
		RateLimit: fc.RateLimit, Burst: fc.Burst, RetryAfter: fc.RetryAfter, SuccessStatus: fc.SuccessStatus,
		BacklogLimit: fc.BacklogLimit, BacklogDrain: fc.BacklogDrain, ProblemJSON: fc.ProblemJSON,
		AllowMixedTypes: fc.AllowMixedTypes, NullClears: fc.NullClears, StrictOrderStatus: fc.StrictOrderStatus,
		OrderStatuses: fc.OrderStatuses, RejectUnknownFields: fc.RejectUnknownFields, Seed: fc.Seed,
	}}
	for _, a := range fc.Accounts {
		o.accounts = append(o.accounts, ometriatest.Account{Name: a.Name, Key: a.Key, RateLimit: a.RateLimit})
	}
	o.accounts = append(o.accounts, accounts...)
	return o, o.validate()
}

// validate reports the first problem of o.
func (o options) validate() error {
	c := o.config
	switch {
	case c.RateLimit < 0:
		return fmt.Errorf("rate limit %v: must not be negative", c.RateLimit)
	case c.Burst < 0:
		return fmt.Errorf("burst %d: must not be negative", c.Burst)
	case c.SuccessStatus != 0 && (c.SuccessStatus < 200 || c.SuccessStatus > 299):
		return fmt.Errorf("success status %d: must be 2xx", c.SuccessStatus)
	case c.BacklogLimit < 0 || c.BacklogDrain < 0:
		return errors.New("backlog_limit and backlog_drain must not be negative")
	}
	seen := map[string]bool{}
	for i, a := range o.accounts {
		if a.Name == "" || a.Key == "" || a.RateLimit < 0 {
			return fmt.Errorf("account %d: needs a name, a key and a rate limit >= 0", i+1)
		}
		if seen[a.Name] {
			return fmt.Errorf("account %q: defined twice", a.Name)
		}
		seen[a.Name] = true
	}
	return nil
}

// parseAccount parses NAME=KEY or NAME=KEY:RATE. A key may itself contain ':' as long as what
// follows its last ':' is not a number. Errors never quote the key.
func parseAccount(s string) (ometriatest.Account, error) {
	name, key, ok := strings.Cut(s, "=")
	if !ok || name == "" || key == "" {
		return ometriatest.Account{}, errors.New("--account: want NAME=KEY or NAME=KEY:RATE")
	}
	a := ometriatest.Account{Name: name, Key: key}
	if i := strings.LastIndexByte(key, ':'); i >= 0 {
		if r, err := strconv.ParseFloat(key[i+1:], 64); err == nil {
			if r <= 0 || key[:i] == "" {
				return ometriatest.Account{}, fmt.Errorf("account %q: want a key and a rate > 0", name)
			}
			a.Key, a.RateLimit = key[:i], r
		}
	}
	return a, nil
}

// readConfig reads a config file, refusing unknown keys.
func readConfig(path string) (fileConfig, error) {
	var fc fileConfig
	b, err := os.ReadFile(path)
	if err != nil {
		return fc, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return fc, fmt.Errorf("%s: %w", path, err)
	}
	return fc, nil
}
