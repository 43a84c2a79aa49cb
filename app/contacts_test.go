package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runContacts(t *testing.T, home, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"--home", home, "contacts"}, args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestContactsImportAndList(t *testing.T) {
	home := t.TempDir()
	vcf := filepath.Join(t.TempDir(), "people.vcf")
	cards := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jürgen Müller\r\nORG:Bäckerei Müller\r\nTEL;TYPE=CELL:0170 1234567\r\nTEL;TYPE=WORK:030 123456\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken\r\nTEL:+49 30 5550000\r\n" +
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Alice Example\r\nTEL;VALUE=uri;TYPE=home:tel:+1-201-555-0123\r\nEND:VCARD\r\n"
	if err := os.WriteFile(vcf, []byte(cards), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runContacts(t, home, "", "import", "--region", "DE", vcf)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "3 cards: 2 added, 0 merged, 0 without a phone number, 1 skipped") {
		t.Errorf("import summary = %q", out)
	}
	if !strings.Contains(errs, "no END:VCARD") {
		t.Errorf("broken card not reported: %q", errs)
	}
	out, errs, code = runContacts(t, home, "", "list")
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, errs)
	}
	want := "Alice Example\t\thome\t+12015550123\n" +
		"Jürgen Müller\tBäckerei Müller\tmobile\t+491701234567\n" +
		"Jürgen Müller\tBäckerei Müller\twork\t+4930123456\n"
	if out != want {
		t.Errorf("list =\n%s\nwant\n%s", out, want)
	}
	// Importing again from stdin merges instead of duplicating.
	out, _, code = runContacts(t, home, cards, "import", "--region", "DE", "-")
	if code != 0 || !strings.Contains(out, "0 added, 2 merged") {
		t.Errorf("re-import: exit %d, %q", code, out)
	}
}

func TestContactsUsageErrors(t *testing.T) {
	home := t.TempDir()
	for _, args := range [][]string{{}, {"frobnicate"}, {"import"}, {"sync"}, {"list", "extra"}} {
		if _, _, code := runContacts(t, home, "", args...); code != exitUsage {
			t.Errorf("contacts %v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if _, errs, code := runContacts(t, home, "", "import", filepath.Join(home, "missing.vcf")); code != exitError || !strings.Contains(errs, "missing.vcf") {
		t.Errorf("import of a missing file: exit %d, %q", code, errs)
	}
}
