package config

import (
	"net"
	"net/url"
	"strings"
	"time"
)

// Ometria API defaults.
const (
	DefaultBaseURL   = "https://api.ometria.com/v2"
	DefaultTimeout   = 10 * time.Second
	DefaultLinger    = time.Second
	DefaultMaxLinger = 3 * time.Second
)

// Ometria is how to reach Ometria's API.
type Ometria struct {
	// BaseURL is the API root; the push endpoint is BaseURL + "/push". It must be https,
	// except for loopback hosts (the emulator). A trailing "/" is removed.
	BaseURL string `yaml:"base_url"`
	// Timeout bounds one HTTP request, written as a Go duration ("10s", "1m30s").
	Timeout time.Duration `yaml:"timeout"`
	// Linger is how long a partial batch (fewer than 100 records) waits for more while its
	// account has nothing else to push. Longer: fuller batches and fewer requests, later
	// records. Default 1s.
	Linger time.Duration `yaml:"linger"`
	// MaxLinger is how long a partial batch may wait while its account is busy pushing
	// others (it could not leave sooner anyway): it keeps filling. At least Linger.
	// Default 3s.
	MaxLinger time.Duration `yaml:"max_linger"`
}

func (o *Ometria) applyDefaults(present map[string]int) {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Timeout == 0 && present["ometria.timeout"] == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Linger == 0 && present["ometria.linger"] == 0 {
		o.Linger = DefaultLinger
	}
	if o.MaxLinger == 0 && present["ometria.max_linger"] == 0 {
		o.MaxLinger = max(DefaultMaxLinger, o.Linger)
	}
}

func (o *Ometria) validate(p *problems) {
	// The URL is not quoted in messages: it could hold credentials.
	u, err := url.Parse(o.BaseURL)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		p.add("ometria.base_url", "is not an absolute URL such as %s", DefaultBaseURL)
	case u.User != nil:
		p.add("ometria.base_url", "must not contain credentials; the API key comes from accounts.<name>.api_key_env or api_key_file")
	case u.RawQuery != "" || u.Fragment != "":
		p.add("ometria.base_url", "must not have a query or fragment")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		p.add("ometria.base_url", "must be https (http is allowed only for loopback hosts)")
	}
	if o.Timeout <= 0 {
		p.add("ometria.timeout", "must be positive, got %s", o.Timeout)
	}
	if o.Linger <= 0 {
		p.add("ometria.linger", "must be positive, got %s", o.Linger)
	}
	if o.MaxLinger < o.Linger {
		p.add("ometria.max_linger", "%s is shorter than ometria.linger (%s)", o.MaxLinger, o.Linger)
	}
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
