package history

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"

	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/textsafe"
	"github.com/emersion/go-vcard"
)

// MaxVCardBytes bounds what ImportVCard reads, so a wrong file (a video
// renamed .vcf) fails fast instead of filling memory.
const MaxVCardBytes = 64 << 20

// ErrNotVCard is a file with no card in it at all: the wrong file was
// picked, and saying "0 cards" would hide that.
var ErrNotVCard = errors.New("history: not a vCard file")

// ImportReport says what an import did. Problems are things the user may
// want to fix in the source; none of them stops the import.
type ImportReport struct {
	Cards    int // cards found
	Added    int // new contacts
	Merged   int // cards merged into a contact already stored (same UID, or same name and a shared number)
	NoNumber int // cards without a phone number, not stored
	Skipped  int // broken cards, and cards none of whose numbers could be read: not stored
	FaxPager int // fax and pager numbers, left out by design: nobody answers them
	NoRegion int // numbers without a country code, skipped because no region was given
	// SkippedNumbers counts numbers that could not be read (each is in
	// Problems with its reason); the rest of their card is imported.
	SkippedNumbers int
	Problems       []ImportProblem
}

// ImportProblem is one card, or one number on a card, that was skipped.
type ImportProblem struct {
	Card   int    // 1-based position in the file
	Line   int    // line of BEGIN:VCARD
	Name   string // the card's name, if it has one
	Reason string
}

// String is one line for a terminal: the name and reason come from the
// file (or server) and are escaped, so they cannot forge a second line.
func (p ImportProblem) String() string {
	who := ""
	if p.Name != "" {
		who = " (" + textsafe.Terminal(p.Name) + ")"
	}
	at := ""
	if p.Line > 0 {
		at = fmt.Sprintf(" at line %d", p.Line)
	}
	return fmt.Sprintf("card %d%s%s: %s", p.Card, at, who, textsafe.Terminal(p.Reason))
}

// rawCard is one BEGIN:VCARD … END:VCARD block as logical lines: folds
// and quoted-printable soft line breaks already joined.
type rawCard struct {
	index, line int
	lines       []string
	broken      string // why the block itself is unusable
}

// splitCards cuts a vCard stream into cards on BEGIN/END lines, so that one
// broken card (a missing END, a bad line) costs only itself: go-vcard's
// decoder cannot resynchronise after an error in the middle of a stream.
// It also joins lines, which go-vcard's decoder cannot do for vCard 2.1:
// a quoted-printable value ending in "=" goes on at the start of the next
// line (no leading space), and that line must never be read as a property
// of its own.
func splitCards(r io.Reader, emit func(rawCard) error) error {
	sc := bufio.NewScanner(io.LimitReader(r, MaxVCardBytes+1))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var (
		in     bool
		cur    rawCard
		lineNo int
		n      int
		read   int
		// The logical line being read: folds and soft breaks are
		// appended to it (a byte slice, so a long value costs linear
		// time); qp is known once its parameters are complete.
		buf      []byte
		open     bool
		qp, head bool
	)
	flush := func() {
		if open {
			cur.lines = append(cur.lines, string(buf))
			open = false
		}
	}
	// soft reports whether the logical line ends in a quoted-printable
	// soft break, so the next physical line goes on with it.
	soft := func() bool {
		if !head {
			if head = bytes.IndexByte(buf, ':') >= 0; head {
				qp = isQP(string(buf))
			}
		}
		return qp && len(buf) > 0 && buf[len(buf)-1] == '='
	}
	for sc.Scan() {
		lineNo++
		// "\r\r\n" line ends (written by some Windows exporters) leave
		// a CR the scanner does not take off.
		line := strings.TrimRight(sc.Text(), "\r")
		read += len(sc.Bytes()) + 1
		if read > MaxVCardBytes {
			return fmt.Errorf("%w: file larger than %d MiB", ErrInvalidInput, MaxVCardBytes>>20)
		}
		if lineNo == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		t := strings.TrimSpace(line)
		switch {
		case strings.EqualFold(t, "BEGIN:VCARD"):
			if in {
				flush()
				cur.broken = "no END:VCARD before the next card"
				if err := emit(cur); err != nil {
					return err
				}
			}
			n++
			in, open = true, false
			cur = rawCard{index: n, line: lineNo}
		case strings.EqualFold(t, "END:VCARD"):
			if !in {
				continue
			}
			flush()
			in = false
			if err := emit(cur); err != nil {
				return err
			}
		case !in:
		case open && soft():
			buf = append(buf[:len(buf)-1], line...)
		case open && line != "" && (line[0] == ' ' || line[0] == '\t'):
			buf = append(buf, line[1:]...)
		case t == "":
		default:
			flush()
			buf = append(buf[:0], line...)
			open, head, qp = true, false, false
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read vCard: %w", err)
	}
	if in {
		flush()
		cur.broken = "the file ends inside this card (no END:VCARD)"
		return emit(cur)
	}
	return nil
}

// isQP reports whether a content line's value is quoted-printable.
func isQP(line string) bool {
	p, err := parseContentLine(line)
	return err == nil && strings.EqualFold(p.field.Params.Get("ENCODING"), "QUOTED-PRINTABLE")
}

// property is one parsed content line.
type property struct {
	name  string // upper case
	field vcard.Field
}

// parseContentLine reads "group.NAME;param=value,value;…:value" by the
// RFC 6350 grammar, with vCard 2.1's bare parameters ("TEL;CELL;VOICE:",
// "FN;QUOTED-PRINTABLE:"). go-vcard's parser is not used for this: it
// reads a bare parameter as a name swallowing the value, un-escapes
// backslashes inside quoted values, and fails on a quoted value followed
// by another value (TYPE="A,B:C",PREF) — and its decoder then drops the
// whole line silently, losing the number.
func parseContentLine(l string) (property, error) {
	var p property
	i := strings.IndexAny(l, ";:")
	if i <= 0 {
		return p, errors.New("a line without a property name and colon")
	}
	name := l[:i]
	if g, n, ok := strings.Cut(name, "."); ok {
		p.field.Group, name = g, n
	}
	p.name = strings.ToUpper(strings.TrimSpace(name))
	rest := l[i:]
	for rest != "" && rest[0] == ';' {
		rest = rest[1:]
		j := strings.IndexAny(rest, "=;:")
		if j < 0 {
			return p, errors.New("parameters without a colon before the value")
		}
		pname := strings.ToUpper(strings.TrimSpace(rest[:j]))
		if rest[j] != '=' {
			rest = rest[j:]
			if pname == "" {
				continue
			}
			// vCard 2.1 bare parameter: an encoding, a charset-less
			// value type, or a type.
			key := "TYPE"
			switch pname {
			case "QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT":
				key = "ENCODING"
			}
			p.addParam(key, pname)
			continue
		}
		rest = rest[j+1:]
		for {
			var v string
			if rest != "" && rest[0] == '"' {
				end := strings.IndexByte(rest[1:], '"')
				if end < 0 {
					return p, fmt.Errorf("parameter %s: a quoted value without its closing quote", pname)
				}
				v, rest = rest[1:1+end], rest[2+end:]
			} else {
				k := strings.IndexAny(rest, ",;:")
				if k < 0 {
					return p, fmt.Errorf("parameter %s: no colon before the value", pname)
				}
				v, rest = rest[:k], rest[k:]
			}
			p.addParam(pname, caretDecode(v))
			if rest == "" || rest[0] != ',' {
				break
			}
			rest = rest[1:]
		}
		if rest == "" || (rest[0] != ';' && rest[0] != ':') {
			return p, fmt.Errorf("parameter %s: unexpected text after its value", pname)
		}
	}
	if rest == "" || rest[0] != ':' {
		return p, errors.New("no colon before the value")
	}
	p.field.Value = rest[1:]
	return p, nil
}

func (p *property) addParam(k, v string) {
	if p.field.Params == nil {
		p.field.Params = vcard.Params{}
	}
	p.field.Params[k] = append(p.field.Params[k], v)
}

// caretDecode undoes RFC 6868's escapes in parameter values.
func caretDecode(s string) string {
	if !strings.Contains(s, "^") {
		return s
	}
	return strings.NewReplacer("^n", "\n", "^N", "\n", "^^", "^", "^'", `"`).Replace(s)
}

// valueUnescape undoes the text escapes go-vcard's decoder undoes ("\\",
// "\n", "\,"), leaving "\;" for the structured values (N, ORG) that
// go-vcard's accessors split on ";".
var valueUnescape = strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\N`, "\n", `\,`, ",")

// decodeValue turns a property's value into UTF-8 text: quoted-printable
// and CHARSET as vCard 2.1 writes them (go-vcard has neither), then the
// text escapes.
func decodeValue(f *vcard.Field) error {
	raw := f.Value
	enc := strings.ToUpper(f.Params.Get("ENCODING"))
	if enc == "QUOTED-PRINTABLE" {
		raw = qpDecode(raw)
	}
	cs := strings.TrimSpace(f.Params.Get("CHARSET"))
	switch {
	case cs == "" || strings.EqualFold(cs, "UTF-8") || strings.EqualFold(cs, "US-ASCII"):
		if !utf8.ValidString(raw) {
			if cs == "" {
				return errors.New("the text is not UTF-8 and the card does not say its CHARSET; export the contacts as UTF-8")
			}
			return fmt.Errorf("the text is not valid %s", cs)
		}
	default:
		e, err := htmlindex.Get(cs)
		if err != nil {
			if e, err = ianaindex.IANA.Encoding(cs); err != nil || e == nil {
				return fmt.Errorf("unknown CHARSET=%s; export the contacts as UTF-8", cs)
			}
		}
		out, err := e.NewDecoder().String(raw)
		if err != nil || strings.ContainsRune(out, utf8.RuneError) {
			return fmt.Errorf("the text is not valid %s (CHARSET=%s); export the contacts as UTF-8", cs, cs)
		}
		raw = out
	}
	f.Value = valueUnescape.Replace(raw)
	delete(f.Params, "ENCODING")
	delete(f.Params, "CHARSET")
	return nil
}

// qpDecode decodes a quoted-printable value whose soft line breaks are
// already joined. mime/quotedprintable's reader is not used: it reads by
// lines of at most 4 KiB, and a joined value can be longer. A malformed
// escape is kept as written, as mail readers do, rather than losing the
// value.
func qpDecode(s string) string {
	if !strings.Contains(s, "=") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

// nameProps make up a contact's name: one that cannot be read makes the
// card unusable (storing it under another name would mislead). A TEL
// that cannot be read costs only that number, reported; any other
// property is not used and is ignored.
var nameProps = map[string]bool{vcard.FieldFormattedName: true, vcard.FieldName: true, vcard.FieldOrganization: true, vcard.FieldUID: true}

// decodeCard builds go-vcard's Card from a card's lines, so the rest of
// the import (and CardDAV) reads cards through go-vcard's accessors.
func decodeCard(rc rawCard) (card vcard.Card, problems []string, err error) {
	card = vcard.Card{}
	for _, l := range rc.lines {
		p, err := parseContentLine(l)
		name := p.name
		if err != nil {
			name = l
			if i := strings.IndexAny(name, ";:"); i >= 0 {
				name = name[:i]
			}
			if _, n, ok := strings.Cut(name, "."); ok {
				name = n
			}
			name = strings.ToUpper(strings.TrimSpace(name))
		} else {
			err = decodeValue(&p.field)
		}
		switch {
		case err == nil:
			f := p.field
			card[p.name] = append(card[p.name], &f)
		case nameProps[name]:
			return nil, nil, fmt.Errorf("%s: %v", name, err)
		case name == vcard.FieldTelephone:
			problems = append(problems, fmt.Sprintf("a TEL line could not be read (%v): %q", err, shorten(l)))
		}
	}
	return card, problems, nil
}

// cardName picks the name to show for a card: FN, else N, else ORG.
func cardName(c vcard.Card) string {
	if fn := strings.TrimSpace(c.PreferredValue(vcard.FieldFormattedName)); fn != "" {
		return fn
	}
	if n := c.Name(); n != nil {
		parts := []string{n.HonorificPrefix, n.GivenName, n.AdditionalName, n.FamilyName, n.HonorificSuffix}
		if s := strings.Join(strings.Fields(strings.Join(parts, " ")), " "); s != "" {
			return s
		}
	}
	return cardOrg(c)
}

func cardOrg(c vcard.Card) string {
	org := c.PreferredValue(vcard.FieldOrganization)
	// ORG is "Company;Department;…"; the company is what people search for.
	org, _, _ = strings.Cut(org, ";")
	return strings.TrimSpace(org)
}

// telLabel maps TEL types to deskdial's labels; ok is false for numbers
// nobody can call (fax, pager without voice).
func telLabel(p vcard.Params) (label string, ok bool) {
	var types []string
	for _, t := range p.Types() {
		for _, s := range strings.Split(t, ",") {
			types = append(types, strings.ToLower(strings.TrimSpace(s)))
		}
	}
	has := func(names ...string) bool {
		for _, t := range types {
			for _, n := range names {
				if t == n {
					return true
				}
			}
		}
		return false
	}
	if has("fax", "pager") && !has("voice", "cell", "mobile") {
		return "", false
	}
	switch {
	case has("cell", "mobile", "iphone"):
		return LabelMobile, true
	case has("work"):
		return LabelWork, true
	case has("home"):
		return LabelHome, true
	}
	return LabelOther, true
}

// abLabel maps the label Apple's exporters put on a grouped number
// ("item1.TEL" with "item1.X-ABLabel:_$!<Mobile>!$_") to TEL types.
func abLabel(c vcard.Card, group string) []string {
	if group == "" {
		return nil
	}
	for _, f := range c["X-ABLABEL"] {
		if !strings.EqualFold(f.Group, group) {
			continue
		}
		l := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(f.Value, "_$!<"), ">!$_"))
		switch {
		case strings.Contains(l, "fax"):
			return []string{"fax"}
		case strings.Contains(l, "pager"):
			return []string{"pager"}
		case l == "mobile" || l == "iphone":
			return []string{"cell"}
		case l == "work" || l == "home":
			return []string{l}
		}
	}
	return nil
}

// isPause reports whether s[i] is a pause or wait: "," ";" anywhere, "p"
// and "w" only where no letter touches them, so that a vanity number
// ("1-800-FLOWERS") is not cut.
func isPause(s string, i int) bool {
	switch s[i] {
	case ',', ';':
		return true
	case 'p', 'P', 'w', 'W':
		isLetter := func(j int) bool {
			return j >= 0 && j < len(s) && (s[j]|0x20 >= 'a' && s[j]|0x20 <= 'z')
		}
		return !isLetter(i-1) && !isLetter(i+1)
	}
	return false
}

// maxExt bounds what is kept to key in after a call is answered.
const maxExt = 40

// cutPostDial cuts a number at its first pause or wait ("03 1234 5678
// p1234w9"): what comes before is the number to dial, what comes after
// is kept like an extension, to key in once the call is answered, with
// pauses as "," and waits as ";". Dialling both as one number would call
// a different, perhaps real, number; a value that starts with a pause has
// no number to dial and is refused.
func cutPostDial(v string) (main, post string, err error) {
	prefix, body, params := "", v, ""
	if len(v) >= 4 && strings.EqualFold(v[:4], "tel:") {
		// A tel: URI's parameters (";ext=", ";phone-context=") are
		// the number parser's; only its number part is cut.
		prefix, body = v[:4], v[4:]
		if i := strings.IndexByte(body, ';'); i >= 0 {
			body, params = body[:i], body[i:]
		}
	} else if i := strings.Index(strings.ToLower(body), ";ext="); i >= 0 {
		// "+420 222 333 444;ext=55" (Evolution) is an extension
		// written the tel: URI way, not a wait.
		body, params = body[:i], body[i:]
	}
	cut := -1
	for i := 0; i < len(body); i++ {
		if isPause(body, i) {
			cut = i
			break
		}
	}
	if cut < 0 {
		return v, "", nil
	}
	main = strings.TrimSpace(body[:cut])
	if !strings.ContainsAny(main, "0123456789") {
		return "", "", fmt.Errorf("it starts with a pause or wait (%q), so there is no number to dial before the digits to key in", body[cut:cut+1])
	}
	var b strings.Builder
	for i := cut + 1; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= '0' && c <= '9', c == '*', c == '#':
			b.WriteByte(c)
		case isPause(body, i):
			if c == 'w' || c == 'W' || c == ';' {
				b.WriteByte(';')
			} else {
				b.WriteByte(',')
			}
		case c == ' ', c == '-', c == '.', c == '(', c == ')':
		default:
			return "", "", fmt.Errorf("%q after the pause is not a digit to key in", string(c))
		}
	}
	post = strings.Trim(b.String(), ",;")
	if len(post) > maxExt {
		return "", "", fmt.Errorf("more than %d digits to key in after the pause", maxExt)
	}
	return prefix + main + params, post, nil
}

// cardToRec converts a decoded card; problems are per-number complaints.
// Fax and pager numbers are left out by design and counted in
// rec.faxPager.
func cardToRec(c vcard.Card, region string) (rec contactRec, problems []string) {
	rec.Name = cardName(c)
	rec.Org = cardOrg(c)
	rec.UID = strings.TrimSpace(c.Value(vcard.FieldUID))
	for _, f := range c[vcard.FieldTelephone] {
		params := f.Params
		if t := abLabel(c, f.Group); t != nil {
			params = vcard.Params{vcard.ParamType: append(append([]string(nil), f.Params.Types()...), t...)}
		}
		label, ok := telLabel(params)
		if !ok {
			rec.faxPager++
			continue
		}
		v := strings.TrimSpace(f.Value)
		if v == "" {
			problems = append(problems, "empty TEL")
			continue
		}
		main, post, err := cutPostDial(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("number %q skipped: %v", v, err))
			continue
		}
		if (region == "" || strings.EqualFold(region, "ZZ")) && number.NeedsRegion(main) {
			// Guessing a region (the US) would store another country's
			// number, which calling the contact then dials.
			rec.noRegion++
			problems = append(problems, fmt.Sprintf("number %q skipped: it has no country code, and no region is set to tell which country it is in", v))
			continue
		}
		n, err := number.Parse(main, region)
		if err != nil {
			problems = append(problems, fmt.Sprintf("number %q skipped: %v", v, err))
			continue
		}
		ext := n.Extension
		if post != "" {
			if ext != "" {
				ext += ","
			}
			ext += post
		}
		if len(ext) > maxExt {
			problems = append(problems, fmt.Sprintf("number %q skipped: its extension is longer than %d digits", v, maxExt))
			continue
		}
		if !validExt(ext) {
			// The number parser passes a tel: URI's ";ext=" through as
			// written; what is not digits cannot be keyed in.
			problems = append(problems, fmt.Sprintf("number %q: extension %q is not digits to key in; the number is kept without it", v, ext))
			ext = ""
		}
		rec.Numbers = append(rec.Numbers, LabeledNumber{Label: label, E164: n.E164, Ext: ext})
		if _, err := number.Parse(main, ""); err != nil {
			if rec.written == nil {
				rec.written = map[string]string{}
			}
			rec.written[n.E164] = main // read in the import's region
		}
	}
	rec.Numbers = sortNumbers(rec.Numbers)
	return rec, problems
}

// readCard turns one card's lines into a contact: import and CardDAV sync
// both read cards this way, so a card keeps the same numbers whichever
// way it comes in. err says why the whole card is unusable; problems are
// lines and numbers left out.
func readCard(rc rawCard, region string) (rec contactRec, problems []string, err error) {
	if rc.broken != "" {
		return rec, nil, errors.New(rc.broken)
	}
	card, lineProblems, err := decodeCard(rc)
	if err != nil {
		return rec, nil, err
	}
	rec, problems = cardToRec(card, region)
	return rec, append(lineProblems, problems...), nil
}

// errMoreCards stops splitCards after the first card of a CardDAV
// resource.
var errMoreCards = errors.New("more than one card")

// readCardData reads the one card a CardDAV address book entry holds
// (RFC 6352 section 5.1), as the server sent it, with import's reader.
func readCardData(data []byte, region string) (contactRec, []string, error) {
	var cards []rawCard
	err := splitCards(bytes.NewReader(data), func(rc rawCard) error {
		cards = append(cards, rc)
		if len(cards) > 1 {
			return errMoreCards
		}
		return nil
	})
	switch {
	case errors.Is(err, errMoreCards):
		return contactRec{}, nil, errors.New("the entry holds more than one card (an address book entry is one card)")
	case err != nil:
		return contactRec{}, nil, err
	case len(cards) == 0:
		return contactRec{}, nil, errors.New("the entry holds no card (no BEGIN:VCARD line)")
	}
	return readCard(cards[0], region)
}

// ImportVCard reads vCard 3 and 4 (and most 2.1) cards from r and stores
// them as contacts. Numbers are normalised to E.164 with region as the
// default region. A card with the same UID as a stored contact, or the
// same name and a shared number, is merged into it. Broken cards are
// reported and skipped; the rest are stored in one transaction.
func (s *Store) ImportVCard(ctx context.Context, r io.Reader, region string) (ImportReport, error) {
	var rep ImportReport
	err := s.write(ctx, func(tx *wtx) error {
		var err error
		rep, err = readCards(r, region, func(rec *contactRec) (bool, error) {
			rec.Source = "vcard"
			if err := keepStoredReadings(ctx, tx, rec); err != nil {
				return false, err
			}
			_, existed, err := putContact(ctx, tx, rec, false, true)
			if err != nil {
				return false, err
			}
			return existed, ctx.Err()
		})
		return err
	})
	if err != nil {
		return ImportReport{}, fmt.Errorf("import vCard: %w", err)
	}

	if rep.Added+rep.Merged > 0 {
		s.notify()
	}
	return rep, nil
}

// lostNumber reports whether a card problem is a number left out (rather
// than a note about a number that was kept).
func lostNumber(p string) bool {
	return p == "empty TEL" || strings.HasPrefix(p, "a TEL line could not be read") ||
		(strings.HasPrefix(p, "number ") && strings.Contains(p, " skipped"))
}

// readCards parses cards from r and hands each usable one to store, which
// reports whether it merged into an existing contact. Broken cards are
// counted and described in the report; only store's errors and read
// errors end it.
func readCards(r io.Reader, region string, store func(*contactRec) (bool, error)) (ImportReport, error) {
	var rep ImportReport
	err := splitCards(r, func(rc rawCard) error {
		rep.Cards++
		prob := func(name, reason string) {
			rep.Problems = append(rep.Problems, ImportProblem{Card: rc.index, Line: rc.line, Name: name, Reason: reason})
		}
		rec, problems, err := readCard(rc, region)
		if err != nil {
			rep.Skipped++
			prob("", err.Error())
			return nil
		}
		rep.FaxPager += rec.faxPager
		rep.NoRegion += rec.noRegion
		if err := checkContact(&rec.Contact); err != nil {
			rep.Skipped++
			prob("", "not imported: "+strings.TrimPrefix(err.Error(), ErrInvalidInput.Error()+": "))
			return nil
		}
		for _, p := range problems {
			prob(rec.Name, p)
		}
		skipped := 0
		for _, p := range problems {
			if lostNumber(p) {
				skipped++
			}
		}
		rep.SkippedNumbers += skipped
		if rec.Name == "" {
			rep.Skipped++
			prob("", "no name (FN, N or ORG)")
			return nil
		}
		if len(rec.Numbers) == 0 && skipped > 0 {
			// It has numbers, none of them readable: skipped, not
			// "without a phone number".
			rep.Skipped++
			return nil
		}
		if len(rec.Numbers) == 0 {
			rep.NoNumber++
			return nil
		}
		existed, err := store(&rec)
		if err != nil {
			return fmt.Errorf("store card %d (%s): %w", rc.index, textsafe.Terminal(rec.Name), err)
		}
		for _, n := range rec.notes {
			prob(rec.Name, n)
		}
		if existed {
			rep.Merged++
		} else {
			rep.Added++
		}
		return nil
	})
	if err == nil && rep.Cards == 0 {
		err = fmt.Errorf("%w: it has no BEGIN:VCARD line", ErrNotVCard)
	}
	return rep, err
}
