package main

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/textsafe"
)

// noRawControls fails if s has a control character other than the
// newlines and tabs the output format itself uses.
func noRawControls(t *testing.T, what, s string) {
	t.Helper()
	for _, line := range strings.Split(s, "\n") {
		if err := textsafe.Check(strings.ReplaceAll(line, "\t", " "), 0); err != nil {
			t.Errorf("%s has a raw control character (%v) in line %q", what, err, line)
		}
	}
}

// TestContactsImportRefusesHostileNames: a vCard file whose names carry an
// escaped newline (forging a row of `contacts list`), terminal escape
// sequences, a bidi override or a megabyte of text. Those cards are
// skipped and reported, one line each, escaped; the good card is imported.
func TestContactsImportRefusesHostileNames(t *testing.T) {
	home := privateHome(t)
	vcf := filepath.Join(t.TempDir(), "hostile.vcf")
	card := func(fn, tel string) string {
		return "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:" + fn + "\r\nTEL;TYPE=CELL:" + tel + "\r\nEND:VCARD\r\n"
	}
	cards := card("Anna Good", "0170 1111111") +
		card(`Anna\nMallory\t\tmobile\t+491709999999`, "0170 2222222") +
		card("Bob\x1b]0;pwned\x07\x1b[2J", "0170 3333333") +
		card("Carl \u202egnp.exe", "0170 4444444") +
		card(strings.Repeat("D", 100000), "0170 5555555")
	if err := os.WriteFile(vcf, []byte(cards), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runContacts(t, home, "", "import", "--region", "DE", vcf)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "5 cards: 1 added, 0 merged, 0 without a phone number, 4 skipped") {
		t.Errorf("import summary = %q", out)
	}
	noRawControls(t, "import messages", errs)
	lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
	if len(lines) != 4 {
		t.Errorf("want one problem line per skipped card, got %d:\n%s", len(lines), errs)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, vcf+": card ") || !strings.Contains(l, "not imported") || len(l) > 400 {
			t.Errorf("problem line %q", l)
		}
	}
	out, errs, code = runContacts(t, home, "", "list")
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, errs)
	}
	if out != "Anna Good\t\tmobile\t+491701111111\n" {
		t.Errorf("list = %q, want only the good card", out)
	}
}

// TestStoredHostileNamesEscaped: names that are already in the database
// (written by an older version, before names were checked) are escaped by
// `contacts list` and by the choices `call NAME` lists: a newline in a name
// adds no row and no choice.
func TestStoredHostileNamesEscaped(t *testing.T) {
	home := privateHome(t)
	in := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna One\r\nTEL;TYPE=CELL:0170 1111111\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna Two\r\nTEL;TYPE=CELL:0170 2222222\r\nEND:VCARD\r\n"
	if _, errs, code := runContacts(t, home, in, "import", "--region", "DE", "-"); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	dbPath := filepath.Join(home, historyFile)
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	forged := "Anna Two\n  Anna Mallory (mobile): +491709999999"
	if _, err := db.Exec(`UPDATE contacts SET name = ?, org = ? WHERE name = 'Anna Two'`, forged, "\x1b[2JAcme"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out, _, code := runContacts(t, home, "", "list")
	if code != 0 {
		t.Fatal("list failed")
	}
	noRawControls(t, "contacts list", out)
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("contacts list has %d rows for 2 numbers:\n%s", n, out)
	}
	if !strings.Contains(out, `Anna Two\n  Anna Mallory`) || !strings.Contains(out, `\x1b[2JAcme`) {
		t.Errorf("escaped name not shown: %q", out)
	}

	st, err := history.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = resolveContact(context.Background(), st, "Anna")
	var ee *exitErr
	if !errors.As(err, &ee) || ee.code != exitUsage {
		t.Fatalf("call Anna: %v, want the list of choices", err)
	}
	msg := err.Error()
	noRawControls(t, "call's choices", msg)
	if n := strings.Count(msg, "\n"); n != 2 {
		t.Errorf("call lists %d choices for 2 contacts:\n%s", n, msg)
	}
}

// privateHome is a --home that deskdial has no reason to tighten (and so
// no notice to print).
func privateHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	return home
}
