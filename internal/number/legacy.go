package number

import "strings"

// Retired dialling prefixes that people still write. libphonenumber's
// metadata follows the numbering plans as they are today, so a number
// written with a prefix its country has dropped is invalid there, though
// every reader knows which number is meant:
//
//   - Mexico dropped its trunk prefixes "01" (long distance) and
//     "044"/"045" (a mobile from a landline) and the "1" after +52 for
//     mobiles in 2019-2020: "01 800 123 4567", "044 55 1234 5678" and
//     "+52 1 55 1234 5678" are the ten-digit numbers after them.
//   - Old exchanges made callers wait for a second dial tone after the
//     trunk or international prefix, written "0~22 …" (Poland) or
//     "8~10 …" (the former Soviet networks): the prefix before the "~" is
//     dialled, not part of the number.
//
// legacyForm returns the number key without such a prefix, or "" when key
// has none. wait is the count of digits before a "~", or -1.
func legacyForm(key, region string, wait int) string {
	switch {
	case strings.HasPrefix(key, "+521") && len(key) == 14:
		return "+52" + key[4:]
	case key[0] == '+':
		return ""
	case wait == 1 && len(key) > 7 && (key[0] == '0' || key[0] == '8') && key[1] != '0':
		return key[1:] // "0~22 765 43 21"
	case wait == 3 && strings.HasPrefix(key, "810") && len(key) > 10:
		return "+" + key[3:] // "8~10 49 30 ..."
	case region == "MX" && len(key) == 12 && strings.HasPrefix(key, "01"):
		return key[2:]
	case region == "MX" && len(key) == 13 && (strings.HasPrefix(key, "044") || strings.HasPrefix(key, "045")):
		return key[3:]
	}
	return ""
}
