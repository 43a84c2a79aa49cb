// Package number finds phone numbers in free text and normalises them to
// E.164. It is pure (no I/O) and every parser in it is fuzzed.
//
// Find and FindUnique work like libphonenumber's findNumbers at VALID
// leniency, with its national-prefix check, built on
// github.com/nyaruka/phonenumbers (whose own matcher is an empty stub): a
// hand-written candidate scanner (scan.go), libphonenumber's inner-match
// and neighbour rules (matcher.go), and a parse-and-validate fast path over
// phonenumbers' metadata (fastparse.go). On top of that, rules.go and
// labels.go drop digit strings that are better read as something else:
// dates and timestamps, card numbers, IBANs, UUIDs, IP addresses, versions,
// coordinates, prices, labelled IDs and conference passcodes.
//
// Parse reads one number a user typed or pasted (a bare number, tel:,
// callto: or sip: URI).
package number
