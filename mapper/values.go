package mapper

import (
	"github.com/bojanz/currency"
	"golang.org/x/text/language"
)

// isCountry reports whether c is an ISO 3166-1 alpha-2 country code (CLDR's list,
// through golang.org/x/text).
func isCountry(c [2]byte) bool {
	r, err := language.ParseRegion(string(c[:]))
	return err == nil && r.IsCountry() && r.String() == string(c[:])
}

// isCurrency reports whether code is a current ISO 4217 currency, from CLDR's data
// through github.com/bojanz/currency (withdrawn codes such as BYR, HRK and VEF are not).
func isCurrency(code []byte) bool {
	return len(code) == 3 && currency.IsValid(string(code))
}
