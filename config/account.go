package config

import (
	"errors"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// Account defaults and choices.
const (
	DefaultRateLimit = 4.0 // requests per second, Ometria's default limit

	EventTypeLower = "lower" // custom_event event_type lower-cased (default)
	EventTypeKeep  = "keep"  // event name kept as sent

	UnsupportedSkip       = "skip"        // page, screen, group, alias: skipped and counted (default)
	UnsupportedDeadLetter = "dead_letter" // ...: dead-lettered as unsupported_type
)

// Account is one Ometria account: where its API key comes from, its push rate, and its
// mapping settings (see mapper.Settings for their meaning).
type Account struct {
	// APIKeyEnv names the environment variable holding the API key; APIKeyFile the file.
	// Exactly one is required. The key itself is never in the config file.
	APIKeyEnv  string `yaml:"api_key_env,omitempty"`
	APIKeyFile string `yaml:"api_key_file,omitempty"`
	// RateLimit is the most push requests per second to send for this account. Default 4.
	RateLimit float64 `yaml:"rate_limit"`

	MarketingOptin        string `yaml:"marketing_optin"` // default EXPLICITLY_OPTEDOUT
	SMSAllowMarketing     bool   `yaml:"sms_allow_marketing"`
	SMSAllowTransactional bool   `yaml:"sms_allow_transactional"`
	Collection            string `yaml:"collection"`   // default contact @collection; empty: none
	PhoneRegion           string `yaml:"phone_region"` // region of numbers written without "+"
	// PIICheck rejects ids that look like an email address or phone number. Nil means true.
	PIICheck      *bool  `yaml:"pii_check"`
	EventTypeCase string `yaml:"event_type_case"` // lower (default) or keep
	// OrderEvents extends the built-in table of order event names: event name -> status.
	OrderEvents map[string]string `yaml:"order_events,omitempty"`
	// ProductEvents extends the built-in list of product event names (product created,
	// product updated, product deleted): track events whose properties describe a product.
	ProductEvents []string `yaml:"product_events,omitempty"`
	// DeriveProducts makes products from orders' line items and product viewed events too,
	// each at most once every DeriveProductsInterval (default 24h). Default false.
	DeriveProducts         bool          `yaml:"derive_products"`
	DeriveProductsInterval time.Duration `yaml:"derive_products_interval"`
	// SkipEvents are track event names that are skipped.
	SkipEvents []string `yaml:"skip_events,omitempty"`
	// Unsupported is what becomes of page, screen, group and alias events: skip (default) or dead_letter.
	Unsupported   string         `yaml:"unsupported"`
	FieldMappings []FieldMapping `yaml:"field_mappings,omitempty"`
}

// FieldMapping maps a JSON path of the event to a field of the record (see mapper.FieldMapping).
type FieldMapping struct {
	From   string `yaml:"from"`
	To     string `yaml:"to"`
	Record string `yaml:"record"` // contact (default), order, custom_event or product
}

func (a *Account) applyDefaults(present map[string]int, path string) {
	if a.RateLimit == 0 && present[path+".rate_limit"] == 0 {
		a.RateLimit = DefaultRateLimit
	}
	if a.MarketingOptin == "" {
		a.MarketingOptin = mapper.OptedOut
	}
	if a.PIICheck == nil {
		t := true
		a.PIICheck = &t
	}
	if a.EventTypeCase == "" {
		a.EventTypeCase = EventTypeLower
	}
	if a.Unsupported == "" {
		a.Unsupported = UnsupportedSkip
	}
	if a.DeriveProductsInterval == 0 && present[path+".derive_products_interval"] == 0 {
		a.DeriveProductsInterval = mapper.DefaultDeriveProductsInterval
	}
	for i := range a.FieldMappings {
		if a.FieldMappings[i].Record == "" {
			a.FieldMappings[i].Record = mapper.TypeContact
		}
	}
}

// Settings converts the account's mapping settings to mapper.Settings for the account name.
func (a *Account) Settings(name string) mapper.Settings {
	s := mapper.Settings{
		Name:                  name,
		MarketingOptin:        a.MarketingOptin,
		SMSAllowMarketing:     a.SMSAllowMarketing,
		SMSAllowTransactional: a.SMSAllowTransactional,
		Collection:            a.Collection,
		PhoneRegion:           a.PhoneRegion,
		AllowPIIInIDs:         a.PIICheck != nil && !*a.PIICheck,
		KeepEventCase:         a.EventTypeCase == EventTypeKeep,
		OrderEvents:           a.OrderEvents,
		ProductEvents:         a.ProductEvents,
		DeriveProducts:        a.DeriveProducts,
		SkipEvents:            a.SkipEvents,
		DeadLetterUnsupported: a.Unsupported == UnsupportedDeadLetter,
	}
	if a.DeriveProducts {
		s.DeriveProductsInterval = a.DeriveProductsInterval
	}
	for _, fm := range a.FieldMappings {
		s.FieldMappings = append(s.FieldMappings, mapper.FieldMapping{From: fm.From, To: fm.To, Record: fm.Record})
	}
	return s
}

// MapperAccounts compiles every account's mapping settings, by account name. It cannot
// fail for a config returned by Parse; the error joins a *FieldError per problem.
func (c *Config) MapperAccounts() (map[string]*mapper.Account, error) {
	var p problems
	out := make(map[string]*mapper.Account, len(c.Accounts))
	for _, name := range slices.Sorted(maps.Keys(c.Accounts)) {
		if a := compileAccount(&p, name, c.Accounts[name]); a != nil {
			out[name] = a
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// compileAccount calls mapper.NewAccount, adding its problems to p with the account's path.
func compileAccount(p *problems, name string, a *Account) *mapper.Account {
	if a == nil {
		a = &Account{}
	}
	path := "accounts." + name
	acct, err := mapper.NewAccount(a.Settings(name))
	if err == nil {
		return acct
	}
	for _, e := range Problems(err) {
		var se *mapper.SettingError
		if errors.As(e, &se) {
			p.add(path+"."+se.Field, "%s", se.Msg)
		} else {
			p.add(path, "%s", e.Error())
		}
	}
	return nil
}

func (c *Config) validateAccounts(p *problems) {
	if len(c.Accounts) == 0 {
		p.add("accounts", "at least one account is required")
	}
	for _, name := range slices.Sorted(maps.Keys(c.Accounts)) {
		a, path := c.Accounts[name], "accounts."+name
		if name == "" || strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			p.add(path, "%q is not a valid account name: it must be non-empty, without whitespace", name)
			continue
		}
		if (a.APIKeyEnv == "") == (a.APIKeyFile == "") {
			p.add(path, "set api_key_env or api_key_file (not both)")
		}
		if a.APIKeyEnv != "" && !isEnvName(a.APIKeyEnv) {
			p.add(path+".api_key_env", "%q is not an environment variable name", a.APIKeyEnv)
		}
		if a.RateLimit <= 0 || math.IsNaN(a.RateLimit) || math.IsInf(a.RateLimit, 0) {
			p.add(path+".rate_limit", "must be a number of requests per second > 0, got %v", a.RateLimit)
		}
		if a.EventTypeCase != EventTypeLower && a.EventTypeCase != EventTypeKeep {
			p.add(path+".event_type_case", "%q is not %s or %s", a.EventTypeCase, EventTypeLower, EventTypeKeep)
		}
		if a.Unsupported != UnsupportedSkip && a.Unsupported != UnsupportedDeadLetter {
			p.add(path+".unsupported", "%q is not %s or %s", a.Unsupported, UnsupportedSkip, UnsupportedDeadLetter)
		}
		if a.DeriveProductsInterval <= 0 {
			p.add(path+".derive_products_interval", "must be a duration > 0, got %v", a.DeriveProductsInterval)
		}
		compileAccount(p, name, a)
	}
}

// Problems lists the problems in an error returned by Parse, Load or MapperAccounts:
// the leaves of its tree of joined errors, in order.
func Problems(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Problems(e)...)
		}
		return out
	}
	return []error{err}
}
