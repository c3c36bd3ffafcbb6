package sink

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Config tunes a Sink. The zero value gets the defaults given on each field.
type Config struct {
	// BaseURL of the Ometria API. Default: https://api.ometria.com/v2. Must be https,
	// except for loopback hosts (an emulator).
	BaseURL string
	// BatchSize is the most records in one push. Default and maximum: 100 (Ometria's limit).
	BatchSize int
	// BatchBytes is the most bytes of records in one push body. Default: 2 MiB.
	BatchBytes int
	// Linger is how long a partial batch waits for more records while its account has
	// nothing else to push. Default: 1s.
	Linger time.Duration
	// MaxLinger is how long a partial batch may wait while its account is busy pushing
	// other batches (at its rate limit, it could not leave sooner): it keeps filling, so
	// that a backlog goes out in full batches. Default: 3s; at least Linger.
	MaxLinger time.Duration
	// Timeout is the limit on one HTTP request. Default: 10s.
	Timeout time.Duration
	// DefaultRate is the requests/s of an account that sets none. Default: 4.
	DefaultRate float64
	// MaxPending is the most records the sink holds; Write blocks beyond it. Default: 20,000.
	MaxPending int
	// MaxRequests is the most concurrent HTTP requests over all accounts; an account
	// holds its slot while it waits for its token, so this is also the most accounts
	// pushing at once. Default: 256.
	MaxRequests int
	// RetryInitial and RetryMax bound the exponential backoff (with jitter) between
	// attempts of a retryable failure. Defaults: 500ms and 30s.
	RetryInitial, RetryMax time.Duration
	// MaxAttempts is the number of attempts of one push before its records fail with
	// ErrRetriesExhausted. Default: 8.
	MaxAttempts int
	// MaxRetryAfter caps a Retry-After header, so a hostile value cannot stall the sink.
	// Default: 60s.
	MaxRetryAfter time.Duration
	// Unavailable is how long an account whose key was refused (403) waits before it is
	// probed again; the wait doubles on each refusal, up to 16 times this. Default: 30s.
	Unavailable time.Duration
}

// Defaults.
const (
	DefaultBaseURL = "https://api.ometria.com/v2"
	MaxBatchSize   = 100
)

func (c *Config) setDefaults() {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if c.BatchSize == 0 {
		c.BatchSize = MaxBatchSize
	}
	if c.BatchBytes == 0 {
		c.BatchBytes = 2 << 20
	}
	def(&c.Linger, time.Second)
	if c.MaxLinger == 0 {
		c.MaxLinger = max(3*time.Second, c.Linger)
	}
	def(&c.Timeout, 10*time.Second)
	if c.DefaultRate == 0 {
		c.DefaultRate = 4
	}
	if c.MaxPending == 0 {
		c.MaxPending = 20000
	}
	if c.MaxRequests == 0 {
		c.MaxRequests = 256
	}
	def(&c.RetryInitial, 500*time.Millisecond)
	def(&c.RetryMax, 30*time.Second)
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 8
	}
	def(&c.MaxRetryAfter, 60*time.Second)
	def(&c.Unavailable, 30*time.Second)
}

// Validate reports every invalid setting (after defaults), joined.
func (c Config) Validate() error {
	c.setDefaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if err := checkBaseURL(c.BaseURL); err != nil {
		errs = append(errs, err)
	}
	if c.BatchSize < 1 || c.BatchSize > MaxBatchSize {
		bad("BatchSize %d: must be 1 to %d", c.BatchSize, MaxBatchSize)
	}
	if c.BatchBytes < 1 {
		bad("BatchBytes %d: must be positive", c.BatchBytes)
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"Linger", c.Linger}, {"MaxLinger", c.MaxLinger}, {"Timeout", c.Timeout}, {"RetryInitial", c.RetryInitial}, {"RetryMax", c.RetryMax},
		{"MaxRetryAfter", c.MaxRetryAfter}, {"Unavailable", c.Unavailable}} {
		if f.d < 0 {
			bad("%s %v: must not be negative", f.name, f.d)
		}
	}
	if c.MaxLinger < c.Linger {
		bad("MaxLinger %v: must not be shorter than Linger %v", c.MaxLinger, c.Linger)
	}
	if c.DefaultRate <= 0 {
		bad("DefaultRate %v: must be positive", c.DefaultRate)
	}
	for _, f := range []struct {
		name string
		n    int
	}{{"MaxPending", c.MaxPending}, {"MaxRequests", c.MaxRequests}, {"MaxAttempts", c.MaxAttempts}} {
		if f.n < 1 {
			bad("%s %d: must be positive", f.name, f.n)
		}
	}
	return errors.Join(errs...)
}

// checkBaseURL allows https, and http only for loopback hosts.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("BaseURL %q is not an absolute URL", raw)
	}
	if u.User != nil {
		return errors.New("BaseURL must not hold credentials")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("BaseURL %q: Ometria is https only; http is allowed for loopback hosts alone", raw)
	}
	return fmt.Errorf("BaseURL %q: the scheme must be https", raw)
}
