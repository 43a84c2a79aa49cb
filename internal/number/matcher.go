package number

import (
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// matcher holds the state of one Find call.
type matcher struct {
	text      string
	region    string
	minLen    int // shortest valid national number in region
	out       []Match
	tries     int
	lastMatch int // end of the last match, -1 before the first
	memo      map[string]parsed
	lookups   int // parse-and-validate calls, for the tests' work bound
}

// parsed is the memoised outcome of parsing one normalised digit string.
type parsed struct {
	ok  bool
	num Number
}

// cand is one candidate: [start, end) with the extension suffix, if any, in
// [core, end).
type cand struct {
	start, core, end int
	ext              string
}

func newMatcher(text, region string) *matcher {
	return &matcher{text: text, region: region, minLen: regionMinLen(region), tries: maxTries, lastMatch: -1}
}

func (m *matcher) run() []Match {
	from, floor := 0, 0
	for m.tries > 0 {
		s, e := scanCandidate(m.text, from, floor)
		if s < 0 {
			break
		}
		c := cand{start: s, core: e, end: e}
		// "(530) 583-6985 x302/x2303": a second extension starts a second
		// number.
		if k := secondNumberStart(m.text[s:e]); k >= 0 {
			c.core, c.end = s+k, s+k
			// "415-666-7777/x12": without an extension of its own, the
			// number takes the one after the slash.
			if !strings.ContainsAny(m.text[s:s+k], "xX") {
				c.end, c.ext = slashExt(m.text, s+k, e)
			}
		} else if core, ext := tildeExt(m.text, s, e); ext != "" {
			c.core, c.ext = core, ext
		} else {
			c.end, c.ext = m.extSuffix(e)
		}
		hit := m.wrapped(c)
		if hit == 0 {
			hit = m.extract(c)
		}
		if hit > 0 {
			from, floor = hit, hit
			continue
		}
		from, floor = c.end, c.end
		if from <= s {
			from, floor = e, e
		}
		m.tries--
	}
	return m.out
}

// secondNumberStart finds SECOND_NUMBER_START ([\\/] *x) in s.
func secondNumberStart(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] != '/' && s[i] != '\\' {
			continue
		}
		j := i + 1
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && (s[j] == 'x' || s[j] == 'X') {
			return i
		}
	}
	return -1
}

// Compiled on first use, not at package initialisation, which runs for
// every deskdial command (docs/benchmarks.md).
var extRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^(?:` + phonenumbers.EXTN_PATTERNS_FOR_MATCHING + `)`)
})

// extSuffix matches an extension ("ext. 12", ";ext=12", " x 12") right
// after a candidate's last digit and returns the new end and its digits.
func (m *matcher) extSuffix(e int) (int, string) {
	if end, ext := extWord(m.text, e); ext != "" {
		return end, ext
	}
	t := m.text[e:]
	// Cheap test before the regexp: after separators, an extension label
	// must start with one of these.
	i := 0
	for i < len(t) && i < 8 && (t[i] == ' ' || t[i] == '\t' || t[i] == ',') {
		i++
	}
	if i >= len(t) {
		return e, ""
	}
	switch c := t[i]; c {
	case ';', 'e', 'E', 'x', 'X', '#', '~', 'i', 'I', 'a', 'A':
	default:
		if c < 0x80 {
			return e, ""
		}
	}
	if len(t) > 80 {
		t = t[:80]
	}
	loc := extRE().FindStringSubmatchIndex(t)
	if loc == nil {
		return e, ""
	}
	for g := 2; g+1 < len(loc); g += 2 {
		if loc[g] >= 0 {
			ext := asciiDigits(t[loc[g]:loc[g+1]])
			end := loc[1]
			// A "#" after the extension digits is part of the label; keep
			// it in the raw text only when it is there.
			return e + end, ext
		}
	}
	return e, ""
}

// asciiDigits keeps the digits of s, as ASCII.
func asciiDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, w := decodeAt(s, i)
		if v := digitValue(r); v >= 0 {
			b.WriteByte(byte('0' + v))
		}
		i += w
	}
	return b.String()
}

// extract tries one candidate and returns the end of the last match it
// produced, or 0.
func (m *matcher) extract(c cand) int {
	// Too few digits to be anything (a vanity number has at least three):
	// skip the rules.
	if countDigits(m.text, c.start, c.core) < 3 {
		return 0
	}
	c = m.trimGlued(c)
	c = m.trimAmountBefore(c)
	if reject, cut := m.amountAfter(c); reject {
		return 0
	} else if cut > 0 {
		c = cand{start: c.start, core: cut, end: cut}
	}
	if m.rejectCandidate(c) {
		if v := m.vanity(c); v > 0 {
			return v
		}
		return 0
	}
	if spans := m.dateSpans(c); len(spans) > 0 {
		return m.extractAround(c, spans)
	}
	if end := m.verify(c.start, c.end, c); end > 0 {
		return end
	}
	return m.innerMatch(c)
}

// extractAround tries the parts of a candidate left between dates and
// timestamps.
func (m *matcher) extractAround(c cand, spans [][2]int) int {
	hit := 0
	pos := c.start
	spans = append(spans, [2]int{c.end, c.end})
	for _, sp := range spans {
		a, b := trimPunct(m.text, pos, sp[0])
		pos = sp[1]
		if b-a < 3 {
			continue
		}
		sub := cand{start: a, core: min(b, c.core), end: b}
		if b == c.end {
			sub.ext = c.ext
		}
		if end := m.verify(a, b, sub); end > 0 {
			hit = end
		}
	}
	return hit
}

// trimPunct narrows [a, b) to start and end at a digit, keeping a leading
// plus or opening bracket.
func trimPunct(s string, a, b int) (int, int) {
	for a < b {
		r, w := decodeAt(s, a)
		if isDigit(r) || isLead(r) {
			break
		}
		a += w
	}
	for b > a {
		r, w := decodeBefore(s, b)
		if isDigit(r) {
			break
		}
		b -= w
	}
	return a, b
}

// innerMatch is libphonenumber's extractInnerMatch: a candidate that failed
// as a whole may hold a number, split off at a slash, a bracket, a spaced
// dash, a dash, a full stop or a space (tried in that order). For each kind
// of split it tries the text before the first split, then each piece after
// a split, and returns at the first piece that verifies.
func (m *matcher) innerMatch(c cand) int {
	s := m.text[c.start:c.end]
	if len(s) < 4 {
		return 0
	}
	for kind := 0; kind < innerKinds; kind++ {
		pos := 0
		first := true
		for m.tries > 0 {
			mStart, gStart, gEnd, ok := innerSplit(kind, s, pos)
			if !ok {
				break
			}
			if first {
				first = false
				a, b := trimEnd(m.text, c.start, c.start+mStart)
				if b-a >= 3 {
					if end := m.verifyPiece(a, b, c); end > 0 {
						return end
					}
				}
				m.tries--
			}
			a, b := trimEnd(m.text, c.start+gStart, c.start+gEnd)
			if b-a >= 3 {
				if end := m.verifyPiece(a, b, c); end > 0 {
					return end
				}
			}
			m.tries--
			pos = gEnd
		}
	}
	return 0
}

const innerKinds = 6

func isZ(r rune) bool {
	if r < 0x80 {
		return r == ' '
	}
	return unicode.In(r, unicode.Z)
}

// innerSplit finds, at or after pos, the next match of libphonenumber's
// inner-match pattern number kind, hand-written for speed:
//
//	0 /+(.*)   1 (\([^(]*)   2 (?:\p{Z}-|-\p{Z})\p{Z}*(.+)
//	3 [‒-―－]\p{Z}*(.+)   4 \.+\p{Z}*([^.]+)   5 \p{Z}+(\P{Z}+)
//
// It returns where the match starts and the span of its group.
func innerSplit(kind int, s string, pos int) (mStart, gStart, gEnd int, ok bool) {
	// rest is "\p{Z}*(.+)" from p: the spaces are skipped unless that
	// leaves nothing, in which case the regexp gives the last one back.
	rest := func(p int) (int, bool) {
		g := p
		for g < len(s) {
			r, w := decodeAt(s, g)
			if !isZ(r) {
				break
			}
			g += w
		}
		if g < len(s) {
			return g, true
		}
		if g > p {
			_, w := decodeBefore(s, g)
			return g - w, true
		}
		return 0, false
	}
	skipZ := func(i int) int {
		for i < len(s) {
			r, w := decodeAt(s, i)
			if !isZ(r) {
				break
			}
			i += w
		}
		return i
	}
	for i := pos; i < len(s); {
		r, w := decodeAt(s, i)
		switch kind {
		case 0:
			if r == '/' {
				j := i
				for j < len(s) && s[j] == '/' {
					j++
				}
				return i, j, len(s), true
			}
		case 1:
			// A full-width bracket opens an aside as an ASCII one does:
			// "400-601-2345（7×24小时）".
			if r == '(' || r == '（' {
				j := i + w
				for j < len(s) {
					r2, w2 := decodeAt(s, j)
					if r2 == '(' || r2 == '（' {
						break
					}
					j += w2
				}
				return i, i, j, true
			}
		case 2:
			r2, w2 := decodeAt(s, i+w)
			if (isZ(r) && r2 == '-') || (r == '-' && w2 > 0 && isZ(r2)) {
				if g, ok := rest(i + w + w2); ok {
					return i, g, len(s), true
				}
			}
		case 3:
			if (r >= 0x2012 && r <= 0x2015) || r == 0xFF0D {
				if g, ok := rest(i + w); ok {
					return i, g, len(s), true
				}
			}
		case 4:
			if r == '.' {
				j := i
				for j < len(s) && s[j] == '.' {
					j++
				}
				g := skipZ(j)
				e := g
				for e < len(s) && s[e] != '.' {
					e++
				}
				if e > g {
					return i, g, e, true
				}
				if g > j {
					// The regexp gives the last space back to the group.
					_, lw := decodeBefore(s, g)
					return i, g - lw, g, true
				}
				i = j
				continue
			}
		case 5:
			if isZ(r) {
				g := skipZ(i)
				e := g
				for e < len(s) {
					r2, w2 := decodeAt(s, e)
					if isZ(r2) {
						break
					}
					e += w2
				}
				if e > g {
					return i, g, e, true
				}
				return 0, 0, 0, false
			}
		}
		i += w
	}
	return 0, 0, 0, false
}

// trimEnd removes trailing characters that are neither digits nor letters
// nor '#' (libphonenumber's UNWANTED_END_CHAR_PATTERN, which as ported is
// a Java class intersection that Go never matches).
func trimEnd(s string, a, b int) (int, int) {
	for b > a {
		r, w := decodeBefore(s, b)
		if isDigit(r) || r == '#' || isLetter(r) {
			break
		}
		b -= w
	}
	return a, b
}

// verifyPiece checks an inner piece: besides the usual checks, a piece cut
// out of a run of digits joined by dashes ("2024-0301234567") is not a
// number of its own.
func (m *matcher) verifyPiece(a, b int, c cand) int {
	// "2024/0301234567" (a year and a serial) is one reference, not a
	// number after a slash.
	if r, w := decodeBefore(m.text, a); w > 0 && (isDash(r) || r == '/') {
		if r2, _ := decodeBefore(m.text, a-w); isDigit(r2) {
			return 0
		}
	}
	if r, w := decodeAt(m.text, b); w > 0 && isDash(r) {
		if r2, _ := decodeAt(m.text, b+w); isDigit(r2) {
			return 0
		}
	}
	sub := cand{start: a, core: min(b, c.core), end: b}
	if b == c.end {
		sub.ext = c.ext
	}
	return m.verify(a, b, sub)
}

func isDash(r rune) bool {
	return r == '-' || (r >= 0x2010 && r <= 0x2015) || r == 0x2212 || r == 0xFF0D
}

// verify is libphonenumber's parseAndVerify at VALID leniency for the text
// [a, b); on success it records the match and returns b.
func (m *matcher) verify(a, b int, c cand) int {
	raw := m.text[a:b]
	if !matchingBrackets(raw) || pubPages(raw) {
		return 0
	}
	first, _ := decodeAt(m.text, a)
	if !isLead(first) && !m.forcedIntl(a) {
		if r, w := decodeBefore(m.text, a); w > 0 && (isLatinLetter(r) && !m.phoneLabelBefore(a) || isInvalidPunct(r)) {
			return 0
		}
	}
	if r, w := decodeAt(m.text, b); w > 0 && (isLatinLetter(r) && !m.phoneLabelAfter(b) && !m.chatParticleAfter(b) || isInvalidPunct(r)) {
		return 0
	}
	n, ok := m.parse(a, b, c)
	if !ok {
		return 0
	}
	m.out = append(m.out, Match{Start: a, End: b, Raw: raw, Number: n})
	m.lastMatch = b
	return b
}

// parse normalises [a, b) to "+digits" or national digits, and parses and
// validates it with phonenumbers (memoised per call).
func (m *matcher) parse(a, b int, c cand) (Number, bool) {
	plus := m.forcedIntl(c.start)
	var digits [40]byte
	nd := 0
	ext := ""
	core := min(b, c.core)
	seenDigit := false
	wait := -1 // digits before a "~" (wait for the dial tone)
	for i := a; i < core; {
		if w := entityAt(m.text, i); w > 0 {
			i += w
			continue
		}
		r, w := decodeAt(m.text, i)
		i += w
		if v := digitValue(r); v >= 0 {
			if nd == len(digits) {
				return Number{}, false
			}
			digits[nd] = byte('0' + v)
			nd++
			seenDigit = true
			continue
		}
		switch {
		case (r == '~' || r == '∼' || r == '～') && wait < 0 && nd <= 3:
			wait = nd
		case isPlus(r) && !seenDigit:
			plus = true
		case (r == 'x' || r == 'X' || r == 0xFF58 || r == 0xFF38) && seenDigit:
			// A single x starts an extension; "xx" is a carrier-code
			// placeholder that only phonenumbers' full parser handles.
			if nr, _ := decodeAt(m.text, i); nr == 'x' || nr == 'X' {
				return m.parseFull(a, b)
			}
			ext = asciiDigits(m.text[i:core])
			i = core
		}
	}
	if b == c.end && c.ext != "" {
		ext = c.ext
	}
	if nd < 3 {
		return Number{}, false
	}
	if plus {
		if nd < 7 || nd > 20 {
			return Number{}, false
		}
	} else if nd < m.minLen || nd > 22 {
		return Number{}, false
	}
	key := string(digits[:nd])
	if plus {
		key = "+" + key
	}
	p := m.lookup(key)
	if !p.ok && !plus && nd > 8 {
		// "0049 30 1234567" read in a region whose international prefix is
		// not 00 (or "011 ..." outside North America): people write the
		// prefix they know.
		switch {
		case strings.HasPrefix(key, "00") && !strings.HasPrefix(key, "000"):
			p = m.lookup("+" + key[2:])
		case strings.HasPrefix(key, "011"):
			p = m.lookup("+" + key[3:])
		}
	}
	if !p.ok {
		if alt := legacyForm(key, m.region, wait); alt != "" {
			p = m.lookup(alt)
		}
	}
	if !p.ok {
		return Number{}, false
	}
	n := p.num
	n.Extension = ext
	return n, true
}

// lookup parses one normalised string at VALID leniency.
func (m *matcher) lookup(key string) parsed {
	m.lookups++
	if p, ok := m.memo[key]; ok {
		return p
	}
	p, fallback := fastLookup(key, m.region)
	if fallback {
		p = slowLookup(key, m.region)
	}
	if m.memo == nil {
		m.memo = make(map[string]parsed)
	}
	m.memo[key] = p
	return p
}

// slowLookup parses key with phonenumbers itself.
func slowLookup(key, region string) parsed {
	var p parsed
	if region != "" || strings.HasPrefix(key, "+") {
		if region == "" {
			region = "ZZ"
		}
		pn, err := phonenumbers.ParseAndKeepRawInput(key, region)
		if err == nil && phonenumbers.VALID.Verify(pn, key) {
			p.ok = true
			p.num.E164 = phonenumbers.Format(pn, phonenumbers.E164)
			p.num.Region, p.num.Type = classify(pn)
		}
	}
	return p
}

// parseFull hands the raw text to phonenumbers for the rare forms the
// digit normaliser does not cover.
func (m *matcher) parseFull(a, b int) (Number, bool) {
	raw := strings.Map(func(r rune) rune {
		if r != ' ' && isPunct(r) && r != 'x' && r != 'X' && r != '(' && r != ')' {
			return ' '
		}
		return r
	}, m.text[a:b])
	region := m.region
	if region == "" {
		region = "ZZ"
	}
	pn, err := phonenumbers.ParseAndKeepRawInput(raw, region)
	if err != nil || !phonenumbers.VALID.Verify(pn, raw) {
		return Number{}, false
	}
	n := Number{E164: phonenumbers.Format(pn, phonenumbers.E164), Extension: pn.GetExtension()}
	n.Region, n.Type = classify(pn)
	return n, true
}

// regionMinLen is the shortest national significant number that can be
// valid in region, from the metadata's possible lengths. Shorter
// candidates without a country code are dropped before parsing.
func regionMinLen(region string) int {
	if v, ok := minLenCache.Load(region); ok {
		return v.(int)
	}
	cc := phonenumbers.GetCountryCodeForRegion(region)
	n := 7
	if cc != 0 {
		for l := 2; l <= 17; l++ {
			pn := &phonenumbers.PhoneNumber{}
			pn.CountryCode = proto32(int32(cc))
			nn := uint64(1)
			for k := 1; k < l; k++ {
				nn *= 10
			}
			pn.NationalNumber = &nn
			if phonenumbers.IsPossibleNumberWithReason(pn) == phonenumbers.IS_POSSIBLE {
				n = l
				break
			}
		}
	}
	n = min(n, 7) // "00 683 4002": international forms can be shorter
	minLenCache.Store(region, n)
	return n
}

var minLenCache sync.Map

func proto32(v int32) *int32 { return &v }

// matchingBrackets is libphonenumber's MATCHING_BRACKETS check:
// [(]?(?:X+[)])?X+(?:[(]X+[)]){0,3}X* where X is anything but a bracket.
func matchingBrackets(s string) bool {
	if !strings.ContainsAny(s, "()[]（）［］") {
		return true
	}
	return bracketsRE().MatchString(s)
}

// Compiled on first use, not at package initialisation, which runs for
// every deskdial command (docs/benchmarks.md).
var bracketsRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[(\[（［]?(?:[^(\[（［)\]）］]+[)\]）］])?[^(\[（［)\]）］]+(?:[(\[（［][^(\[（［)\]）］]+[)\]）］]){0,3}[^(\[（［)\]）］]*$`)
})

// pubPages is libphonenumber's PUB_PAGES check for publication pages
// ("211-227 (2003)").
func pubPages(s string) bool {
	if !strings.Contains(s, "(") {
		return false
	}
	return pubPagesRE().MatchString(s)
}

// Compiled on first use, not at package initialisation, which runs for
// every deskdial command (docs/benchmarks.md).
var pubPagesRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\d{1,5}-+\d{1,5}\s{0,4}\(\d{1,4}`) })

// vanity reads a North American vanity number ("1-800-FLOWERS",
// "1 800 GO FEDEX"): digits followed by at least three capital letters
// that complete a ten-digit national number. libphonenumber's matcher
// stops at the first letter and finds nothing.
func (m *matcher) vanity(c cand) int {
	t := m.text
	j := c.core
	if j < len(t) && (t[j] == '-' || t[j] == ' ') {
		j++
	}
	k, letters := j, 0
	for k < len(t) {
		ch := t[k]
		switch {
		case ch >= 'A' && ch <= 'Z':
			letters++
			k++
			continue
		case (ch == '-' || ch == ' ') && k+1 < len(t) && t[k+1] >= 'A' && t[k+1] <= 'Z' && letters > 0:
			k++
			continue
		}
		break
	}
	if letters < 3 || k == j {
		return 0
	}
	if r, w := decodeAt(t, k); w > 0 && isLatinLetter(r) {
		return 0
	}
	gs, _ := groupsOf(t, c.start, c.core)
	nd := 0
	for _, g := range gs {
		nd += g.n
	}
	if nd+letters != 10 && nd+letters != 11 {
		return 0
	}
	raw := t[c.start:k]
	region := m.region
	if region == "" {
		region = "US"
	}
	pn, err := phonenumbers.ParseAndKeepRawInput(raw, region)
	if err != nil || pn.GetCountryCode() != 1 || !phonenumbers.IsValidNumber(pn) {
		return 0
	}
	n := Number{E164: phonenumbers.Format(pn, phonenumbers.E164)}
	n.Region, n.Type = classify(pn)
	m.out = append(m.out, Match{Start: c.start, End: k, Raw: raw, Number: n})
	m.lastMatch = k
	return k
}

// countDigits counts the digits in [a, b), stopping at 3.
func countDigits(s string, a, b int) int {
	n := 0
	for i := a; i < b && n < 3; {
		if w := entityAt(s, i); w > 0 {
			i += w
			continue
		}
		r, w := decodeAt(s, i)
		if isDigit(r) {
			n++
		}
		i += w
	}
	return n
}

// trimGlued drops an end group glued to a word when a space or bracket
// separates it from the rest: "415-555-0100 (9am" keeps "415-555-0100",
// "ABC1 415-555-0100" keeps "415-555-0100". What is left is still checked
// by every rule.
func (m *matcher) trimGlued(c cand) cand {
	t := m.text
	next, nw := decodeAt(t, c.end)
	rightGlued := nw > 0 && (isLatinLetter(next) && !m.phoneLabelAfter(c.end) && !m.chatParticleAfter(c.end) || isInvalidPunct(next))
	first, _ := decodeAt(t, c.start)
	prev, pw := decodeBefore(t, c.start)
	leftGlued := pw > 0 && !isLead(first) && isLatinLetter(prev) && !m.forcedIntl(c.start) && !m.phoneLabelBefore(c.start)
	if !rightGlued && !leftGlued {
		return c
	}
	gs, seps := groupsOf(t, c.start, c.core)
	if rightGlued && c.end == c.core && len(gs) >= 2 && hasBreak(seps[len(seps)-1]) {
		e := gs[len(gs)-2].b
		c = cand{start: c.start, core: e, end: e}
		gs, seps = gs[:len(gs)-1], seps[:len(seps)-1]
	}
	if leftGlued && len(gs) >= 2 && hasBreak(seps[0]) {
		sep := seps[0]
		k := strings.LastIndexAny(sep, " \t\u00a0\u202f\u3000")
		_, w := decodeAt(t, gs[0].b+k)
		c.start = gs[0].b + k + w
		for c.start < gs[1].a {
			r, w := decodeAt(t, c.start)
			if isLead(r) {
				break
			}
			c.start += w
		}
	}
	return c
}

// hasBreak reports a separator that parts two numbers: a space or a
// bracket.
func hasBreak(sep string) bool {
	return strings.ContainsAny(sep, " \t\u00a0\u202f\u3000([（［")
}

// trimAmountBefore drops an amount glued to a currency sign at the start of
// a candidate when a space parts it from the rest: "$20 415-666-7777" is a
// price and a number, "€20 030 1234567" too. An amount is at most seven
// digits, with a decimal point or comma inside.
func (m *matcher) trimAmountBefore(c cand) cand {
	t := m.text
	prev, pw := decodeBefore(t, c.start)
	if pw == 0 || prev == '%' || !isInvalidPunct(prev) {
		return c
	}
	gs, seps := groupsOf(t, c.start, c.core)
	digits := 0
	for k := 0; k+1 < len(gs); k++ {
		digits += gs[k].n
		if digits > 7 {
			return c
		}
		if hasBreak(seps[k]) {
			start := gs[k].b
			for start < gs[k+1].a {
				r, w := decodeAt(t, start)
				if isLead(r) && r != '+' {
					break
				}
				start += w
			}
			if r, _ := decodeBefore(t, start); !isPad(r) && !isLead(r) {
				return c
			}
			return cand{start: start, core: c.core, end: c.end, ext: c.ext}
		}
		if seps[k] != "." && seps[k] != "," {
			return c
		}
	}
	return c
}
