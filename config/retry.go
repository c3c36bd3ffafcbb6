package config

import "time"

// Retry is the retry stage's policy for records parked on the retry topic.
type Retry struct {
	// MaxAttempts is how many times a parked record is pushed again before it is
	// dead-lettered. Default 10.
	MaxAttempts int `yaml:"max_attempts"`
	// MaxAge is how long after its first failure a record is dead-lettered. Default 24h.
	MaxAge time.Duration `yaml:"max_age"`
	// InitialDelay is the wait before the first retry; it doubles up to MaxDelay.
	// Defaults 1m and 1h.
	InitialDelay time.Duration `yaml:"initial_delay"`
	MaxDelay     time.Duration `yaml:"max_delay"`
}

// DefaultRetry returns the retry policy's defaults, for each field left out (zero) of
// the config: 10 attempts, 24h, 1m and 1h. The one place they are written.
func DefaultRetry() Retry {
	return Retry{MaxAttempts: 10, MaxAge: 24 * time.Hour, InitialDelay: time.Minute, MaxDelay: time.Hour}
}

func (r *Retry) applyDefaults() {
	d := DefaultRetry()
	if r.MaxAttempts == 0 {
		r.MaxAttempts = d.MaxAttempts
	}
	if r.MaxAge == 0 {
		r.MaxAge = d.MaxAge
	}
	if r.InitialDelay == 0 {
		r.InitialDelay = d.InitialDelay
	}
	if r.MaxDelay == 0 {
		r.MaxDelay = d.MaxDelay
	}
}

func (r *Retry) validate(p *problems) {
	if r.MaxAttempts < 1 {
		p.add("retry.max_attempts", "must be positive, got %d", r.MaxAttempts)
	}
	for _, f := range []struct {
		path string
		d    time.Duration
	}{{"retry.max_age", r.MaxAge}, {"retry.initial_delay", r.InitialDelay}, {"retry.max_delay", r.MaxDelay}} {
		if f.d < 0 {
			p.add(f.path, "must not be negative, got %s", f.d)
		}
	}
	if r.MaxDelay < r.InitialDelay {
		p.add("retry.max_delay", "%s is shorter than retry.initial_delay %s", r.MaxDelay, r.InitialDelay)
	}
}
