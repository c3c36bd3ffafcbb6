package ometriatest

import (
	"time"

	"go.uber.org/zap"
)

// Config tunes the emulator. The zero value is valid: every field documents its default, and
// every choice that Ometria's public documentation leaves open is a field here.
type Config struct {
	// RateLimit is the default number of push requests per second per account, used when an
	// Account sets none. Default 4 (Ometria's documented default; some pages say 8 for push).
	// math.Inf(1) disables the limit.
	RateLimit float64
	// Burst is the token bucket burst per account. Default: the account's rate, rounded
	// down (at least 1), which reads "4 requests per second" as Ometria states it: four may
	// come together, then four a second. Burst 1 is the strictest reading: every gap
	// between two requests at least 1/rate.
	Burst int
	// RetryAfter adds "Retry-After: <seconds>" (an integer, rounded up, at least 1) to every
	// 429. Default false: Ometria documents no Retry-After.
	RetryAfter bool
	// SuccessStatus is the HTTP status of an accepted push. Default 200 (202 is the other
	// plausible answer; Ometria's docs do not say).
	SuccessStatus int
	// BacklogLimit is the asynchronous queue limit in records: a push that would take the
	// queue above it answers 429. Default 50000, as documented.
	BacklogLimit int
	// BacklogDrain is how many queued records per second the simulated queue processes.
	// Default 20000.
	BacklogDrain float64
	// ProblemJSON makes error bodies RFC 7807 application/problem+json
	// ({"type","title","status","detail"}, the style of Ometria's Go service kit) instead of the
	// default {"status":"error","message":"..."}.
	ProblemJSON bool
	// AllowMixedTypes accepts several "@type" values in one push. Default false: 400, since
	// the docs say never to mix object types.
	AllowMixedTypes bool
	// NullClears makes a null top-level field of a pushed record delete the stored field.
	// Default false: nulls are ignored. Nulls nested in objects are never stored.
	NullClears bool
	// StrictOrderStatus accepts only complete, pending, shipped, cancelled and OrderStatuses as
	// an order's status. Default false: any non-empty string.
	StrictOrderStatus bool
	// OrderStatuses extends the statuses StrictOrderStatus accepts.
	OrderStatuses []string
	// RejectUnknownFields rejects a record holding a field that its schema does not list
	// (anywhere except inside "properties"). Default false: unknown fields are stored as sent.
	RejectUnknownFields bool
	// Logger receives one line per request: method, path, account name (never the key),
	// status, records, accepted, rejected and duration. Nil means no logs.
	Logger *zap.Logger
	// Now is the clock used for rate limits, the backlog, outage windows and timestamps.
	// Default time.Now. Tests inject a fake clock here.
	Now func() time.Time
	// Seed seeds the random source of fault draws and request ids. 0 means a random seed.
	Seed int64
}

// Account is one Ometria account the emulator knows.
type Account struct {
	// Name identifies the account in inspection methods, stats and logs.
	Name string `json:"name"`
	// Key is the API key, the value of the X-Ometria-Auth header. It never appears in logs or
	// responses.
	Key string `json:"key"`
	// RateLimit is the account's push requests per second; 0 means Config.RateLimit.
	RateLimit float64 `json:"rate_limit,omitempty"`
}

// withDefaults returns c with every unset field set to its default.
func (c Config) withDefaults() Config {
	if c.RateLimit <= 0 {
		c.RateLimit = 4
	}
	if c.SuccessStatus == 0 {
		c.SuccessStatus = 200
	}
	if c.BacklogLimit <= 0 {
		c.BacklogLimit = 50000
	}
	if c.BacklogDrain <= 0 {
		c.BacklogDrain = 20000
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}
