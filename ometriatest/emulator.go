package ometriatest

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/time/rate"
)

// Emulator is the emulator's core: an http.Handler serving the Ometria Push API under /v2 and
// the test controls under /_emulator/, plus the inspection and fault methods. Server wraps it
// in an httptest.Server; the ometria-emulator binary serves it with an http.Server. All
// methods are safe for concurrent use.
type Emulator struct {
	cfg     Config
	schemas map[string]*recordSchema
	rng     *lockedRand

	mu       sync.Mutex
	byKey    map[string]string   // API key -> account name
	accounts map[string]*account // by name
	anon     *history            // pushes without a valid key
	faults   Faults
}

// account is one account's configuration and state.
type account struct {
	Account
	limiter *rate.Limiter
	queue   backlog
	store   map[recordKey]map[string]any
	history
}

// history is what the emulator remembers about the pushes of one account.
type history struct {
	requests   []*Request
	arrivals   []time.Time // arrivals within the last second, oldest first
	maxRPS     int
	rejections []PushError
}

// New returns an Emulator that knows accounts. It is what NewServer serves; use it directly
// to serve the emulator with your own http.Server.
func New(cfg Config, accounts ...Account) *Emulator {
	cfg = cfg.withDefaults()
	e := &Emulator{
		cfg:      cfg,
		schemas:  newSchemas(cfg),
		rng:      newLockedRand(cfg.Seed),
		byKey:    map[string]string{},
		accounts: map[string]*account{},
		anon:     &history{},
	}
	for _, a := range accounts {
		e.AddAccount(a)
	}
	return e
}

// AddAccount adds an account, or updates the key and rate limit of the account with the same
// name (its records and history stay). An empty Name becomes "account-<n>".
func (e *Emulator) AddAccount(a Account) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a.Name == "" {
		a.Name = fmt.Sprintf("account-%d", len(e.accounts)+1)
	}
	if old, ok := e.accounts[a.Name]; ok {
		delete(e.byKey, old.Key)
		old.Account = a
		old.limiter.SetLimitAt(e.cfg.Now(), rate.Limit(e.rateOf(a)))
	} else {
		e.accounts[a.Name] = e.newAccount(a)
	}
	if a.Key != "" {
		e.byKey[a.Key] = a.Name
	}
}

// newAccount returns the fresh state of a.
func (e *Emulator) newAccount(a Account) *account {
	return &account{
		Account: a,
		limiter: rate.NewLimiter(rate.Limit(e.rateOf(a)), e.burstOf(a)),
		store:   map[recordKey]map[string]any{},
	}
}

// rateOf returns the requests per second allowed to a.
func (e *Emulator) rateOf(a Account) float64 {
	if a.RateLimit > 0 {
		return a.RateLimit
	}
	return e.cfg.RateLimit
}

// burstOf returns the token bucket burst of a: Config.Burst, else its rate rounded down.
func (e *Emulator) burstOf(a Account) int {
	if e.cfg.Burst > 0 {
		return e.cfg.Burst
	}
	r := e.rateOf(a)
	if math.IsInf(r, 1) || r > 1e6 {
		return 1e6
	}
	return max(1, int(math.Floor(r)))
}

// Reset forgets every record, request, rejection, fault and the rate limiter and backlog state.
// The accounts stay.
func (e *Emulator) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for name, a := range e.accounts {
		e.accounts[name] = e.newAccount(a.Account)
	}
	e.anon = &history{}
	e.faults = Faults{}
}

// accountByKey returns the account whose key is key, or nil. The caller holds e.mu.
func (e *Emulator) accountByKey(key string) *account {
	if key == "" {
		return nil
	}
	return e.accounts[e.byKey[key]]
}

// historyOf returns the history of the named account ("" = pushes without a valid key), or
// nil. The caller holds e.mu.
func (e *Emulator) historyOf(name string) *history {
	if name == "" {
		return e.anon
	}
	if a, ok := e.accounts[name]; ok {
		return &a.history
	}
	return nil
}

// exchange is what one request did, for the log line.
type exchange struct {
	account                     string
	status                      int // 0 = connection dropped
	records, accepted, rejected int
}

// ServeHTTP serves the Push API under /v2 and the test controls under /_emulator/.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	x := &exchange{}
	defer func() {
		e.cfg.Logger.Info("request",
			zap.String("method", r.Method), zap.String("path", r.URL.Path),
			zap.String("account", x.account), zap.Int("status", x.status),
			zap.Int("records", x.records), zap.Int("accepted", x.accepted),
			zap.Int("rejected", x.rejected), zap.Duration("duration", time.Since(start)))
	}()
	path := r.URL.Path
	switch {
	case path == "/v2/push":
		if r.Method != http.MethodPost {
			e.methodNotAllowed(w, x, http.MethodPost)
			return
		}
		e.push(w, r, x)
	case path == "/v2/push/_errors":
		if r.Method != http.MethodGet {
			e.methodNotAllowed(w, x, http.MethodGet)
			return
		}
		e.listErrors(w, r, x)
	case strings.HasPrefix(path, "/v2/push/"):
		// Ometria says a request_id lets you "look at request status" but documents no
		// endpoint for it, so the emulator has none.
		e.writeError(w, x, http.StatusNotFound, "not found: Ometria documents no request status endpoint")
	case strings.HasPrefix(path, "/_emulator/"):
		e.control(w, r, x)
	default:
		e.writeError(w, x, http.StatusNotFound, "not found")
	}
}

// methodNotAllowed answers 405.
func (e *Emulator) methodNotAllowed(w http.ResponseWriter, x *exchange, allow string) {
	w.Header().Set("Allow", allow)
	e.writeError(w, x, http.StatusMethodNotAllowed, "method not allowed")
}
