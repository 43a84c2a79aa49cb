package number

import (
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// PhoneType aliases phonenumbers' type for the test helpers.
type PhoneType = phonenumbers.PhoneNumberType

var phoneTypes = []PhoneType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST}

func supportedRegions() map[string]bool { return phonenumbers.GetSupportedRegions() }

// exampleNumber returns a region's example number of a type: E.164, the
// national significant number and the national prefix.
func exampleNumber(region string, pt PhoneType) (e164, nsn, np string, ok bool) {
	pn := phonenumbers.GetExampleNumberForType(region, pt)
	if pn == nil {
		return "", "", "", false
	}
	nsn = phonenumbers.GetNationalSignificantNumber(pn)
	return "+" + strconv.Itoa(int(pn.GetCountryCode())) + nsn, nsn, phonenumbers.GetNddPrefixForRegion(region, true), true
}
