package number

import (
	"strings"
	"unicode"
)

// The rules in this file go beyond libphonenumber: each recognises a kind of
// digit string that is valid as a phone number by length and prefix but is
// better read as something else. They look at the whole candidate and its
// neighbours, and a rejected candidate is dropped with its inner pieces, so
// that "4111 1111 1111 1111" does not come back as "1111 1111 111".

// group is one run of digits in a candidate.
type group struct {
	a, b int // byte range
	n    int // number of digits
	v    int // value of the first up to 9 digits
}

// groupsOf splits [a, b) into digit groups and the separators between them.
func groupsOf(s string, a, b int) (gs []group, seps []string) {
	gs = make([]group, 0, 8)
	seps = make([]string, 0, 8)
	last := -1
	for i := a; i < b; {
		if w := entityAt(s, i); w > 0 {
			i += w
			continue
		}
		r, w := decodeAt(s, i)
		d := digitValue(r)
		if d < 0 {
			i += w
			continue
		}
		if last >= 0 && last == i {
			g := &gs[len(gs)-1]
			g.b = i + w
			g.n++
			if g.n <= 9 {
				g.v = g.v*10 + d
			}
		} else {
			if len(gs) > 0 {
				seps = append(seps, s[gs[len(gs)-1].b:i])
			}
			gs = append(gs, group{a: i, b: i + w, n: 1, v: d})
		}
		i += w
		last = i
	}
	return gs, seps
}

func allSeps(seps []string, want ...string) bool {
	if len(seps) == 0 {
		return false
	}
	for _, s := range seps {
		ok := false
		for _, w := range want {
			if s == w {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func isLatinLetter(r rune) bool {
	if r < 0x80 {
		return (r|0x20) >= 'a' && (r|0x20) <= 'z'
	}
	if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
		return false
	}
	return r < 0x250 || (r >= 0x300 && r <= 0x36F) || (r >= 0x1E00 && r <= 0x1EFF)
}

func isLetter(r rune) bool {
	if r < 0x80 {
		return (r|0x20) >= 'a' && (r|0x20) <= 'z'
	}
	return unicode.IsLetter(r)
}

func isInvalidPunct(r rune) bool {
	return r == '%' || (r >= 0x24 && unicode.Is(unicode.Sc, r))
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == 0xA0 || r == 0x202F || (r >= 0x2000 && r <= 0x200A) || r == 0x3000
}

// rejectCandidate reports whether the candidate and all its pieces are to be
// dropped.
func (m *matcher) rejectCandidate(c cand) bool {
	t := m.text
	first, _ := decodeAt(t, c.start)
	prev, pw := decodeBefore(t, c.start)
	plus := isPlus(first) || m.forcedIntl(c.start)
	if pw > 0 && !isLead(first) {
		switch {
		case isLatinLetter(prev):
			// "DE89 3704 ...", "INV2024...", "v1.2.3": glued to a word.
			// "Tel030/..." is glued to its label only.
			if !m.forcedIntl(c.start) && !m.phoneLabelBefore(c.start) {
				return true
			}
		case isInvalidPunct(prev):
			return true
		case prev == '#' && m.phoneLabelBefore(c.start-pw):
			// "Cel#0917...", "Phone#": "#" says "number".
		case prev == '#' || prev == '№' || prev == '_' || prev == '@' || prev == '〒' || prev == '\\' || prev == '^':
			return true
		case prev == '/' || prev == '.' || prev == '-' || prev == '=' || prev == '?' || prev == '&' || prev == '*':
			if m.gluedToWord(c.start - pw) {
				return true
			}
		case prev == ':':
			if r, _ := decodeBefore(t, c.start-pw); isDigit(r) {
				return true // "12:30", "host:8080"
			}
		case prev == ',' || prev == ';':
			if !plus && m.afterPause(c) {
				return true
			}
		}
	}
	next, nw := decodeAt(t, c.end)
	if nw > 0 {
		switch {
		case isLatinLetter(next) && (m.phoneLabelAfter(c.end) || m.chatParticleAfter(c.end)):
			// "…1200Fax:(212)…": the next number's label; "…5678ya":
			// a chat particle.
		case isLatinLetter(next) || isInvalidPunct(next):
			return true
		case next == '@' && m.sipUser(c.start):
			// sip:+4930123456@example.org: the user part of a SIP URI.
		case next == '@' || next == '_' || next == '°' || next == 'º' || next == '′' || next == '″':
			return true
		case next == '-' || next == '/' || next == '.':
			r, _ := decodeAt(t, c.end+nw)
			if isLatinLetter(r) && (next != '.' || unicode.IsLower(r)) {
				return true // "...-e89b-...", "/edit", ".pdf"
			}
		}
	}
	if m.unitAfter(c.end) {
		return true
	}
	if m.priceBefore(c) {
		return true
	}
	if !plus && m.idLabel(c.start) {
		return true
	}
	gs, seps := groupsOf(t, c.start, c.core)
	if len(gs) == 0 {
		return true
	}
	if !plus && (isCard(t, gs) || isStructuredID(gs, seps) || isIP(gs, seps) || isVersion(gs, seps) || m.isCoordinate(c, gs, seps) || m.isThousands(c, gs, seps)) {
		return true
	}
	if m.ibanBefore(c.start) {
		return true
	}
	return false
}

// forcedIntl reports whether the digits at i are international although
// they have no plus: "wa.me/4917...", "api.whatsapp.com/send?phone=4917...",
// or a URL-encoded plus ("tel:%2B4930...").
func (m *matcher) forcedIntl(i int) bool {
	t := m.text
	if i >= 3 && equalFoldASCII(t[i-3:i], "%2b") {
		return true
	}
	j := i
	for j > 0 && i-j < 64 {
		c := t[j-1]
		if c == ' ' || c == '\n' || c == '\t' || c == '"' || c == '\'' || c == '<' || c == '>' {
			break
		}
		j--
	}
	if j == i {
		return false
	}
	tok := t[j:i]
	return containsFoldASCII(tok, "wa.me/") || containsFoldASCII(tok, "whatsapp")
}

// containsFoldASCII is strings.Contains ignoring ASCII case, without
// allocating.
func containsFoldASCII(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if equalFoldASCII(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// gluedToWord reports whether the separator at i joins the candidate to a
// word ("/products/4930...", "id=4930...", "ID-0301..."), unless that word
// is a phone label ("Tel.030 ...", "phone=...", "wa.me/...").
func (m *matcher) gluedToWord(i int) bool {
	t := m.text
	j := i
	for j > 0 && i-j < 64 {
		r, w := decodeBefore(t, j)
		if isSpace(r) || r == '\n' || r == '\r' || r == '"' || r == '\'' || r == '<' || r == '>' || r == '(' || r == '[' || r == '|' || r == ',' || r == ';' {
			break
		}
		j -= w
	}
	tok := t[j:i]
	hasLetter := false
	for _, r := range tok {
		if isLetter(r) {
			hasLetter = true
			break
		}
	}
	if !hasLetter {
		return false
	}
	low := strings.ToLower(tok)
	if strings.Contains(low, "wa.me") || strings.Contains(low, "whatsapp") || strings.HasPrefix(low, "tel:") || strings.HasPrefix(low, "callto:") || strings.HasPrefix(low, "sip:") {
		return false
	}
	// The last word of the token decides: "Tel.", "Fax-", "phone=", and
	// "number" itself ("My number-415-666-7777"; an ID word before it is
	// the label rules' to judge).
	w := lastWord(low)
	return labelKind(w) != labelPhone && nonLatinLabel(w) != labelPhone && !fullNumberWords[w]
}

// fullNumberWords are "number" written out, in the languages of the label
// lists.
var fullNumberWords = map[string]bool{"number": true, "nummer": true, "numero": true, "número": true, "numéro": true,
	"numer": true, "numara": true, "numarası": true, "nomor": true, "numarasi": true}

func lastWord(s string) string {
	e := len(s)
	for e > 0 {
		r, w := decodeBefore(s, e)
		if isLetter(r) {
			break
		}
		e -= w
	}
	b := e
	for b > 0 {
		r, w := decodeBefore(s, b)
		if !isLetter(r) {
			break
		}
		b -= w
	}
	return s[b:e]
}

// afterPause reports whether the candidate follows a dialling pause
// ("+1 555 0100,,123456#", "...;4321"): it is a passcode or extension,
// not a number of its own. A single comma is a pause only right after a
// match and before a plain digit run or a '#', since CSV rows put numbers
// after commas too.
func (m *matcher) afterPause(c cand) bool {
	t := m.text
	q := c.start
	commas, semis := 0, 0
	for q > 0 && (t[q-1] == ',' || t[q-1] == ';') {
		if t[q-1] == ',' {
			commas++
		} else {
			semis++
		}
		q--
	}
	r, _ := decodeBefore(t, q)
	if !isDigit(r) && r != '#' {
		return false
	}
	if m.lastMatch == q && (commas >= 2 || semis >= 1) {
		return true
	}
	if commas >= 2 && phoneLikeBefore(t, q) {
		return true
	}
	if m.lastMatch != q {
		return false
	}
	if next, _ := decodeAt(t, c.end); next == '#' {
		return true
	}
	gs, _ := groupsOf(t, c.start, c.core)
	return len(gs) == 1 && gs[0].n <= 8
}

// isCard recognises payment card numbers: 13-19 digits in groups of four,
// or Luhn-valid in one run or in Amex/Diners 4-6-5/4-6-4 grouping.
func isCard(t string, gs []group) bool {
	n := 0
	for _, g := range gs {
		n += g.n
	}
	if n < 13 || n > 19 {
		return false
	}
	if len(gs) >= 3 {
		four := true
		for _, g := range gs[:len(gs)-1] {
			if g.n != 4 {
				four = false
				break
			}
		}
		if four && gs[len(gs)-1].n <= 4 {
			return true
		}
	}
	switch {
	case len(gs) == 1, len(gs) == 3 && gs[0].n == 4 && gs[1].n == 6 && (gs[2].n == 5 || gs[2].n == 4):
		return luhn(t, gs)
	}
	return false
}

func luhn(t string, gs []group) bool {
	var ds []int
	for _, g := range gs {
		for i := g.a; i < g.b; {
			r, w := decodeAt(t, i)
			ds = append(ds, digitValue(r))
			i += w
		}
	}
	sum := 0
	for i := len(ds) - 1; i >= 0; i-- {
		d := ds[i]
		if (len(ds)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// isStructuredID recognises digit-only identifiers with a fixed shape:
// UUIDs (8-4-4-4-12), Brazilian CPF (ddd.ddd.ddd-dd) and CNPJ
// (dd.ddd.ddd/dddd-dd), ISBN-13.
func isStructuredID(gs []group, seps []string) bool {
	shape := func(lens ...int) bool {
		if len(gs) != len(lens) {
			return false
		}
		for i, l := range lens {
			if gs[i].n != l {
				return false
			}
		}
		return true
	}
	switch {
	case len(gs) >= 2 && gs[0].n == 8 && gs[1].n == 4 && seps[0] == "-":
		return true
	case shape(3, 3, 3, 2) && seps[0] == "." && seps[1] == "." && seps[2] == "-":
		return true
	case shape(2, 3, 3, 4, 2) && seps[0] == "." && seps[2] == "/":
		return true
	}
	n := 0
	for _, g := range gs {
		n += g.n
	}
	if n == 13 && (gs[0].v/pow10(gs[0].n-3) == 978 || gs[0].v/pow10(gs[0].n-3) == 979) && gs[0].n >= 3 {
		return true
	}
	return false
}

func pow10(n int) int {
	p := 1
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// isIP recognises dotted IPv4 addresses.
func isIP(gs []group, seps []string) bool {
	if len(gs) != 4 || !allSeps(seps, ".") {
		return false
	}
	for _, g := range gs {
		if g.n > 3 || g.v > 255 {
			return false
		}
	}
	return true
}

// isVersion recognises dotted version and build numbers
// ("10.0.19045.4291", "124.0.6367.91"): three or more dotted groups where
// a group after the first is a single digit. Dotted phone numbers
// ("1.800.555.0199", "01.23.45.67.89") have no such group.
func isVersion(gs []group, seps []string) bool {
	if len(gs) < 3 || !allSeps(seps, ".") {
		return false
	}
	for _, g := range gs[1:] {
		if g.n == 1 {
			return true
		}
	}
	return false
}

// isCoordinate recognises a decimal degree ("52.520008", "-33.8688,
// 151.2093", "48.8566°").
func (m *matcher) isCoordinate(c cand, gs []group, seps []string) bool {
	if len(gs) != 2 || seps[0] != "." || gs[0].n > 3 || gs[1].n < 4 {
		return false
	}
	t := m.text
	first, _ := decodeAt(t, gs[0].a)
	if first != '0' {
		return true
	}
	prev, _ := decodeBefore(t, c.start)
	next, _ := decodeAt(t, c.end)
	return prev == '-' || prev == '−' || next == '°' || next == ','
}

// isThousands recognises an amount written with thousands separators and
// decimals ("1.234.567,89", "12 345 678,00"): the candidate stops before
// the decimal comma.
func (m *matcher) isThousands(c cand, gs []group, seps []string) bool {
	if len(gs) < 2 || gs[0].n > 3 {
		return false
	}
	for _, g := range gs[1:] {
		if g.n != 3 {
			return false
		}
	}
	if !allSeps(seps, ".", ",", " ", "\u00a0", "\u202f", "\u2009", "'") {
		return false
	}
	t := m.text
	if c.end+2 < len(t) && (t[c.end] == ',' || t[c.end] == '.') && isASCIIDigit(t[c.end+1]) && isASCIIDigit(t[c.end+2]) && (c.end+3 >= len(t) || !isASCIIDigit(t[c.end+3])) {
		return true
	}
	return false
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

// priceBefore reports a currency sign or code right before the candidate
// ("USD 4155550100", "R$ 1.234").
func (m *matcher) priceBefore(c cand) bool {
	t := m.text
	i := c.start
	for k := 0; k < 2; k++ {
		r, w := decodeBefore(t, i)
		if !isSpace(r) {
			break
		}
		i -= w
	}
	r, w := decodeBefore(t, i)
	if w == 0 {
		return false
	}
	if isInvalidPunct(r) {
		return true
	}
	return isLetter(r) && isCurrencyWord(lastWord(t[max(0, i-12):i]))
}

// amountAfter reports a currency after the candidate and its decimals
// ("6502530000 USD", "1 234,56 €"). When the amount is only the last group
// of the candidate ("0900 1234567 (1,99 €/Anruf)"), it returns where the
// rest of the candidate ends instead of rejecting it all.
func (m *matcher) amountAfter(c cand) (reject bool, cut int) {
	t := m.text
	j := c.end
	if j+1 < len(t) && (t[j] == '.' || t[j] == ',') && isASCIIDigit(t[j+1]) {
		j += 2
		if j < len(t) && isASCIIDigit(t[j]) {
			j++
		}
	}
	for k := 0; k < 2; k++ {
		r, w := decodeAt(t, j)
		if !isSpace(r) {
			break
		}
		j += w
	}
	r, w := decodeAt(t, j)
	if w == 0 {
		return false, 0
	}
	money := isInvalidPunct(r) || r == '円' || r == '元' || r == '圆'
	if !money && isLetter(r) {
		e := j
		for e < len(t) && e-j < 12 {
			r2, w2 := decodeAt(t, e)
			if !isLetter(r2) {
				break
			}
			e += w2
		}
		money = isCurrencyWord(strings.ToLower(t[j:e]))
	}
	if !money {
		return false, 0
	}
	gs, seps := groupsOf(t, c.start, c.core)
	if n := len(gs); n >= 2 && strings.ContainsAny(seps[n-2], " ([（\u00a0") {
		return false, gs[n-2].b
	}
	return true, 0
}

func isCurrencyWord(w string) bool {
	switch strings.ToLower(w) {
	case "usd", "eur", "gbp", "cny", "rmb", "jpy", "inr", "brl", "chf", "cad", "aud", "rs", "rp", "euro", "euros",
		"dollar", "dollars", "reais", "real", "yuan", "yen", "rupees", "rupee", "pounds", "kr", "sek", "nok", "dkk":
		return true
	}
	return false
}

// ibanBefore reports an IBAN whose country code and check digits start at
// or shortly before i ("DE89 3704 0044 ...", "GB29 NWBK 6016 1331 ...").
func (m *matcher) ibanBefore(i int) bool {
	t := m.text
	j := i
	for j > 0 && i-j < 40 {
		c := t[j-1]
		if (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' {
			j--
			continue
		}
		break
	}
	if j == i {
		return false
	}
	for k := j; k < i && k+4 <= len(t); k++ {
		if k > 0 {
			p := t[k-1]
			if (p >= 'A' && p <= 'Z') || (p >= 'a' && p <= 'z') || (p >= '0' && p <= '9') {
				continue
			}
		}
		if t[k] >= 'A' && t[k] <= 'Z' && t[k+1] >= 'A' && t[k+1] <= 'Z' && isASCIIDigit(t[k+2]) && isASCIIDigit(t[k+3]) {
			return true
		}
	}
	return false
}

// dateSpans returns the byte ranges of dates and timestamps inside a
// candidate: "2024-05-17", "17.05.2024", "05/17/2024", "20240517",
// "2024-05-17 14" before ":22". The rest of the candidate is still tried.
func (m *matcher) dateSpans(c cand) [][2]int {
	t := m.text
	gs, seps := groupsOf(t, c.start, c.core)
	var spans [][2]int
	sepAt := func(i int) string { // separator before group i
		if i <= 0 || i > len(seps) {
			return ""
		}
		return seps[i-1]
	}
	for i := 0; i < len(gs); i++ {
		g := gs[i]
		if g.n == 8 || g.n == 12 || g.n == 14 {
			if compactDate(t, g) && !(i == 0 && isPlus(firstRune(t, c.start))) {
				spans = append(spans, [2]int{g.a, g.b})
				continue
			}
		}
		if i+2 >= len(gs) {
			continue
		}
		s1, s2 := sepAt(i+1), sepAt(i+2)
		if s1 != s2 || (s1 != "-" && s1 != "." && s1 != "/") {
			continue
		}
		if sepAt(i) == s1 || sepAt(i+3) == s1 {
			continue // part of a longer dotted or dashed run: a phone number
		}
		a, b, d := gs[i], gs[i+1], gs[i+2]
		if !isDate(a, b, d) {
			continue
		}
		end := d.b
		// "2024-05-17 14:22": the hour goes with the date.
		if i+3 < len(gs) {
			h := gs[i+3]
			if h.n <= 2 && h.v <= 23 && h.b < len(t) && t[h.b] == ':' && strings.TrimSpace(sepAt(i+3)) == "" {
				end = h.b
				i++
			}
		}
		spans = append(spans, [2]int{a.a, end})
		i += 2
	}
	// libphonenumber's timestamp rule: "2024 05 17 14" followed by ":22".
	return spans
}

func firstRune(s string, i int) rune { r, _ := decodeAt(s, i); return r }

func isYear(g group) bool { return g.n == 4 && g.v >= 1900 && g.v <= 2099 }

func isDate(a, b, c group) bool {
	if isYear(a) && b.n <= 2 && c.n <= 2 && b.v >= 1 && b.v <= 12 && c.v >= 1 && c.v <= 31 {
		return true
	}
	if a.n <= 2 && b.n <= 2 && (isYear(c) || c.n == 2) && a.v >= 1 && b.v >= 1 {
		return (a.v <= 31 && b.v <= 12) || (a.v <= 12 && b.v <= 31)
	}
	return false
}

// compactDate recognises YYYYMMDD, YYYYMMDDhhmm and YYYYMMDDhhmmss.
func compactDate(t string, g group) bool {
	ds := asciiDigits(t[g.a:g.b])
	if len(ds) < 8 {
		return false
	}
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	y, mo, d := num(ds[:4]), num(ds[4:6]), num(ds[6:8])
	if y < 1900 || y > 2099 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return false
	}
	if len(ds) >= 12 && (num(ds[8:10]) > 23 || num(ds[10:12]) > 59) {
		return false
	}
	if len(ds) == 14 && num(ds[12:14]) > 59 {
		return false
	}
	return true
}

// sipUser reports whether the candidate at i follows "sip:" or "sips:".
func (m *matcher) sipUser(i int) bool {
	t := m.text
	lo := max(0, i-5)
	pre := strings.ToLower(t[lo:i])
	return strings.HasSuffix(pre, "sip:") || strings.HasSuffix(pre, "sips:")
}

// unitAfter reports a unit of measure after the digits ("0301234567 kWh",
// "1234567 km"): a quantity, not a phone number.
func (m *matcher) unitAfter(j int) bool {
	t := m.text
	r, w := decodeAt(t, j)
	if !isSpace(r) {
		return false
	}
	j += w
	e := j
	for e < len(t) && e-j < 8 {
		r2, w2 := decodeAt(t, e)
		if !isLetter(r2) && r2 != '²' && r2 != '³' {
			break
		}
		e += w2
	}
	if e == j {
		return false
	}
	if r2, _ := decodeAt(t, e); isDigit(r2) {
		return false
	}
	switch strings.ToLower(t[j:e]) {
	case "kwh", "mwh", "kw", "km", "kg", "mb", "gb", "kb", "tb", "ms", "pcs", "stk", "stück", "units", "mi", "lbs",
		"bytes", "m²", "m³", "qm", "ft", "sq", "km²", "mah", "rpm", "hz", "khz", "mhz", "ghz", "mm", "cm", "ml", "kcal",
		// counts
		"points", "pts", "votes", "views", "followers", "likes", "downloads", "users", "visitors", "visits", "hits",
		"clicks", "items", "times", "people", "copies", "shares", "subscribers", "records", "rows", "steps",
		"punkte", "stimmen", "aufrufe", "personen", "mal", "fois", "vues", "pontos", "votos", "visualizações":
		return true
	}
	return false
}

// phoneLikeBefore reports at least seven digits in the number-like run
// ending at i: what a dialling pause follows ("0301234567,,1234#"), unlike
// a short CSV field ("1042,,").
func phoneLikeBefore(t string, i int) bool {
	n := 0
	for j := i; j > 0 && i-j < 40; {
		r, w := decodeBefore(t, j)
		switch {
		case isDigit(r):
			n++
		case isPunct(r) || isPlus(r):
		default:
			return n >= 7
		}
		j -= w
	}
	return n >= 7
}

// phoneLabelBefore reports a phone label ("Tel", "Fax", "Ph") written
// right before i without a space: "Tel030/2345678".
func (m *matcher) phoneLabelBefore(i int) bool {
	t := m.text
	b, n := i, 0
	for b > 0 && i-b < 24 {
		r, w := decodeBefore(t, b)
		if !isLetter(r) {
			break
		}
		b -= w
		n++
	}
	if n < 2 {
		return false
	}
	return m.labelOf(strings.ToLower(t[b:i])) == labelPhone
}

// chatParticles are the words chat writes straight after a number, with
// no space: Indonesian "ya", "aja", Tagalog "po", Vietnamese "nhé",
// Turkish case endings ("05321234567ye"), English "pls". A number glued to
// any other word is part of an identifier ("6502530000abc").
var chatParticles = map[string]bool{
	"ya": true, "yah": true, "aja": true, "kak": true, "dong": true, "deh": true, "nya": true, "gan": true, "bro": true,
	"po": true, "ho": true, "lang": true, "nhé": true, "nha": true, "nhe": true, "nhá": true, "ạ": true,
	"ye": true, "yi": true, "yı": true, "den": true, "dan": true, "ten": true, "tan": true, "dir": true, "dır": true,
	"pls": true, "plz": true, "thx": true, "ok": true, "okay": true, "lol": true, "porfa": true, "pf": true, "bitte": true,
}

// chatParticleAfter reports a chat particle glued to the number ending at
// j, ending a word.
func (m *matcher) chatParticleAfter(j int) bool {
	t := m.text
	e, n := j, 0
	for e < len(t) && e-j < 12 {
		r, w := decodeAt(t, e)
		if !isLetter(r) {
			break
		}
		e += w
		n++
	}
	if n == 0 {
		return false
	}
	if r, _ := decodeAt(t, e); isDigit(r) || r == '_' || r == '-' || r == '@' || r == '/' || r == '.' && e+1 < len(t) && isLetter(rune(t[e+1])) {
		return false // "4155550132pl-2", "…ya.com"
	}
	return chatParticles[strings.ToLower(t[j:e])]
}

// phoneLabelAfter reports a phone label starting at j and followed by what
// starts a number or closes a label (":", ".", "#", a digit or a bracket):
// "1200Fax:(212)…", "44Faks:0224…".
func (m *matcher) phoneLabelAfter(j int) bool {
	t := m.text
	e, n := j, 0
	for e < len(t) && e-j < 24 {
		r, w := decodeAt(t, e)
		if !isLetter(r) {
			break
		}
		e += w
		n++
	}
	if n < 2 {
		return false
	}
	switch r, _ := decodeAt(t, e); {
	case r == ':' || r == '.' || r == '#' || r == '：' || r == '(' || isDigit(r):
	default:
		return false
	}
	return m.labelOf(strings.ToLower(t[j:e])) == labelPhone
}
