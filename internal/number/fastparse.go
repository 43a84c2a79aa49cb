package number

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// A fast path for the parse-and-validate step, the matcher's hot spot.
//
// phonenumbers v1.8.1 builds a pattern string and looks it up in a locked
// map for every metadata check, matches each type pattern twice
// (isNumberPossibleForDesc and isNumberMatchingDesc), and works out a
// number's region once for IsValidNumber and again for GetNumberType; for
// a +1 number that is up to 25 regions' worth of patterns. On clipboard
// text this made Find slower than libphonenumber-js.
//
// The matcher only ever parses a plus and ASCII digits, so this file ports
// the few steps of parseHelper, getNumberTypeHelper and
// IsNationalPrefixPresentIfRequired that apply to such input, with the
// same metadata and the same patterns compiled once. Everything rarer (an
// international prefix, a national prefix with a transform rule, the
// default country code written without a plus, non-geographic codes) is
// handed back to phonenumbers. TestFastPathAgreesWithPhonenumbers checks
// that both give the same answer.

type pdesc struct {
	re      *regexp.Regexp
	lengths []int32
}

// match is isNumberMatchingDesc: possible lengths first, then the pattern.
func (d *pdesc) match(nsn string) bool {
	if d == nil {
		return false
	}
	if len(d.lengths) > 0 {
		found := false
		for _, l := range d.lengths {
			if int(l) == len(nsn) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return d.re.MatchString(nsn)
}

type pformat struct {
	re    *regexp.Regexp // ^(?:pattern)$
	ld    *regexp.Regexp // ^(?:last leading-digits pattern), or nil
	npfr  string
	npOpt bool
}

type pmeta struct {
	id                              string
	cc                              int
	ccStr                           string
	general                         *pdesc
	generalLengths, localOnly       []int32
	premium, tollFree, shared, voip *pdesc
	personal, pager, uan, voicemail *pdesc
	fixed, mobile                   *pdesc
	sameMobileFixed                 bool
	leadingDigits                   *regexp.Regexp
	npfp                            *regexp.Regexp
	transform                       bool
	idd                             *regexp.Regexp
	formats                         []pformat
	formatsOnce                     sync.Once
	rawFormats                      []*phonenumbers.NumberFormat
}

// Compiled on first use, not at package initialisation, which runs for
// every deskdial command (docs/benchmarks.md).
var (
	metaOnce   sync.Once
	metaByID   map[string]*phonenumbers.PhoneMetadata
	compiled   sync.Map // region ID -> *pmeta
	firstGroup = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\(?\$1\)?$`) })
)

func rawMeta(id string) *phonenumbers.PhoneMetadata {
	metaOnce.Do(func() {
		metaByID = map[string]*phonenumbers.PhoneMetadata{}
		coll, err := phonenumbers.MetadataCollection()
		if err != nil || coll == nil {
			return
		}
		for _, md := range coll.GetMetadata() {
			if md.GetId() == "001" {
				continue // non-geographic entities go through phonenumbers
			}
			metaByID[md.GetId()] = md
		}
	})
	return metaByID[id]
}

func compileDesc(d *phonenumbers.PhoneNumberDesc) *pdesc {
	if d == nil {
		return nil
	}
	return &pdesc{re: regexp.MustCompile("^(?:" + d.GetNationalNumberPattern() + ")$"), lengths: d.PossibleLength}
}

// metaFor returns the compiled metadata of a region, or nil.
func metaFor(id string) *pmeta {
	if v, ok := compiled.Load(id); ok {
		return v.(*pmeta)
	}
	md := rawMeta(id)
	if md == nil {
		return nil
	}
	m := &pmeta{
		id:              id,
		cc:              int(md.GetCountryCode()),
		ccStr:           strconv.Itoa(int(md.GetCountryCode())),
		general:         compileDesc(md.GetGeneralDesc()),
		premium:         compileDesc(md.GetPremiumRate()),
		tollFree:        compileDesc(md.GetTollFree()),
		shared:          compileDesc(md.GetSharedCost()),
		voip:            compileDesc(md.GetVoip()),
		personal:        compileDesc(md.GetPersonalNumber()),
		pager:           compileDesc(md.GetPager()),
		uan:             compileDesc(md.GetUan()),
		voicemail:       compileDesc(md.GetVoicemail()),
		fixed:           compileDesc(md.GetFixedLine()),
		mobile:          compileDesc(md.GetMobile()),
		sameMobileFixed: md.GetSameMobileAndFixedLinePattern(),
		transform:       md.GetNationalPrefixTransformRule() != "",
		rawFormats:      md.GetNumberFormat(),
	}
	if g := md.GetGeneralDesc(); g != nil {
		m.generalLengths, m.localOnly = g.PossibleLength, g.PossibleLengthLocalOnly
	}
	if ld := md.GetLeadingDigits(); ld != "" {
		m.leadingDigits = regexp.MustCompile("^(?:" + ld + ")")
	}
	if p := md.GetNationalPrefixForParsing(); p != "" {
		m.npfp = regexp.MustCompile("^(?:" + p + ")")
	}
	if p := md.GetInternationalPrefix(); p != "" {
		m.idd = regexp.MustCompile(p)
	}
	v, _ := compiled.LoadOrStore(id, m)
	return v.(*pmeta)
}

func (m *pmeta) numberFormats() []pformat {
	m.formatsOnce.Do(func() {
		for _, f := range m.rawFormats {
			pf := pformat{re: regexp.MustCompile("^(?:" + f.GetPattern() + ")$"), npfr: f.GetNationalPrefixFormattingRule(), npOpt: f.GetNationalPrefixOptionalWhenFormatting()}
			if lds := f.GetLeadingDigitsPattern(); len(lds) > 0 {
				pf.ld = regexp.MustCompile("^(?:" + lds[len(lds)-1] + ")")
			}
			m.formats = append(m.formats, pf)
		}
	})
	return m.formats
}

// numberType is getNumberTypeHelper.
func (m *pmeta) numberType(nsn string) phonenumbers.PhoneNumberType {
	if !m.general.match(nsn) {
		return phonenumbers.UNKNOWN
	}
	switch {
	case m.premium.match(nsn):
		return phonenumbers.PREMIUM_RATE
	case m.tollFree.match(nsn):
		return phonenumbers.TOLL_FREE
	case m.shared.match(nsn):
		return phonenumbers.SHARED_COST
	case m.voip.match(nsn):
		return phonenumbers.VOIP
	case m.personal.match(nsn):
		return phonenumbers.PERSONAL_NUMBER
	case m.pager.match(nsn):
		return phonenumbers.PAGER
	case m.uan.match(nsn):
		return phonenumbers.UAN
	case m.voicemail.match(nsn):
		return phonenumbers.VOICEMAIL
	}
	if m.fixed.match(nsn) {
		if m.sameMobileFixed || m.mobile.match(nsn) {
			return phonenumbers.FIXED_LINE_OR_MOBILE
		}
		return phonenumbers.FIXED_LINE
	}
	if !m.sameMobileFixed && m.mobile.match(nsn) {
		return phonenumbers.MOBILE
	}
	return phonenumbers.UNKNOWN
}

// lengthUsable is testNumberLength(number, metadata, UNKNOWN) not being
// TOO_SHORT, IS_POSSIBLE_LOCAL_ONLY or INVALID_LENGTH.
func (m *pmeta) lengthUsable(n int) bool {
	pl := m.generalLengths
	if len(pl) == 0 || pl[0] == -1 {
		return false
	}
	for _, l := range m.localOnly {
		if int(l) == n {
			return false
		}
	}
	if n < int(pl[0]) {
		return false
	}
	if n > int(pl[len(pl)-1]) {
		return true // TOO_LONG is usable
	}
	for _, l := range pl {
		if int(l) == n {
			return true
		}
	}
	return false
}

// stripNationalPrefix is maybeStripNationalPrefixAndCarrierCode for
// prefixes without a transform rule. fallback is set when the transform
// rule applies.
func (m *pmeta) stripNationalPrefix(num string) (rest string, stripped, fallback bool) {
	if m.npfp == nil || num == "" {
		return num, false, false
	}
	loc := m.npfp.FindStringSubmatchIndex(num)
	if loc == nil {
		return num, false, false
	}
	groups := len(loc)/2 - 1
	if m.transform && loc[groups*2] >= 0 {
		return num, false, true
	}
	if m.general.re.MatchString(num) && !m.general.re.MatchString(num[loc[1]:]) {
		return num, false, false
	}
	return num[loc[1]:], true, false
}

// chooseFormat is chooseFormattingPatternForNumber.
func (m *pmeta) chooseFormat(nsn string) *pformat {
	fs := m.numberFormats()
	for i := range fs {
		f := &fs[i]
		if f.ld != nil && !f.ld.MatchString(nsn) {
			continue
		}
		if f.re.MatchString(nsn) {
			return f
		}
	}
	return nil
}

// fastLookup parses and validates key ("+digits" or national digits) at
// VALID leniency. fallback is set when phonenumbers must decide.
func fastLookup(key, region string) (p parsed, fallback bool) {
	plus := strings.HasPrefix(key, "+")
	digits := strings.TrimPrefix(key, "+")
	def := metaFor(region)
	if !plus && def == nil {
		return parsed{}, false
	}
	var cc int
	var nsn string
	if plus {
		if len(digits) <= 2 {
			return parsed{}, false
		}
		if digits[0] == '0' {
			return parsed{}, true
		}
		for i := 1; i <= 3 && i <= len(digits); i++ {
			c, _ := strconv.Atoi(digits[:i])
			if len(phonenumbers.GetRegionCodesForCountryCode(c)) > 0 {
				cc, nsn = c, digits[i:]
				break
			}
		}
		if cc == 0 {
			return parsed{}, true
		}
	} else {
		if def.idd != nil {
			if loc := def.idd.FindStringIndex(digits); loc != nil && loc[0] == 0 {
				return parsed{}, true
			}
		}
		if strings.HasPrefix(digits, def.ccStr) {
			return parsed{}, true
		}
		cc, nsn = def.cc, digits
	}
	if len(nsn) < 2 {
		return parsed{}, false
	}
	meta := def
	if plus {
		main := phonenumbers.GetRegionCodeForCountryCode(cc)
		if main == "001" {
			return parsed{}, true
		}
		if meta == nil || main != region {
			meta = metaFor(main)
		}
		if meta == nil {
			return parsed{}, true
		}
	}
	if rest, stripped, fb := meta.stripNationalPrefix(nsn); fb {
		return parsed{}, true
	} else if stripped && meta.lengthUsable(len(rest)) {
		nsn = rest
	}
	if len(nsn) < 2 || len(nsn) > 17 {
		return parsed{}, false
	}
	// Region and type in one pass (GetRegionCodeForNumber, IsValidNumber,
	// GetNumberType).
	regions := phonenumbers.GetRegionCodesForCountryCode(cc)
	var reg string
	t := phonenumbers.UNKNOWN
	for _, r := range regions {
		rm := metaFor(r)
		if rm == nil {
			return parsed{}, true
		}
		if len(regions) == 1 {
			reg, t = r, rm.numberType(nsn)
			break
		}
		if rm.leadingDigits != nil {
			if rm.leadingDigits.MatchString(nsn) {
				reg, t = r, rm.numberType(nsn)
				break
			}
			continue
		}
		if tt := rm.numberType(nsn); tt != phonenumbers.UNKNOWN {
			reg, t = r, tt
			break
		}
	}
	if reg == "" || t == phonenumbers.UNKNOWN {
		return parsed{}, false
	}
	if !plus {
		// IsNationalPrefixPresentIfRequired, for a number read in the
		// default region.
		main := metaFor(phonenumbers.GetRegionCodeForCountryCode(cc))
		if main == nil {
			return parsed{}, true
		}
		if f := main.chooseFormat(nsn); f != nil && f.npfr != "" && !f.npOpt && !firstGroup().MatchString(f.npfr) {
			_, stripped, fb := main.stripNationalPrefix(digits)
			if fb {
				return parsed{}, true
			}
			if !stripped {
				return parsed{}, false
			}
		}
	}
	p.ok = true
	p.num.E164 = "+" + strconv.Itoa(cc) + nsn
	p.num.Region = reg
	p.num.Type = typeOf(t)
	if len(nsn) <= maxEmergencyLen && phonenumbers.IsEmergencyNumber(nsn, reg) {
		p.num.Type = TypeEmergency
	}
	return p, false
}
