package number

import (
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Match is one phone number found in a text.
type Match struct {
	Start, End int    // byte offsets into the text given
	Raw        string // text[Start:End]
	Number            // E164, Extension, Region, Type; SafeToAutoDial()
}

// DefaultScanLimit is how much of a text Find looks at unless told
// otherwise: a clipboard can hold megabytes, and a number worth offering is
// near the start.
const DefaultScanLimit = 64 << 10

type options struct {
	limit int
}

// Option changes how Find works.
type Option func(*options)

// WithScanLimit makes Find look at only the first n bytes of the text (cut
// back to a rune boundary). n <= 0 scans the whole text.
func WithScanLimit(n int) Option {
	return func(o *options) { o.limit = n }
}

// maxTries bounds the number of failed candidates per call, as
// libphonenumber does, so that no text costs more than a fixed number of
// parses.
const maxTries = 65535

// Find returns the phone numbers in text, in order of appearance. region
// (ISO 3166, e.g. "DE") is how national numbers without a country code are
// read. A number is reported when libphonenumber would find it at its VALID
// leniency (including the national-prefix check) and it is not better read
// as something else: a date or time, a card number, an IBAN, a UUID, an IP
// address, a version, coordinates, a price, an ID after a label such as
// "Order no.", or a conference passcode after a pause.
func Find(text, region string, opts ...Option) []Match {
	o := options{limit: DefaultScanLimit}
	for _, opt := range opts {
		opt(&o)
	}
	full := text
	if o.limit > 0 && len(text) > o.limit {
		cut := o.limit
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	m := newMatcher(text, strings.ToUpper(strings.TrimSpace(region)))
	out := m.run()
	if n := len(out); n > 0 && len(text) < len(full) {
		// A number cut by the limit is not reported as the shorter
		// number it leaves behind.
		if _, e := scanCandidate(full, out[n-1].Start, out[n-1].Start); e > len(text) {
			out = out[:n-1]
		}
	}
	return out
}

// FindUnique is Find keeping only the first appearance of each E.164
// number.
func FindUnique(text, region string, opts ...Option) []Match {
	all := Find(text, region, opts...)
	if len(all) < 2 {
		return all
	}
	seen := make(map[string]bool, len(all))
	out := all[:0]
	for _, m := range all {
		if seen[m.E164] {
			continue
		}
		seen[m.E164] = true
		out = append(out, m)
	}
	return out
}

// KnownRegion reports whether region (ISO 3166, any case) is one that
// national numbers can be read in.
func KnownRegion(region string) bool {
	return phonenumbers.GetSupportedRegions()[strings.ToUpper(region)]
}
