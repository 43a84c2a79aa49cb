package number

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// sameParse checks that Parse gives the same number and the same error
// with and without the fast path, and reports whether the fast path
// answered.
func sameParse(t *testing.T, s, region string) (fast bool) {
	t.Helper()
	got, gerr := parse(s, region, true)
	want, werr := parse(s, region, false)
	if got != want || errText(gerr) != errText(werr) {
		t.Fatalf("Parse(%q, %q): fast path %+v, %v; phonenumbers %+v, %v", s, region, got, gerr, want, werr)
	}
	if key, ok := plainDigits(strings.TrimSpace(s)); ok && gerr == nil {
		if p, fb := fastLookup(key, strings.ToUpper(region)); !fb && p.ok {
			return true
		}
	}
	return false
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// spaced writes key's digits in random groups split by spaces or hyphens,
// the forms plainDigits takes.
func spaced(r *rand.Rand, key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		b.WriteByte(key[i])
		if key[i] != '+' && i < len(key)-1 && r.IntN(4) == 0 {
			b.WriteByte(" -"[r.IntN(2)])
		}
	}
	return b.String()
}

// TestParseFastAgreesWithPhonenumbers feeds Parse the number shapes a dial
// request or a typed number has (E.164, national, grouped, URIs with
// extensions, short and emergency numbers, near misses the fast path must
// leave alone) in many regions, and requires the same answer with and
// without the fast path.
func TestParseFastAgreesWithPhonenumbers(t *testing.T) {
	regions := []string{"US", "GB", "DE", "FR", "CN", "JP", "IN", "BR", "CA", "IT", "AR", "MX", "AU", "RU", "KZ",
		"NL", "CH", "AT", "ES", "KR", "SG", "ZA", "NG", "GG", "JM", "HU", "ZZ", "", "de", "gb"}
	prefixes := []string{"", "", "0", "0", "1", "00", "011", "8", "9", "+1", "+44", "+49", "+33", "+86", "+81", "+91",
		"+55", "+39", "+7", "+54", "+52", "+61", "+0", "+800", "+882", "+3", "+2"}
	r := rand.New(rand.NewPCG(7, 3))
	n := 20000
	if testing.Short() {
		n = 4000
	}
	hits := 0
	for i := 0; i < n; i++ {
		region := regions[r.IntN(len(regions))]
		key := prefixes[r.IntN(len(prefixes))]
		for l := 3 + r.IntN(12); l > 0; l-- {
			key += strconv.Itoa(r.IntN(10))
		}
		for _, s := range []string{key, spaced(r, key)} {
			if sameParse(t, s, region) {
				hits++
			}
		}
	}
	for _, ex := range exampleKeys() {
		for _, s := range []string{ex.key, spaced(r, ex.key), " " + ex.key + " ", "tel:" + ex.key + ";ext=12",
			ex.key + "-", "-" + ex.key, strings.Replace(ex.key, "+", "+ ", 1), ex.key + "  1", ex.key + " x12",
			"(" + ex.key + ")", strings.ReplaceAll(spaced(r, ex.key), " ", "."), ex.key + "0", ex.key[:len(ex.key)-1]} {
			for _, region := range []string{ex.region, "DE", "US", ""} {
				if sameParse(t, s, region) {
					hits++
				}
			}
		}
	}
	for _, s := range []string{"112", "110", "911", "999", "+49112", "+1911", "116117", "+4930 123456", "030 123456",
		"0049 30 1234567", "+49 (0)30 1234567", "+4930123456;ext=1", "tel:+49-30-123456", "sip:+4930123456@example.com",
		"+44 20 7946 0958", "020 7946 0958", "1-800-555-0199", "+1 800 555 0199", "1 800 FLOWERS", "+", "++4930123456",
		"+49  30 123456", "+49--30", "٠٣٠١٢٣٤٥٦٧", "+４９３０１２３４５６"} {
		for _, region := range []string{"DE", "GB", "US", "BR", ""} {
			sameParse(t, s, region)
		}
	}
	if hits == 0 {
		t.Fatal("the fast path never answered")
	}
	t.Logf("%d parses answered by the fast path", hits)
}

// FuzzParseFastPath requires the same result from Parse with and without
// the fast path for any input.
func FuzzParseFastPath(f *testing.F) {
	for _, s := range []string{"+4930123456", "030 123456", "+49-30-123456", "+1 800 555 0199", "112", "+49112",
		"0049 30 1234567", "tel:+4930123456;ext=7", "+ 4930123456", "4930123456-", "+39 06 6982 1234", "+0123456",
		"+80012345678", "+882 1234 5678", "9" + strings.Repeat("1", 30)} {
		f.Add(s, "DE")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		if len(region) > 3 {
			region = region[:3]
		}
		sameParse(t, s, region)
	})
}
