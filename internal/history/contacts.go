package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/number"
)

// Number labels.
const (
	LabelMobile = "mobile"
	LabelWork   = "work"
	LabelHome   = "home"
	LabelOther  = "other"
)

// Contact is one person or organisation with the numbers to reach them.
type Contact struct {
	ID      int64
	Name    string
	Org     string
	Numbers []LabeledNumber
	Source  string // "vcard", "carddav:<address book URL>", "sync"
	UID     string
}

// LabeledNumber is one number of a contact.
type LabeledNumber struct {
	Label string // mobile, work, home or other
	E164  string
	// Ext is what to key in once the call is answered: an extension
	// ("102") or the digits after a pause ("," ) or wait (";"). The phone
	// dials E164 only.
	Ext string `json:",omitempty"`
}

// validExt reports whether ext holds only what a phone can key in: digits,
// "*", "#", and the pause and wait marks.
func validExt(ext string) bool {
	if len(ext) > maxExt {
		return false
	}
	for i := 0; i < len(ext); i++ {
		if !strings.ContainsRune("0123456789*#,;", rune(ext[i])) {
			return false
		}
	}
	return true
}

// NumberText is a contact's number the way `deskdial call` lists it after
// the name: "(mobile): +4915123456789", "(work): +49895555555, ext. 12";
// a number without a label is "other".
func NumberText(label, e164, ext string) string {
	if label == "" {
		label = "other"
	}
	s := "(" + label + "): " + e164
	if ext != "" {
		s += ", " + ExtText(ext)
	}
	return s
}

// ExtText is an extension the way a user reads it: "ext. 102", or for
// digits after pauses and waits "then key in 1234, 5678".
func ExtText(ext string) string {
	if ext == "" {
		return ""
	}
	if !strings.ContainsAny(ext, ",;") {
		return "ext. " + ext
	}
	parts := strings.FieldsFunc(ext, func(r rune) bool { return r == ',' || r == ';' })
	return "then key in " + strings.Join(parts, ", ")
}

// labelRank orders numbers the way a user reads them: mobile first.
func labelRank(l string) int {
	switch l {
	case LabelMobile:
		return 0
	case LabelWork:
		return 1
	case LabelHome:
		return 2
	}
	return 3
}

const labelOrder = `CASE label WHEN 'mobile' THEN 0 WHEN 'work' THEN 1 WHEN 'home' THEN 2 ELSE 3 END`

// foldName is the form two names are compared in when deciding whether two
// cards describe the same person.
func foldName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// contactRec is a contact on its way into the database.
type contactRec struct {
	Contact
	href, etag string
	faxPager   int // fax and pager numbers left out of Numbers
	noRegion   int // numbers left out for want of a region
	// written holds, for numbers written without a country code, the
	// text as written (E.164 → text): they were read in the import's
	// region and may read differently in another.
	written map[string]string
	// notes say what storing the card changed from how it was read.
	notes []string
}

// Contacts returns every contact, sorted by name.
func (s *Store) Contacts(ctx context.Context) ([]Contact, error) {
	cs, err := s.queryContacts(ctx, s.db, `SELECT id, name, org, source, uid FROM contacts ORDER BY name COLLATE NOCASE, id`)
	if err != nil {
		return nil, fmt.Errorf("read contacts: %w", err)
	}
	return cs, nil
}

// Contact returns one contact by ID.
func (s *Store) Contact(ctx context.Context, id int64) (Contact, error) {
	cs, err := s.queryContacts(ctx, s.db, `SELECT id, name, org, source, uid FROM contacts WHERE id = ?`, id)
	if err != nil {
		return Contact{}, fmt.Errorf("read contact: %w", err)
	}
	if len(cs) == 0 {
		return Contact{}, fmt.Errorf("read contact: %w: contact %d", ErrNotFound, id)
	}
	return cs[0], nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Store) queryContacts(ctx context.Context, q querier, query string, args ...any) ([]Contact, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []Contact
	idx := map[int64]int{}
	for rows.Next() {
		var c Contact
		if err := rows.Scan(&c.ID, &c.Name, &c.Org, &c.Source, &c.UID); err != nil {
			rows.Close()
			return nil, err
		}
		idx[c.ID] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	var nrows *sql.Rows
	if len(out) == 1 {
		nrows, err = q.QueryContext(ctx, `SELECT contact_id, label, e164, ext FROM contact_numbers WHERE contact_id = ? ORDER BY `+labelOrder+`, e164`, out[0].ID)
	} else {
		nrows, err = q.QueryContext(ctx, `SELECT contact_id, label, e164, ext FROM contact_numbers ORDER BY contact_id, `+labelOrder+`, e164`)
	}
	if err != nil {
		return nil, err
	}
	defer nrows.Close()
	for nrows.Next() {
		var id int64
		var n LabeledNumber
		if err := nrows.Scan(&id, &n.Label, &n.E164, &n.Ext); err != nil {
			return nil, err
		}
		if i, ok := idx[id]; ok {
			out[i].Numbers = append(out[i].Numbers, n)
		}
	}
	return out, nrows.Err()
}

// findDuplicate returns the ID of the stored contact that rec describes:
// the one with the same UID, else one with the same name sharing a number.
func findDuplicate(ctx context.Context, tx *wtx, rec *contactRec) (int64, error) {
	var id int64
	if rec.UID != "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM contacts WHERE uid = ? ORDER BY id LIMIT 1`, rec.UID).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	want := foldName(rec.Name)
	for _, n := range rec.Numbers {
		rows, err := tx.QueryContext(ctx, `SELECT c.id, c.name FROM contact_numbers cn JOIN contacts c ON c.id = cn.contact_id WHERE cn.e164 = ?`, n.E164)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return 0, err
			}
			if foldName(name) == want {
				rows.Close()
				return id, nil
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// putContact stores rec. With replace, the contact with rec's UID takes
// rec's fields and numbers as they are (its address book or another
// desktop changed it); otherwise rec is merged into a duplicate: numbers
// are united, empty fields filled in. It reports the contact's ID and
// whether it existed before, and queues the change for sync when sync is
// true.
func putContact(ctx context.Context, tx *wtx, rec *contactRec, replace, sync bool) (int64, bool, error) {
	var id int64
	var err error
	if replace {
		err = tx.QueryRowContext(ctx, `SELECT id FROM contacts WHERE uid = ? ORDER BY id LIMIT 1`, rec.UID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
	} else {
		id, err = findDuplicate(ctx, tx, rec)
	}
	if err != nil {
		return 0, false, err
	}
	now := time.Now().UnixNano()
	existed := id != 0
	if !existed {
		if rec.UID == "" {
			rec.UID = "deskdial-" + newSyncID()
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO contacts(name, org, source, uid, href, etag, updated) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			rec.Name, rec.Org, rec.Source, rec.UID, rec.href, rec.etag, now)
		if err != nil {
			return 0, false, err
		}
		if id, err = res.LastInsertId(); err != nil {
			return 0, false, err
		}
	} else {
		if replace {
			_, err = tx.ExecContext(ctx, `UPDATE contacts SET name = ?, org = ?, source = ?, href = ?, etag = ?, updated = ? WHERE id = ?`,
				rec.Name, rec.Org, rec.Source, rec.href, rec.etag, now, id)
			if err == nil {
				_, err = tx.ExecContext(ctx, `DELETE FROM contact_numbers WHERE contact_id = ?`, id)
			}
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE contacts SET
				org = CASE WHEN org = '' THEN ? ELSE org END,
				href = CASE WHEN ? <> '' THEN ? ELSE href END,
				etag = CASE WHEN ? <> '' THEN ? ELSE etag END,
				updated = ? WHERE id = ?`,
				rec.Org, rec.href, rec.href, rec.etag, rec.etag, now, id)
		}
		if err != nil {
			return 0, false, err
		}
	}
	for _, n := range rec.Numbers {
		// A number already stored keeps its label unless it was only
		// "other" and this card says more, and its extension unless it
		// had none.
		if _, err := tx.ExecContext(ctx, `INSERT INTO contact_numbers(contact_id, label, e164, forms, ext) VALUES (?, ?, ?, deskdial_digits(?3), ?)
			ON CONFLICT(contact_id, e164) DO UPDATE SET
				label = CASE WHEN label = 'other' THEN excluded.label ELSE label END,
				ext = CASE WHEN ext = '' THEN excluded.ext ELSE ext END`,
			id, n.Label, n.E164, n.Ext); err != nil {
			return 0, false, err
		}
	}
	tx.reindex(id)
	if !sync {
		return id, existed, nil
	}
	var uid string
	if err := tx.QueryRowContext(ctx, `SELECT uid FROM contacts WHERE id = ?`, id).Scan(&uid); err != nil {
		return 0, false, err
	}
	return id, existed, enqueue(ctx, tx, kindContact, uid, now)
}

// keepStoredReadings makes an import in another region leave numbers
// already stored as they are: a number written without a country code on a
// card that matches a stored contact (same UID, or same name) and whose
// national digits are those of a stored number is taken as that stored
// number, not re-read (030 1234567 stays +49 30 1234567 when re-imported
// with --region US). Each number kept so is described in rec.notes.
func keepStoredReadings(ctx context.Context, tx *wtx, rec *contactRec) error {
	if len(rec.written) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.name, cn.e164 FROM contact_numbers cn JOIN contacts c ON c.id = cn.contact_id
		WHERE (c.uid = ?1 AND ?1 <> '') OR c.name = ?2 COLLATE NOCASE`, rec.UID, rec.Name)
	if err != nil {
		return err
	}
	var stored []string
	want := foldName(rec.Name)
	for rows.Next() {
		var name, e164 string
		if err := rows.Scan(&name, &e164); err != nil {
			rows.Close()
			return err
		}
		if rec.UID != "" || foldName(name) == want {
			stored = append(stored, e164)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, n := range rec.Numbers {
		text, ok := rec.written[n.E164]
		if !ok {
			continue
		}
		for _, old := range stored {
			if old != n.E164 && sameNational(text, old) {
				rec.notes = append(rec.notes, fmt.Sprintf("number %q kept as %s, as stored before (it would read as %s in this import's region)", text, old, n.E164))
				rec.Numbers[i].E164 = old
				break
			}
		}
	}
	rec.Numbers = sortNumbers(rec.Numbers)
	return nil
}

// sameNational reports whether text, a number written without a country
// code, has the national digits of the stored E.164 number: its digits
// without the trunk prefix (a leading 0, or 1 in North America).
func sameNational(text, e164 string) bool {
	nsn := number.NationalDigits(e164)
	if nsn == "" {
		return false
	}
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, text)
	d = strings.TrimLeft(d, "0")
	return d == nsn || (len(d) == len(nsn)+1 && strings.HasSuffix(d, nsn))
}

// deleteContact removes a contact; with tombstone the deletion is synced.
func deleteContact(ctx context.Context, tx *wtx, id int64, tombstone bool) error {
	var uid string
	err := tx.QueryRowContext(ctx, `DELETE FROM contacts WHERE id = ? RETURNING uid`, id).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	tx.reindex(id)
	if tombstone {
		return enqueue(ctx, tx, kindContact, uid, time.Now().UnixNano())
	}
	return nil
}

// DeleteContact removes a contact (and, with sync, from the other desktops).
func (s *Store) DeleteContact(ctx context.Context, id int64) error {
	err := s.write(ctx, func(tx *wtx) error { return deleteContact(ctx, tx, id, true) })
	if err != nil {
		return fmt.Errorf("delete contact: %w", err)
	}
	s.notify()
	return nil
}

// sortNumbers puts numbers in display order and drops repeats.
func sortNumbers(ns []LabeledNumber) []LabeledNumber {
	sort.SliceStable(ns, func(i, j int) bool { return labelRank(ns[i].Label) < labelRank(ns[j].Label) })
	seen := map[string]bool{}
	out := ns[:0]
	for _, n := range ns {
		if !seen[n.E164] {
			seen[n.E164] = true
			out = append(out, n)
		}
	}
	return out
}
