package mapper

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// phoneRegions are the regions libphonenumber has metadata for; read-only after init.
var phoneRegions = phonenumbers.GetSupportedRegions()

// IsPhoneRegion reports whether r (any case) is a region phone numbers can be read for.
func IsPhoneRegion(r string) bool { return phoneRegions[strings.ToUpper(r)] }

// phoneCacheSize bounds the per-Mapper cache of normalised numbers.
const phoneCacheSize = 8192

// phoneCache remembers normalised numbers. libphonenumber costs about 40 µs a number
// (Go's regexp engine), ten times the rest of the mapping, while an event stream
// repeats the same contacts' numbers many times. The key is region + "|" + input.
type phoneCache struct {
	m   map[string]string // "" means invalid
	key []byte
}

// e164 normalises raw to E.164, reading numbers without "+" in region.
// ok is false for a number that is not valid.
func (c *phoneCache) e164(raw []byte, region string) (string, bool) {
	c.key = append(append(append(c.key[:0], region...), '|'), raw...)
	if v, hit := c.m[string(c.key)]; hit {
		return v, v != ""
	}
	v := normalize(string(raw), region)
	if c.m == nil || len(c.m) >= phoneCacheSize {
		c.m = make(map[string]string, 256)
	}
	c.m[string(c.key)] = v
	return v, v != ""
}

// normalize is normalizePhone; tests replace it to count the calls to libphonenumber.
var normalize = normalizePhone

func normalizePhone(raw, region string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 64 {
		return ""
	}
	if raw[0] != '+' && region == "" {
		return ""
	}
	n, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}
