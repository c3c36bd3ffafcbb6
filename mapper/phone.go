package mapper

import (
	"bytes"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/nyaruka/phonenumbers"
)

// phoneRegions are the regions libphonenumber has metadata for; read-only after init.
var phoneRegions = phonenumbers.GetSupportedRegions()

// IsPhoneRegion reports whether r (any case) is a region phone numbers can be read for.
func IsPhoneRegion(r string) bool { return phoneRegions[strings.ToUpper(r)] }

// phoneCacheSize bounds each Account's cache of normalised phone numbers: it holds the
// numbers (valid or not) most recently seen for the account, and forgets the least
// recently used. An entry takes about 180 bytes (230 for an input of maxPhoneLen bytes),
// so a full cache takes about 1.5 MB (at most 1.9 MB) per account.
const phoneCacheSize = 8192

// maxPhoneLen is the longest input, trimmed, read as a phone number; longer is invalid.
const maxPhoneLen = 64

// phoneCache remembers an account's normalised numbers, shared by every Mapper and
// goroutine mapping the account, so that a Mapper dropped from a sync.Pool takes none
// with it. libphonenumber costs about 40 µs a number (Go's regexp engine), ten times the
// rest of the mapping, while an event stream repeats the same contacts' numbers many
// times. The key is the trimmed input (the region is the account's); "" means invalid.
type phoneCache struct {
	lru    *lru.Cache[string, string] // nil: no caching
	region string                     // the account's PhoneRegion, upper case
}

func newPhoneCache(region string) phoneCache {
	c, err := lru.New[string, string](phoneCacheSize)
	if err != nil { // only for a size below 1
		panic(err)
	}
	return phoneCache{lru: c, region: region}
}

// e164 normalises raw to E.164, reading numbers without "+" in the account's region.
// ok is false for a number that is not valid. Safe for concurrent use.
func (c *phoneCache) e164(raw []byte) (string, bool) {
	region := c.region
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || len(raw) > maxPhoneLen || raw[0] != '+' && region == "" {
		return "", false
	}
	if c.lru == nil { // an Account not made by NewAccount
		v := normalize(string(raw), region)
		return v, v != ""
	}
	// string(raw) does not allocate for up to 32 bytes: Get keeps no reference to it, so
	// the compiler converts into a buffer on the stack (TestPhoneCacheHitAllocs).
	if v, hit := c.lru.Get(string(raw)); hit {
		return v, v != ""
	}
	s := string(raw)
	v := normalize(s, region)
	c.lru.Add(s, v)
	return v, v != ""
}

// normalize is normalizePhone; tests replace it to count the calls to libphonenumber.
var normalize = normalizePhone

// normalizePhone reads raw, trimmed and at most maxPhoneLen bytes, as a phone number.
func normalizePhone(raw, region string) string {
	n, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}
