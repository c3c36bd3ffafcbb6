// Package sink batches Ometria records per account and record type and pushes them to
// Ometria's Push API (POST /v2/push), each account under its own token bucket, retrying
// what is retryable, and tells the caller the fate of every record through its Done
// callback: nil once Ometria accepted it, else an error saying what to do with it
// (IsPermanent: dead-letter; ErrAccountUnavailable, ErrRetriesExhausted: park;
// ErrNotDone: read it again).
//
// The sink imports neither Kafka nor the mapper. Memory and concurrency are bounded:
// Write blocks while the sink holds Config.MaxPending records (backpressure). API keys
// appear only in the X-Ometria-Auth header: never in logs, errors or metrics.
package sink

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"go.uber.org/zap"
)

// Record is one Ometria record to push.
type Record struct {
	Account string // the account it belongs to
	Type    string // its "@type": records of one type share a push
	ID      string // its "id", for logs
	JSON    []byte // the record object; not modified by the sink
	// Ctx, when set, abandons the record once it is done: a record whose Ctx is done
	// before its push starts fails with ErrNotDone instead of being pushed (its Kafka
	// partition was revoked: another process will push it).
	Ctx context.Context
	// Done is called exactly once with the record's fate, from a sink goroutine (or
	// from Write itself, for a record failed at once), never while the sink holds a
	// lock; it must not block for long and must not call Write. Required.
	Done func(err error)
}

// Account is what the sink needs to push for one account.
type Account struct {
	Key  string  // the API key, sent as X-Ometria-Auth
	Rate float64 // requests/s; 0 means Config.DefaultRate
}

// Accounts looks an account up by name; false means it is not configured.
type Accounts func(name string) (Account, bool)

// Option configures a Sink.
type Option func(*Sink)

// WithHTTPClient sets the HTTP client (default: one with pooled connections).
func WithHTTPClient(c *http.Client) Option { return func(s *Sink) { s.client = c } }

// WithLogger sets the logger (default: none).
func WithLogger(l *zap.Logger) Option { return func(s *Sink) { s.log = l } }

// WithMetrics sets the metrics receiver (default: none).
func WithMetrics(m Metrics) Option { return func(s *Sink) { s.metrics = m } }

// Sink pushes records. Its methods are safe for concurrent use.
type Sink struct {
	cfg      Config
	lookup   Accounts
	client   *http.Client
	log      *zap.Logger
	metrics  Metrics
	pushURL  string
	errorURL string

	pending  chan struct{} // a token per record held: backpressure
	requests chan struct{} // a token per HTTP request in flight

	ctx    context.Context // cancelled when Close gives up waiting
	cancel context.CancelFunc
	wg     sync.WaitGroup // account workers

	mu       sync.Mutex
	closed   bool
	accounts map[string]*account
}

// New returns a Sink. It validates cfg and starts nothing until records arrive.
func New(cfg Config, accounts Accounts, opts ...Option) (*Sink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sink: invalid config: %w", err)
	}
	if accounts == nil {
		return nil, errors.New("sink: no account lookup")
	}
	cfg.setDefaults()
	s := &Sink{
		cfg:      cfg,
		lookup:   accounts,
		metrics:  nopMetrics{},
		pushURL:  cfg.BaseURL + "/push",
		errorURL: cfg.BaseURL + "/push/_errors",
		pending:  make(chan struct{}, cfg.MaxPending),
		requests: make(chan struct{}, cfg.MaxRequests),
		accounts: map[string]*account{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.MaxRequests
		s.client = &http.Client{Transport: tr}
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	if s.metrics == nil {
		s.metrics = nopMetrics{}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Write hands r to the sink. It blocks while the sink is full, until ctx is done. When
// Write returns an error (ctx done, ErrClosed), r.Done is not called: the caller keeps r.
func (s *Sink) Write(ctx context.Context, r Record) error {
	if r.Done == nil {
		return errors.New("sink: Record.Done is required")
	}
	select {
	case s.pending <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	fail, outcome, err := s.admit(r)
	if err != nil {
		<-s.pending
		return err
	}
	if fail != nil { // after s.mu is released: the sink holds no lock while Done runs
		s.finish([]Record{r}, r.Account, fail, outcome)
	}
	return nil
}

// admit puts r in its account's open batch. s.mu is held across it, so that no record
// slips into an account after Close has sealed its batches. It returns ErrClosed after
// Close; or, for a record it fails at once (an unknown account, a refused key), the
// error and outcome to finish it with, which Write does once s.mu is released.
func (s *Sink) admit(r Record) (fail error, outcome Outcome, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, "", ErrClosed
	}
	a := s.accounts[r.Account]
	if a == nil {
		acct, ok := s.lookup(r.Account)
		if !ok {
			return ErrUnknownAccount, Rejected, nil
		}
		a = s.newAccount(r.Account, acct)
		s.accounts[r.Account] = a
	}
	if !a.add(r) {
		return ErrAccountUnavailable, Unavailable, nil
	}
	return nil, "", nil
}

// Close stops accepting records, pushes every batch it holds without waiting for the
// linger time, and waits for them until ctx is done; the records still not done then
// get ErrNotDone. It returns ctx's error when it had to give up.
func (s *Sink) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	accts := make([]*account, 0, len(s.accounts))
	for _, a := range s.accounts {
		accts = append(accts, a)
	}
	s.mu.Unlock()
	for _, a := range accts {
		a.sealAll()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.cancel() // workers fail what they hold with ErrNotDone and stop
		<-done
		return ctx.Err()
	}
}

// finish reports err (nil: accepted) to every record and releases their room.
func (s *Sink) finish(recs []Record, account string, err error, outcome Outcome) {
	if len(recs) == 0 {
		return
	}
	s.metrics.Records(account, recs[0].Type, outcome, len(recs))
	for _, r := range recs {
		r.Done(err)
		<-s.pending
	}
}
