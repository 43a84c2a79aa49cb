package history

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/textsafe"
	"github.com/emersion/go-vcard"
)

// MaxVCardBytes bounds what ImportVCard reads, so a wrong file (a video
// renamed .vcf) fails fast instead of filling memory.
const MaxVCardBytes = 64 << 20

// ImportReport says what an import did. Problems are things the user may
// want to fix in the source; none of them stops the import.
type ImportReport struct {
	Cards    int // cards found
	Added    int // new contacts
	Merged   int // cards merged into a contact already stored (same UID, or same name and a shared number)
	NoNumber int // cards without a phone number, not stored
	Skipped  int // broken cards, not stored
	Problems []ImportProblem
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

// rawCard is the text of one BEGIN:VCARD … END:VCARD block.
type rawCard struct {
	index, line int
	text        string
	broken      string // why the block itself is unusable
}

// splitCards cuts a vCard stream into cards on BEGIN/END lines, so that one
// broken card (a missing END, a bad line) costs only itself: go-vcard's
// decoder cannot resynchronise after an error in the middle of a stream.
func splitCards(r io.Reader, emit func(rawCard) error) error {
	sc := bufio.NewScanner(io.LimitReader(r, MaxVCardBytes+1))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var (
		b      strings.Builder
		in     bool
		cur    rawCard
		lineNo int
		n      int
		read   int
	)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		read += len(line) + 1
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
				cur.broken = "no END:VCARD before the next card"
				if err := emit(cur); err != nil {
					return err
				}
			}
			n++
			in = true
			cur = rawCard{index: n, line: lineNo}
			b.Reset()
			b.WriteString("BEGIN:VCARD\r\n")
		case strings.EqualFold(t, "END:VCARD"):
			if !in {
				continue
			}
			b.WriteString("END:VCARD\r\n")
			cur.text = b.String()
			in = false
			if err := emit(cur); err != nil {
				return err
			}
		case in:
			b.WriteString(fixBareTypes(line))
			b.WriteString("\r\n")
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read vCard: %w", err)
	}
	if in {
		cur.broken = "the file ends inside this card (no END:VCARD)"
		return emit(cur)
	}
	return nil
}

// fixBareTypes turns vCard 2.1 bare parameters ("TEL;CELL;VOICE:…") into
// TYPE= parameters: go-vcard reads a bare parameter as a parameter name
// swallowing the value, which would lose the number.
func fixBareTypes(line string) string {
	if line == "" || line[0] == ' ' || line[0] == '\t' {
		return line
	}
	colon := strings.IndexByte(line, ':')
	if colon < 0 {
		return line
	}
	head := line[:colon]
	if strings.ContainsRune(head, '"') || !strings.Contains(head, ";") {
		return line
	}
	parts := strings.Split(head, ";")
	changed := false
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" && !strings.Contains(parts[i], "=") {
			parts[i] = "TYPE=" + parts[i]
			changed = true
		}
	}
	if !changed {
		return line
	}
	return strings.Join(parts, ";") + line[colon:]
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

// cardToRec converts a decoded card; problems are per-number complaints.
func cardToRec(c vcard.Card, region string) (rec contactRec, problems []string) {
	rec.Name = cardName(c)
	rec.Org = cardOrg(c)
	rec.UID = strings.TrimSpace(c.Value(vcard.FieldUID))
	for _, f := range c[vcard.FieldTelephone] {
		label, ok := telLabel(f.Params)
		if !ok {
			continue
		}
		v := strings.TrimSpace(f.Value)
		if v == "" {
			problems = append(problems, "empty TEL")
			continue
		}
		n, err := number.Parse(v, region)
		if err != nil {
			problems = append(problems, fmt.Sprintf("number %q skipped: %v", v, err))
			continue
		}
		rec.Numbers = append(rec.Numbers, LabeledNumber{Label: label, E164: n.E164})
	}
	rec.Numbers = sortNumbers(rec.Numbers)
	return rec, problems
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
		if rc.broken != "" {
			rep.Skipped++
			prob("", rc.broken)
			return nil
		}
		card, err := vcard.NewDecoder(strings.NewReader(rc.text)).Decode()
		if err != nil {
			rep.Skipped++
			prob("", err.Error())
			return nil
		}
		rec, problems := cardToRec(card, region)
		if err := checkContact(&rec.Contact); err != nil {
			rep.Skipped++
			prob("", "not imported: "+strings.TrimPrefix(err.Error(), ErrInvalidInput.Error()+": "))
			return nil
		}
		for _, p := range problems {
			prob(rec.Name, p)
		}
		if rec.Name == "" {
			rep.Skipped++
			prob("", "no name (FN, N or ORG)")
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
		if existed {
			rep.Merged++
		} else {
			rep.Added++
		}
		return nil
	})
	return rep, err
}
