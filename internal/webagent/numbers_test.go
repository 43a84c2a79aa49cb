package webagent

import (
	"cmp"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/webagent/gen/table"
)

type numCase struct {
	Input  string `json:"input"`
	Region string `json:"region"`
	Kind   string `json:"kind,omitempty"` // "short": number.Short instead of Parse
}

type numResult struct {
	E164   string `json:"e164,omitempty"`
	Region string `json:"region,omitempty"`
	Type   string `json:"type,omitempty"`
	Intl   string `json:"intl,omitempty"`
	Err    string `json:"err,omitempty"`
}

// exampleCases are every example number of every region and number type,
// in E.164 with and without a home region and in national form at home,
// every region's emergency example, and a few spellings users send.
func exampleCases() []numCase {
	var cs []numCase
	types := []phonenumbers.PhoneNumberType{
		phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE,
		phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.PAGER,
		phonenumbers.UAN, phonenumbers.VOICEMAIL,
	}
	short, _ := phonenumbers.ShortNumberMetadataCollection()
	emergency := map[string]string{}
	for _, md := range short.GetMetadata() {
		if e := md.GetEmergency(); e != nil && e.GetExampleNumber() != "" {
			emergency[md.GetId()] = e.GetExampleNumber()
		}
	}
	for _, r := range sortedKeys(phonenumbers.GetSupportedRegions()) {
		for _, ty := range types {
			pn := phonenumbers.GetExampleNumberForType(r, ty)
			if pn == nil {
				continue
			}
			e164 := phonenumbers.Format(pn, phonenumbers.E164)
			national := strings.Map(func(c rune) rune {
				if c >= '0' && c <= '9' {
					return c
				}
				return -1
			}, phonenumbers.Format(pn, phonenumbers.NATIONAL))
			cs = append(cs, numCase{e164, "", ""}, numCase{e164, r, ""}, numCase{national, r, ""},
				numCase{"tel:" + phonenumbers.Format(pn, phonenumbers.RFC3966)[4:], "", ""})
		}
		if em := emergency[r]; em != "" {
			cc := phonenumbers.GetCountryCodeForRegion(r)
			cs = append(cs, numCase{em, r, ""}, numCase{"+" + itoa(cc) + em, r, ""}, numCase{"+" + itoa(cc) + em, "", ""})
		}
	}
	for _, cc := range sortedKeys(phonenumbers.GetSupportedGlobalNetworkCallingCodes()) {
		if pn := phonenumbers.GetExampleNumberForNonGeoEntity(cc); pn != nil {
			cs = append(cs, numCase{phonenumbers.Format(pn, phonenumbers.E164), "", ""})
		}
	}
	for _, s := range []string{"+4930901820", "+49 30 901820", "+49-30-901820", "030 901820", "+49 (0)30 901820",
		"+4990012345678", "+4919012345", "+49112", "112", "+1 900 555 0123", "tel:+4930901820", "*#06#",
		"tel:%2A%2306%23", "Alice", "+49", "", "0049 30 901820", "+999123456", "+80012345678", "+97912345678"} {
		cs = append(cs, numCase{s, "", ""}, numCase{s, "DE", ""}, numCase{s, "US", ""})
	}
	return cs
}

func sortedKeys[K cmp.Ordered](m map[K]bool) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// shortCases are every region's short-number examples (emergency, short
// codes, toll-free, standard rate, SMS services) in that region and with no
// region, and a few strings that are no short code.
func shortCases() []numCase {
	var cs []numCase
	short, _ := phonenumbers.ShortNumberMetadataCollection()
	for _, md := range short.GetMetadata() {
		for _, d := range []*phonenumbers.PhoneNumberDesc{md.GetEmergency(), md.GetShortCode(), md.GetTollFree(),
			md.GetStandardRate(), md.GetPremiumRate(), md.GetCarrierSpecific(), md.GetSmsServices()} {
			if d == nil || d.GetExampleNumber() == "" {
				continue
			}
			ex := d.GetExampleNumber()
			cs = append(cs, numCase{ex, md.GetId(), "short"}, numCase{"tel:" + ex, md.GetId(), "short"})
		}
	}
	for _, s := range []string{"112", "911", "110", "116117", "11833", "1234567", "1", "1-1-2", "tel:112;phone-context=+49", "abc", ""} {
		cs = append(cs, numCase{s, "", "short"}, numCase{s, "DE", "short"}, numCase{s, "US", "short"})
	}
	return cs
}

// goResult is what internal/number (the Go agent's policy) makes of c.
func goResult(c numCase) numResult {
	if c.Kind == "short" {
		sc, ok := number.Short(c.Input, c.Region)
		switch {
		case !ok:
			return numResult{Err: "no"}
		case sc.Emergency:
			return numResult{E164: sc.Digits, Type: "emergency"}
		}
		return numResult{E164: sc.Digits, Type: "short"}
	}
	if number.IsMMI(c.Input) {
		return numResult{Err: "mmi"}
	}
	n, err := number.Parse(c.Input, c.Region)
	if err != nil {
		if errors.Is(err, number.ErrMMI) {
			return numResult{Err: "mmi"}
		}
		return numResult{Err: "not_a_number"}
	}
	r := numResult{E164: n.E164, Region: n.Region, Type: string(n.Type)}
	if pn, err := phonenumbers.Parse(n.E164, "ZZ"); err == nil {
		r.Intl = phonenumbers.Format(pn, phonenumbers.INTERNATIONAL)
	}
	return r
}

// TestNumbersAgree: the page decides on every example number of every
// region as the Go agent does: the same E.164 number, region and type (so
// the same premium, shared-cost, UAN and emergency refusals), or the same
// refusal. Where the page cannot read a spelling the way phonenumbers does
// it must refuse it, never classify it otherwise: a national number of a
// region whose rules it does not follow is sent back as "not a number".
func TestNumbersAgree(t *testing.T) {
	cases := append(exampleCases(), shortCases()...)
	in, _ := json.Marshal(cases)
	var js []numResult
	if err := json.Unmarshal(runNode(t, in, "tools/classify.mjs"), &js); err != nil {
		t.Fatal(err)
	}
	if len(js) != len(cases) {
		t.Fatalf("node answered %d of %d numbers", len(js), len(cases))
	}
	bad := 0
	for i, c := range cases {
		want, got := goResult(c), js[i]
		if want.Err == "" && want.Intl == "" {
			got.Intl = "" // phonenumbers cannot format it either (emergency)
		}
		if want.Type == string(number.TypeEmergency) || c.Kind == "short" {
			want.Intl, got.Intl = "", ""
		}
		if want != got {
			bad++
			if bad <= 30 {
				t.Errorf("%q in region %q: Go %+v, page %+v", c.Input, c.Region, want, got)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d numbers differ", bad, len(cases))
	}
	t.Logf("%d numbers agree", len(cases))
}

// TestNumberTableFresh: the committed table is what the generator makes
// from the phonenumbers metadata this build uses (go generate makes it).
func TestNumberTableFresh(t *testing.T) {
	want, err := table.Module()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(webDir, "src", "numtable.js"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("web/src/numtable.js is out of date: run make web (go generate ./internal/webagent)")
	}
}
