package config

import (
	"net"
	"net/url"
	"strings"
	"time"
)

// Ometria API defaults.
const (
	DefaultBaseURL = "https://api.ometria.com/v2"
	DefaultTimeout = 10 * time.Second
)

// Ometria is how to reach Ometria's API.
type Ometria struct {
	// BaseURL is the API root; the push endpoint is BaseURL + "/push". It must be https,
	// except for loopback hosts (the emulator). A trailing "/" is removed.
	BaseURL string `yaml:"base_url"`
	// Timeout bounds one HTTP request, written as a Go duration ("10s", "1m30s").
	Timeout time.Duration `yaml:"timeout"`
}

func (o *Ometria) applyDefaults(present map[string]int) {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Timeout == 0 && present["ometria.timeout"] == 0 {
		o.Timeout = DefaultTimeout
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
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
