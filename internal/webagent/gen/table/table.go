// Package table makes the number table the web agent classifies numbers
// with: the phonenumbers metadata that internal/number uses, cut down to
// what deciding on a dial request needs (country codes, number types,
// national prefixes, emergency numbers, international formats). The page
// applies it the way phonenumbers does; webagent's TestNumbersAgree checks
// both give the same answer for every example number of every region.
package table

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

type desc [2]any // pattern, possible lengths

type format struct {
	Pattern string `json:"p"`
	Format  string `json:"f"`
	Leading string `json:"l,omitempty"` // last leading-digits pattern
}

type region struct {
	CC        int             `json:"cc"`
	Leading   string          `json:"ld,omitempty"`
	NP        string          `json:"np,omitempty"` // national prefix for parsing
	Transform string          `json:"tr,omitempty"` // national prefix transform rule
	LocalOnly []int32         `json:"lo,omitempty"`
	IDD       string          `json:"idd,omitempty"`
	Same      bool            `json:"same,omitempty"`
	Desc      map[string]desc `json:"d"`
	Emergency string          `json:"em,omitempty"`
	Short     []desc          `json:"sh,omitempty"` // short numbers: general and short-code descs
	Formats   []format        `json:"fmt,omitempty"`
	Main      bool            `json:"main,omitempty"`
}

// Table is what the page loads.
type Table struct {
	Regions map[string]*region  `json:"regions"` // "DE", or "001/800" for non-geographic codes
	CC      map[string][]string `json:"cc"`      // country code -> regions, main region first
}

func mkdesc(d *phonenumbers.PhoneNumberDesc) (desc, bool) {
	if d == nil || d.GetNationalNumberPattern() == "" {
		return desc{}, false
	}
	l := d.PossibleLength
	if l == nil {
		l = []int32{}
	}
	return desc{d.GetNationalNumberPattern(), l}, true
}

func build() (*Table, error) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return nil, fmt.Errorf("table: read metadata: %w", err)
	}
	short, err := phonenumbers.ShortNumberMetadataCollection()
	if err != nil {
		return nil, fmt.Errorf("table: read short number metadata: %w", err)
	}
	em := map[string]string{}
	sh := map[string][]desc{}
	for _, md := range short.GetMetadata() {
		if e := md.GetEmergency(); e != nil && e.GetNationalNumberPattern() != "" {
			em[md.GetId()] = e.GetNationalNumberPattern()
		}
		g, gok := mkdesc(md.GetGeneralDesc())
		c, cok := mkdesc(md.GetShortCode())
		if gok && cok {
			sh[md.GetId()] = []desc{g, c}
		}
	}
	t := &Table{Regions: map[string]*region{}, CC: map[string][]string{}}
	for _, md := range coll.GetMetadata() {
		r := &region{
			CC: int(md.GetCountryCode()), Leading: md.GetLeadingDigits(),
			NP: md.GetNationalPrefixForParsing(), Transform: md.GetNationalPrefixTransformRule(),
			IDD: md.GetInternationalPrefix(), Same: md.GetSameMobileAndFixedLinePattern(),
			Desc: map[string]desc{}, Main: md.GetMainCountryForCode(),
		}
		if g := md.GetGeneralDesc(); g != nil {
			r.LocalOnly = g.PossibleLengthLocalOnly
		}
		for name, d := range map[string]*phonenumbers.PhoneNumberDesc{
			"general": md.GetGeneralDesc(), "premium": md.GetPremiumRate(), "tollFree": md.GetTollFree(),
			"shared": md.GetSharedCost(), "voip": md.GetVoip(), "personal": md.GetPersonalNumber(),
			"pager": md.GetPager(), "uan": md.GetUan(), "voicemail": md.GetVoicemail(),
			"fixed": md.GetFixedLine(), "mobile": md.GetMobile(),
		} {
			if dd, ok := mkdesc(d); ok {
				r.Desc[name] = dd
			}
		}
		fs := md.GetIntlNumberFormat()
		if len(fs) == 0 {
			fs = md.GetNumberFormat()
		}
		for _, f := range fs {
			ff := format{Pattern: f.GetPattern(), Format: f.GetFormat()}
			if ld := f.GetLeadingDigitsPattern(); len(ld) > 0 {
				ff.Leading = ld[len(ld)-1]
			}
			r.Formats = append(r.Formats, ff)
		}
		key := md.GetId()
		if key == "001" {
			key = "001/" + strconv.Itoa(r.CC)
		} else {
			r.Emergency = em[key]
			r.Short = sh[key]
		}
		t.Regions[key] = r
		cc := strconv.Itoa(r.CC)
		t.CC[cc] = append(t.CC[cc], key)
	}
	for cc, rs := range t.CC {
		sort.SliceStable(rs, func(i, j int) bool { return t.Regions[rs[i]].Main && !t.Regions[rs[j]].Main })
		// phonenumbers lists a code's regions main region first, then in
		// its metadata order; keep that order for the rest.
		main := phonenumbers.GetRegionCodeForCountryCode(mustAtoi(cc))
		ordered := []string{}
		for _, r := range phonenumbers.GetRegionCodesForCountryCode(mustAtoi(cc)) {
			if _, ok := t.Regions[r]; ok {
				ordered = append(ordered, r)
			}
		}
		if len(ordered) == len(rs) {
			rs = ordered
		}
		if len(rs) == 1 && rs[0] != main && main == "001" {
			rs = []string{"001/" + cc}
		}
		t.CC[cc] = rs
	}
	return t, nil
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// Module returns the table as the page imports it: a JavaScript module
// whose default export is the table (plain JSON, so any node version and
// any bundler read it without import attributes).
func Module() ([]byte, error) {
	t, err := build()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("table: encode: %w", err)
	}
	out := []byte("// Code generated by internal/webagent/gen from the phonenumbers metadata; DO NOT EDIT.\nexport default ")
	out = append(out, b...)
	return append(out, ";\n"...), nil
}
