package number

import "github.com/nyaruka/phonenumbers"

// NationalDigits is the national significant number of an E.164 number
// (+49 30 1234567 gives 301234567): its digits as written at home without
// the trunk prefix. "" when e164 is no number.
func NationalDigits(e164 string) string {
	pn, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil {
		return ""
	}
	return phonenumbers.GetNationalSignificantNumber(pn)
}
