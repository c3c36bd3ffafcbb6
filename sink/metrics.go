package sink

import "time"

// Outcome of a record, as counted by Metrics.Records.
type Outcome string

// Record outcomes.
const (
	Accepted    Outcome = "accepted"
	Rejected    Outcome = "rejected"
	Unavailable Outcome = "unavailable"
	Exhausted   Outcome = "exhausted"
	NotDone     Outcome = "not_done"
)

// Outcomes lists every Outcome, in a stable order.
func Outcomes() []Outcome { return []Outcome{Accepted, Rejected, Unavailable, Exhausted, NotDone} }

// Metrics receives the sink's measurements. The sink never imports a metrics library:
// the caller backs this with Prometheus (or anything). Methods are called concurrently
// and must not block. Account names are labels; API keys never reach Metrics.
type Metrics interface {
	// Request is one HTTP request to Ometria; status 0 means no response (timeout, network).
	Request(account string, status int, took time.Duration)
	// Records counts records reaching an outcome.
	Records(account, typ string, outcome Outcome, n int)
	// Batch is a batch sealed for pushing.
	Batch(typ string, records, bytes int)
	// Retry is a retry of a push, with its reason: "429", "5xx", "timeout" or "network".
	Retry(account, reason string)
	// LimiterWait is the time a push waited for the account's token bucket.
	LimiterWait(account string, waited time.Duration)
	// AccountUnavailable reports an account's key refused (true) or working again (false).
	AccountUnavailable(account string, unavailable bool)
}

type nopMetrics struct{}

func (nopMetrics) Request(string, int, time.Duration)   {}
func (nopMetrics) Records(string, string, Outcome, int) {}
func (nopMetrics) Batch(string, int, int)               {}
func (nopMetrics) Retry(string, string)                 {}
func (nopMetrics) LimiterWait(string, time.Duration)    {}
func (nopMetrics) AccountUnavailable(string, bool)      {}
