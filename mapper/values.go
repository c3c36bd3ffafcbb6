package mapper

import "github.com/bojanz/currency"

// countryCodes are the 249 codes ISO 3166-1 assigns (alpha-2, as of 2024). Not among
// them: codes ISO reserves (AC, CP, DG, EA, EU, EZ, FX, IC, TA, UK, UN, ...), codes it
// withdrew (AN, CS, SU, YU, ...) and user-assigned codes such as XK (Kosovo), which
// CLDR, and so golang.org/x/text, counts as regions.
const countryCodes = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA " +
	"RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

// countries has a true for each assigned code, indexed by countryIndex.
var countries = func() (t [26 * 26]bool) {
	for i := 0; i+2 <= len(countryCodes); i += 3 {
		t[countryIndex([2]byte{countryCodes[i], countryCodes[i+1]})] = true
	}
	return t
}()

// countryIndex indexes countries by an upper-case code; -1 for anything else.
func countryIndex(c [2]byte) int {
	if c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		return -1
	}
	return int(c[0]-'A')*26 + int(c[1]-'A')
}

// isCountry reports whether c, upper case, is an assigned ISO 3166-1 alpha-2 code.
func isCountry(c [2]byte) bool {
	i := countryIndex(c)
	return i >= 0 && countries[i]
}

// countryCode returns the country_id for the upper-cased code c: c itself when ISO
// 3166-1 assigns it; GB for UK, which ISO reserves for the United Kingdom at its request
// (the .uk domain, and common in shop data); false for anything else.
func countryCode(c [2]byte) ([2]byte, bool) {
	if c == [2]byte{'U', 'K'} {
		return [2]byte{'G', 'B'}, true
	}
	return c, isCountry(c)
}

// isCurrency reports whether code is a current ISO 4217 currency, from CLDR's data
// through github.com/bojanz/currency (withdrawn codes such as BYR, HRK and VEF are not).
func isCurrency(code []byte) bool {
	return len(code) == 3 && currency.IsValid(string(code))
}
