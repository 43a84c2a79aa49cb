package number

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

var (
	// ErrShortCode is matched by a *ShortCodeError: a short code (emergency
	// or service number) asked to be called from the desktop.
	ErrShortCode = errors.New("number: short code")
	// ErrNoRegion is returned for a national number ("030 1234567") when
	// no region is known to tell which country it belongs to.
	ErrNoRegion = errors.New("number: no region for a national number")
)

// maxShortLen is the longest string of digits taken as a short code. Short
// codes have at most 6 digits (116117, 118118); longer digit strings are
// national numbers.
const maxShortLen = 6

// ShortCode is an emergency or service number that only works dialled as
// typed on a phone in its country: 112, 911, 110, 116117, 11833. It has no
// E.164 form; "+49112" is not how anyone reaches the police.
type ShortCode struct {
	Digits    string // as typed, digits only: "112"
	Emergency bool
}

// ShortCodeError refuses a short code that was to be called from the
// desktop: an emergency call or a service code belongs on the phone, where
// the user sees what is dialled and the phone's own dialer routes it.
type ShortCodeError struct {
	ShortCode
}

func (e *ShortCodeError) Error() string {
	if e.Emergency {
		return fmt.Sprintf("%s is an emergency number: call it from the phone", e.Digits)
	}
	return fmt.Sprintf("%s is a short code (a service number), not a phone number: call it from the phone", e.Digits)
}

// Is makes errors.Is(err, ErrShortCode) true.
func (e *ShortCodeError) Is(target error) bool { return target == ErrShortCode }

// alwaysEmergency are the numbers every mobile phone treats as emergency
// calls whatever its SIM or country (3GPP TS 22.101): the short-number
// metadata lacks 112 for some regions where phones route it all the same.
var alwaysEmergency = map[string]bool{"112": true, "911": true}

// shortDigits returns s as a digit string if it could be a short code:
// 2 to maxShortLen decimal digits of any script (as ASCII), optionally in a
// tel: URI, with the punctuation numbers are written with between them.
// Full-width and Arabic-Indic digits count: read as a national number, a
// full-width １１２ became +49112.
func shortDigits(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if rest, ok := stripScheme(s); ok {
		s = rest
		if i := strings.IndexByte(s, ';'); i >= 0 {
			s = s[:i]
		}
		if dec, err := url.PathUnescape(s); err == nil {
			s = dec
		}
	}
	b := make([]byte, 0, maxShortLen)
	for _, r := range s {
		switch {
		case digitValue(r) >= 0:
			if len(b) == maxShortLen {
				return "", false
			}
			b = append(b, byte('0'+digitValue(r)))
		case numberPunct(r):
		default:
			return "", false
		}
	}
	if len(b) < 2 {
		return "", false
	}
	return string(b), true
}

// numberPunct reports whether r is punctuation a number is written with:
// spaces, hyphens, dots and brackets, ASCII or full-width.
func numberPunct(r rune) bool {
	return strings.ContainsRune(" -./()\u00a0\u3000\u2010\u2011\u2012\u2013\uff0d\uff0e\uff0f\uff08\uff09", r)
}

// Short reports whether s is a short code in region, using libphonenumber's
// short-number metadata: an emergency number of the region (or 112/911), or
// a valid short number of the region that is not also a valid national
// number. With no region, s is a short code if it is one in any region:
// without a region a string of a few digits cannot be anything else.
func Short(s, region string) (ShortCode, bool) {
	d, ok := shortDigits(s)
	if !ok {
		return ShortCode{}, false
	}
	region = strings.ToUpper(region)
	if region == "" || region == "ZZ" {
		regions := phonenumbers.GetSupportedRegions()
		if alwaysEmergency[d] {
			return ShortCode{Digits: d, Emergency: true}, true
		}
		for r := range regions {
			if phonenumbers.IsEmergencyNumber(d, r) {
				return ShortCode{Digits: d, Emergency: true}, true
			}
		}
		for r := range regions {
			if validShort(d, r) {
				return ShortCode{Digits: d}, true
			}
		}
		return ShortCode{}, false
	}
	if alwaysEmergency[d] || phonenumbers.IsEmergencyNumber(d, region) {
		return ShortCode{Digits: d, Emergency: true}, true
	}
	if validShort(d, region) {
		return ShortCode{Digits: d}, true
	}
	return ShortCode{}, false
}

// validShort: d is a valid short number in region and not a valid ordinary
// number there (a few small regions have national numbers this short).
func validShort(d, region string) bool {
	pn, err := phonenumbers.Parse(d, region)
	if err != nil {
		return false
	}
	return phonenumbers.IsValidShortNumberForRegion(pn, region) && !phonenumbers.IsValidNumber(pn)
}

// NeedsRegion reports whether s is written as a national number: nothing
// but digits (at least 5) and the punctuation numbers are written with,
// and no country code, so only a region can place it. Text around a number
// ("order 12345") is not one.
func NeedsRegion(s string) bool {
	if _, err := Parse(s, ""); err == nil {
		return false
	}
	body, _ := stripScheme(strings.TrimSpace(s))
	if i := strings.IndexByte(body, ';'); i >= 0 {
		body = body[:i]
	}
	if dec, err := url.PathUnescape(body); err == nil {
		body = dec
	}
	digits := 0
	for _, r := range body {
		switch {
		case digitValue(r) >= 0:
			digits++
		case numberPunct(r):
		default:
			return false
		}
	}
	if digits < 5 || digits > 17 {
		return false
	}
	_, err := phonenumbers.Parse(body, "ZZ")
	return errors.Is(err, phonenumbers.ErrInvalidCountryCode)
}

// PrepareTarget decides, on the desktop, what to send to the phone for a
// target the user gave, and refuses what must not be sent:
//   - a short code (emergency or service number) is sent as typed, digits
//     only, for a prefill, so the phone's own dialer routes it; for a call
//     it is a *ShortCodeError;
//   - a number becomes E.164;
//   - a national number with no region is ErrNoRegion: which country it is
//     in cannot be told, and a guess (the US) would dial another number;
//   - anything else (MMI codes, contact names) is sent as given, and the
//     phone's policy decides.
func PrepareTarget(target, region string, prefill bool) (string, error) {
	t := strings.TrimSpace(target)
	if IsMMI(t) {
		return t, nil
	}
	if sc, ok := Short(t, region); ok {
		if prefill {
			return sc.Digits, nil
		}
		return "", &ShortCodeError{sc}
	}
	if n, err := Parse(t, region); err == nil {
		return n.E164, nil
	}
	if (region == "" || strings.EqualFold(region, "ZZ")) && NeedsRegion(t) {
		return "", fmt.Errorf("%w: %q is a national number, and no region is set to tell which country it belongs to", ErrNoRegion, t)
	}
	return t, nil
}
