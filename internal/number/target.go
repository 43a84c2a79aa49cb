package number

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Sentinel errors.
var (
	ErrNotANumber = errors.New("number: not a phone number")
	ErrMMI        = errors.New("number: USSD/MMI code")
)

// Type is the kind of line a number reaches.
type Type string

const (
	TypeFixed      Type = "fixed"
	TypeMobile     Type = "mobile"
	TypeFixedOrMob Type = "fixed-or-mobile"
	TypeTollFree   Type = "toll-free"
	TypePremium    Type = "premium"
	TypeSharedCost Type = "shared-cost"
	TypeVoIP       Type = "voip"
	TypePersonal   Type = "personal"
	TypePager      Type = "pager"
	TypeUAN        Type = "uan"
	TypeVoicemail  Type = "voicemail"
	TypeEmergency  Type = "emergency"
	TypeUnknown    Type = "unknown"
)

// Number is one normalised phone number.
type Number struct {
	E164      string // "+4930123456"
	Extension string // digits after "ext", "x", ";ext=" (not dialled automatically)
	Region    string // ISO 3166 region the number belongs to ("DE")
	Type      Type
}

// SafeToAutoDial reports whether the number may be dialled without the
// user confirming on the phone: premium-rate, shared-cost, UAN and emergency
// numbers are not.
func (n Number) SafeToAutoDial() bool {
	switch n.Type {
	case TypePremium, TypeSharedCost, TypeUAN, TypeEmergency:
		return false
	}
	return true
}

// maxEmergencyLen is the longest number checked against the emergency
// lists. Some regions (BR, CL, NI) match those lists by prefix, which
// would call every long number starting with "190" an emergency number.
const maxEmergencyLen = 6

// classify fills in Region and Type for a parsed number.
func classify(pn *phonenumbers.PhoneNumber) (region string, t Type) {
	region = phonenumbers.GetRegionCodeForNumber(pn)
	nsn := phonenumbers.GetNationalSignificantNumber(pn)
	if region != "" && len(nsn) <= maxEmergencyLen && phonenumbers.IsEmergencyNumber(nsn, region) {
		return region, TypeEmergency
	}
	return region, typeOf(phonenumbers.GetNumberType(pn))
}

// typeOf maps phonenumbers' number types to deskdial's.
func typeOf(pt phonenumbers.PhoneNumberType) Type {
	switch pt {
	case phonenumbers.FIXED_LINE:
		return TypeFixed
	case phonenumbers.MOBILE:
		return TypeMobile
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		return TypeFixedOrMob
	case phonenumbers.TOLL_FREE:
		return TypeTollFree
	case phonenumbers.PREMIUM_RATE:
		return TypePremium
	case phonenumbers.SHARED_COST:
		return TypeSharedCost
	case phonenumbers.VOIP:
		return TypeVoIP
	case phonenumbers.PERSONAL_NUMBER:
		return TypePersonal
	case phonenumbers.PAGER:
		return TypePager
	case phonenumbers.UAN:
		return TypeUAN
	case phonenumbers.VOICEMAIL:
		return TypeVoicemail
	}
	return TypeUnknown
}

// IsMMI reports whether s looks like a USSD/MMI code (it contains * or #),
// which can change phone settings or wipe a phone and is never dialled
// silently.
func IsMMI(s string) bool {
	s = strings.TrimSpace(s)
	if u, ok := stripScheme(s); ok {
		s = u
	}
	if dec, err := url.PathUnescape(s); err == nil {
		s = dec
	}
	return strings.ContainsAny(s, "*#")
}

// stripScheme removes a tel:, callto: or sip: scheme and returns the rest.
func stripScheme(s string) (string, bool) {
	low := strings.ToLower(s)
	for _, p := range []string{"tel:", "callto:", "sip:", "sips:"} {
		if strings.HasPrefix(low, p) {
			rest := s[len(p):]
			rest = strings.TrimPrefix(rest, "//")
			if p == "sip:" || p == "sips:" {
				// sip:+4930123@example.com;user=phone — the user part.
				if i := strings.IndexByte(rest, '@'); i >= 0 {
					rest = rest[:i]
				}
			}
			return rest, true
		}
	}
	return s, false
}

// IsE164 reports whether s is written as an E.164 number: "+" and 2 to 15
// digits, nothing else. It checks the writing only, not the numbering
// plan: for text that should already be E.164 (what a store or another
// process hands over), not for what a user typed.
func IsE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Parse reads one number typed or pasted by a user: "+49 30 123456",
// "030 123456" (with region "DE"), "tel:+49-30-123456;ext=12" (RFC 3966),
// "callto:", "sip:" user parts. region is the default region for national
// numbers. Numbers that are not valid for their region are refused.
// USSD/MMI codes return ErrMMI.
func Parse(s, region string) (Number, error) {
	return parse(s, region, true)
}

// parse is Parse; fast lets a plain digit string take the validated fast
// path (fastLookup) instead of libphonenumber's parser. The results are the
// same either way (TestParseFastAgreesWithPhonenumbers, FuzzParseFastPath):
// the fast path answers only for numbers it finds valid and hands
// everything else, errors included, to libphonenumber.
func parse(s, region string, fast bool) (Number, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return Number{}, fmt.Errorf("%w: empty", ErrNotANumber)
	}
	if len(raw) > 256 {
		return Number{}, fmt.Errorf("%w: too long", ErrNotANumber)
	}
	body, isURI := stripScheme(raw)
	ext := ""
	if isURI {
		// RFC 3966: tel:+1-201-555-0123;ext=1234;phone-context=...
		parts := strings.Split(body, ";")
		body = parts[0]
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(p, "=")
			switch strings.ToLower(k) {
			case "ext":
				ext = v
			case "phone-context":
				// A global context ("+49") supplies the country code for a
				// local number.
				if strings.HasPrefix(v, "+") && !strings.HasPrefix(body, "+") {
					body = v + body
				}
			}
		}
		if dec, err := url.PathUnescape(body); err == nil {
			body = dec
		}
		if i := strings.IndexByte(body, '?'); i >= 0 {
			body = body[:i]
		}
	}
	if strings.ContainsAny(body, "*#") {
		return Number{}, fmt.Errorf("%w: %q", ErrMMI, body)
	}
	if region == "" {
		region = "ZZ"
	}
	if fast {
		// A dial request carries an E.164 number: libphonenumber's parser
		// spends most of its time in regular expressions for extensions and
		// alphanumeric input such a string cannot hold, and validates and
		// classifies the number with patterns it looks up per call.
		if key, ok := plainDigits(body); ok {
			if p, fb := fastLookup(key, strings.ToUpper(region)); !fb && p.ok {
				p.num.Extension = ext
				return p.num, nil
			}
		}
	}
	pn, err := phonenumbers.Parse(body, strings.ToUpper(region))
	if err != nil {
		return Number{}, fmt.Errorf("%w: %q: %v", ErrNotANumber, body, err)
	}
	if !phonenumbers.IsValidNumber(pn) {
		// Short emergency numbers are not "valid" numbers but must still be
		// recognised so that the policy can refuse to auto-dial them.
		nsn := phonenumbers.GetNationalSignificantNumber(pn)
		if region != "ZZ" && phonenumbers.IsEmergencyNumber(nsn, strings.ToUpper(region)) {
			return Number{E164: phonenumbers.Format(pn, phonenumbers.E164), Region: strings.ToUpper(region), Type: TypeEmergency}, nil
		}
		return Number{}, fmt.Errorf("%w: %q is not a valid number", ErrNotANumber, body)
	}
	n := Number{E164: phonenumbers.Format(pn, phonenumbers.E164), Extension: ext}
	if n.Extension == "" {
		n.Extension = pn.GetExtension()
	}
	n.Region, n.Type = classify(pn)
	return n, nil
}

// maxPlainDigits bounds the digits plainDigits passes on; no valid number
// has more (a country code of up to 3 digits, a national prefix, at most 17
// national digits).
const maxPlainDigits = 24

// plainDigits reads "+4930123456", "030 123456" or "+49-30-123456": an
// optional plus, then ASCII digits in groups split by single spaces or
// hyphens. It returns the digits (with the plus) as fastLookup takes them;
// ok is false for anything else, which libphonenumber parses instead.
func plainDigits(s string) (key string, ok bool) {
	var buf [1 + maxPlainDigits]byte
	n := 0
	if strings.HasPrefix(s, "+") {
		buf[0] = '+'
		n = 1
		s = s[1:]
	}
	digits := 0
	sep := true // no separator first, nor two in a row
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if digits == maxPlainDigits {
				return "", false
			}
			buf[n] = c
			n++
			digits++
			sep = false
		case (c == ' ' || c == '-') && !sep:
			sep = true
		default:
			return "", false
		}
	}
	if digits == 0 || sep {
		return "", false
	}
	return string(buf[:n]), true
}
