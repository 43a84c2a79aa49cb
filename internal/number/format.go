package number

import (
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// Display shows an E.164 number the way people write it ("+49 30
// 1234567"); anything that does not parse is returned unchanged.
func Display(e164 string) string {
	pn, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(pn, phonenumbers.INTERNATIONAL)
}

// Split splits the digits of an E.164 number (without "+") into its
// country calling code and national number, and gives the national
// dialling prefix of that country ("0" for Germany, "" where there is
// none). ok is false when no country has such a code.
func Split(digits string) (cc, national, ndd string, ok bool) {
	// Country calling codes are prefix-free, so the first length that
	// names a country is the country code.
	for l := 1; l <= 3 && l < len(digits); l++ {
		n, err := strconv.Atoi(digits[:l])
		if err != nil {
			break
		}
		region := phonenumbers.GetRegionCodeForCountryCode(n)
		if region == "" || region == "ZZ" {
			continue
		}
		return digits[:l], digits[l:], phonenumbers.GetNddPrefixForRegion(region, true), true
	}
	return "", "", "", false
}
