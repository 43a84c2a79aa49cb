package number

import (
	"errors"
	"strings"
	"testing"
)

// Emergency numbers of the 30 most populous regions and of every EU
// member state (112). They are short codes: never turned into E.164, sent
// as typed only for prefill, refused for a call.
var emergencyCodes = map[string][]string{
	"CN": {"110", "119", "120"}, "IN": {"112", "100", "101", "102", "108"}, "US": {"911", "112"},
	"ID": {"112", "110", "113", "118"}, "PK": {"15", "115", "1122"}, "NG": {"112", "199"},
	"BR": {"190", "192", "193"}, "BD": {"999"}, "RU": {"112", "101", "102", "103"},
	"ET": {"911", "991"}, "MX": {"911"}, "JP": {"110", "119"}, "EG": {"122", "123", "180"},
	"PH": {"911", "112"}, "CD": {"112"}, "VN": {"113", "114", "115"}, "IR": {"110", "115", "125"},
	"TR": {"112", "155"}, "DE": {"110", "112"}, "TH": {"191", "1669"}, "GB": {"999", "112"},
	"TZ": {"112"}, "FR": {"15", "17", "18", "112"}, "ZA": {"10111", "112"},
	"IT": {"112", "113", "115", "118"}, "KE": {"999", "112"}, "MM": {"199"}, "CO": {"123", "112"},
	"KR": {"112", "119"}, "SD": {"999"}, "AU": {"000", "112"},
}

var euRegions = []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU",
	"IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}

// Service short codes: not emergency, still never E.164.
var serviceCodes = map[string][]string{
	"DE": {"116117", "11833", "116116"}, "US": {"411", "211", "311", "611"},
	"GB": {"111", "101", "118118"}, "FR": {"3949"}, "IN": {"1098", "139"}, "CN": {"10086", "95588"},
}

func TestShortEmergency(t *testing.T) {
	check := func(region, code string) {
		t.Helper()
		for _, typed := range []string{code, " " + code + " ", "tel:" + code} {
			sc, ok := Short(typed, region)
			if !ok || !sc.Emergency || sc.Digits != code {
				t.Errorf("Short(%q, %q) = %+v, %v; want emergency %s", typed, region, sc, ok, code)
			}
			if got, err := PrepareTarget(typed, region, true); err != nil || got != code {
				t.Errorf("PrepareTarget(%q, %q, prefill) = %q, %v; want %q as typed", typed, region, got, err, code)
			}
			_, err := PrepareTarget(typed, region, false)
			var se *ShortCodeError
			if !errors.As(err, &se) || !se.Emergency || !strings.Contains(err.Error(), code+" is an emergency number: call it from the phone") {
				t.Errorf("PrepareTarget(%q, %q, call) = %v; want an emergency refusal", typed, region, err)
			}
		}
	}
	for region, codes := range emergencyCodes {
		for _, c := range codes {
			check(region, c)
		}
	}
	for _, r := range euRegions {
		check(r, "112")
	}
	// No region known: the emergency numbers of any region, as typed.
	for _, c := range []string{"112", "911", "999", "110", "000", "119"} {
		check("", c)
	}
}

func TestShortServiceCodes(t *testing.T) {
	for region, codes := range serviceCodes {
		for _, c := range codes {
			sc, ok := Short(c, region)
			if !ok || sc.Emergency || sc.Digits != c {
				t.Errorf("Short(%q, %q) = %+v, %v; want a service code", c, region, sc, ok)
			}
			if got, err := PrepareTarget(c, region, true); err != nil || got != c {
				t.Errorf("PrepareTarget(%q, %q, prefill) = %q, %v; want it as typed", c, region, got, err)
			}
			_, err := PrepareTarget(c, region, false)
			var se *ShortCodeError
			if !errors.As(err, &se) || se.Emergency || !strings.Contains(err.Error(), "short code") {
				t.Errorf("PrepareTarget(%q, %q, call) = %v; want a short-code refusal", c, region, err)
			}
		}
	}
}

func TestPrepareTargetNumbers(t *testing.T) {
	cases := []struct {
		in, region string
		prefill    bool
		want       string
		err        error
	}{
		{"030 1234567", "DE", false, "+49301234567", nil},
		{"+49 30 1234567", "", false, "+49301234567", nil},
		{"tel:+1-202-555-0123", "", true, "+12025550123", nil},
		{"00 49 30 1234567", "DE", false, "+49301234567", nil},
		{"*#06#", "", false, "*#06#", nil}, // the phone decides about codes
		{"Alice", "", false, "Alice", nil}, // and names
		{"030 1234567", "", false, "", ErrNoRegion},
		{"030 1234567", "", true, "", ErrNoRegion},
		{"(202) 555-0123", "", false, "", ErrNoRegion},
		{"2025550123", "", false, "", ErrNoRegion},
		{"+49112", "DE", true, "+49112", nil}, // typed with a country code: the phone's policy judges it
	}
	for _, c := range cases {
		got, err := PrepareTarget(c.in, c.region, c.prefill)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("PrepareTarget(%q, %q, %v) = %q, %v; want %q, %v", c.in, c.region, c.prefill, got, err, c.want, c.err)
		}
	}
	_, err := PrepareTarget("030 1234567", "", false)
	if err == nil || !strings.Contains(err.Error(), "no region") {
		t.Errorf("no-region error %q does not say why", err)
	}
}

func TestNeedsRegion(t *testing.T) {
	for in, want := range map[string]bool{
		"030 1234567": true, "(202) 555-0123": true, "tel:030-1234567": true, "0049 30 1234567": true,
		"+49 30 1234567": false, "Order 12345 shipped": false, "Alice": false, "*#06#": false,
		"1234": false, "": false, "1-800-FLOWERS": false,
	} {
		if got := NeedsRegion(in); got != want {
			t.Errorf("NeedsRegion(%q) = %v, want %v", in, got, want)
		}
	}
}

// Ordinary numbers are not short codes, whatever the region.
func TestShortNotNumbers(t *testing.T) {
	for _, c := range []struct{ in, region string }{
		{"030 1234567", "DE"}, {"+4930123456", ""}, {"+49112", "DE"}, {"2025550123", "US"},
		{"*#06#", ""}, {"Alice", ""}, {"", ""}, {"1", "DE"}, {"1234567890123", ""},
	} {
		if sc, ok := Short(c.in, c.region); ok {
			t.Errorf("Short(%q, %q) = %+v, want not a short code", c.in, c.region, sc)
		}
	}
}

// FuzzPrepareTarget: whatever the input, a short code never comes out in
// E.164 form, and what comes out for a prefill is its digits as typed.
func FuzzPrepareTarget(f *testing.F) {
	for _, s := range []string{"112", "tel:911", "1 1 0", "030 1234567", "+49112", "*#06#", "Alice", "116117", "0"} {
		f.Add(s, "DE")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		if len(region) > 2 {
			region = region[:2]
		}
		got, err := PrepareTarget(s, region, true)
		if sc, ok := Short(s, region); ok {
			if err != nil || got != sc.Digits || strings.ContainsAny(got, "+ ") {
				t.Fatalf("short code %q in %q prepared as %q, %v", s, region, got, err)
			}
			if _, err := PrepareTarget(s, region, false); !errors.Is(err, ErrShortCode) {
				t.Fatalf("short code %q in %q not refused for a call: %v", s, region, err)
			}
		}
	})
}

// A short code spelled with other digits or punctuation is still a short
// code: full-width digits (a CJK input method), Arabic-Indic digits, or
// brackets around it were read as a national number and became +49112 or
// +1112 for a call.
func TestShortCodeInOtherSpellings(t *testing.T) {
	for _, typed := range []string{"１１２", "tel:１１２", "１ １ ２", "(112)", "（１１２）", "١١٢", "۱۱۲", "1\u00a01\u00a02", "１－１－２", "tel:%EF%BC%91%EF%BC%91%EF%BC%92"} {
		for _, region := range []string{"DE", "US", ""} {
			if got, err := PrepareTarget(typed, region, true); err != nil || got != "112" {
				t.Errorf("PrepareTarget(%q, %q, prefill) = %q, %v; want 112 as its digits", typed, region, got, err)
			}
			if got, err := PrepareTarget(typed, region, false); !errors.Is(err, ErrShortCode) {
				t.Errorf("PrepareTarget(%q, %q, call) = %q, %v; want an emergency refusal", typed, region, got, err)
			}
		}
	}
	// Full-width or Arabic-Indic digits of a national number need a region
	// as ASCII ones do.
	for _, typed := range []string{"０３０ １２３４５６７", "٠٣٠ ١٢٣٤٥٦٧", "（２０２）５５５－０１２３"} {
		if got, err := PrepareTarget(typed, "", false); !errors.Is(err, ErrNoRegion) {
			t.Errorf("PrepareTarget(%q, no region) = %q, %v; want ErrNoRegion", typed, got, err)
		}
	}
}
