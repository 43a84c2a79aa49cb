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

// Exports of real phones and mail programs (our own cards in each
// exporter's shape) import with the right names, numbers and extensions,
// as `contacts list` shows them; fax and pager numbers are counted.
func TestContactsImportExporterFiles(t *testing.T) {
	dir := filepath.Join("..", "internal", "history", "testdata", "exporters")
	for _, tc := range []struct {
		file, region, summary string
		list                  []string
	}{
		{"android21.vcf", "PL", "2 cards: 2 added, 0 merged, 0 without a phone number, 0 skipped; 2 fax or pager numbers left out", []string{
			"Ñandú Pérez-Castañeda Ortíz\t\tmobile\t+34612345678",
			"Łukasz Wróbel\t\thome\t+48221234567",
		}},
		{"outlook21.vcf", "DE", "1 card: 1 added, 0 merged, 0 without a phone number, 0 skipped; 1 fax or pager number left out", []string{
			"Jürgen Größe\tMüller & Söhne\tmobile\t+491712345678",
			"Jürgen Größe\tMüller & Söhne\twork\t+498912345678\text. 31",
		}},
		{"featurephone-sjis.vcf", "JP", "2 cards: 2 added", []string{
			"太郎 山田\t\tmobile\t+819012345678",
			"太郎 山田\t\thome\t+81312345678\tthen key in 1234, 9",
			"花子 鈴木\t\tmobile\t+818098765432",
		}},
		{"nextcloud40.vcf", "CA", "1 fax or pager number left out", []string{
			"Marie-Ève Tremblay\t\tmobile\t+14185550142",
			"Marie-Ève Tremblay\t\twork\t+14186569254\text. 102",
			"Marie-Ève Tremblay\t\thome\t+14185550199",
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			home := t.TempDir()
			out, errs, code := runContacts(t, home, "", "import", "--region", tc.region, filepath.Join(dir, tc.file))
			if code != 0 || !strings.Contains(out, tc.summary) {
				t.Fatalf("import: exit %d, %q (stderr %q); want %q", code, out, errs, tc.summary)
			}
			out, _, _ = runContacts(t, home, "", "list")
			if want := strings.Join(tc.list, "\n") + "\n"; out != want {
				t.Errorf("list =\n%s\nwant\n%s", out, want)
			}
		})
	}
}

// A file that is not a vCard file says so and exits non-zero; the other
// files named are still imported.
func TestContactsImportNotAVCardFile(t *testing.T) {
	home := t.TempDir()
	csv := filepath.Join(t.TempDir(), "contacts.csv")
	if err := os.WriteFile(csv, []byte("Name,Phone\nAnna,+49 30 1234567\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join("..", "internal", "history", "testdata", "exporters", "latin1.vcf")
	out, errs, code := runContacts(t, home, "", "import", "--region", "FR", csv, good)
	if code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	if !strings.Contains(errs, "contacts.csv: not a vCard file (no BEGIN:VCARD line), nothing imported") {
		t.Errorf("stderr = %q", errs)
	}
	if strings.Contains(out, "contacts.csv: 0 cards") || !strings.Contains(out, "latin1.vcf: 1 card: 1 added") {
		t.Errorf("stdout = %q", out)
	}
	if out, _, _ := runContacts(t, home, "", "list"); out != "François Lemaître\t\twork\t+33478000000\n" {
		t.Errorf("list = %q", out)
	}
}

// TestContactsImportWithoutRegion: with no --region, no setting and no
// region in the locale (LANG=C), a number without a country code is not
// read as a US number (an Italian mobile, 347 812 4567, is a valid New
// York one, which `call Mario` would then dial): it is skipped, and one
// line says what to do.
func TestContactsImportWithoutRegion(t *testing.T) {
	for _, k := range []string{"LC_ALL", "LC_TELEPHONE", "LC_MESSAGES"} {
		t.Setenv(k, "")
	}
	t.Setenv("LANG", "C")
	home := privateHome(t)
	in := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mario Rossi\r\nTEL;TYPE=CELL:347 812 4567\r\nTEL;TYPE=WORK:+39 06 1234 5678\r\nEND:VCARD\r\n"
	out, errs, code := runContacts(t, home, in, "import", "-")
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "1 number without a country code was skipped because no region is set: import again with --region (such as --region DE)") ||
		strings.Count(errs, "import again") != 1 {
		t.Errorf("import said %q, want one line saying to give --region", errs)
	}
	if list, _, _ := runContacts(t, home, "", "list"); list != "Mario Rossi\t\twork\t+390612345678\n" || strings.Contains(out+list, "+1347") {
		t.Errorf("list = %q, want only the number with a country code", list)
	}
	if _, errs, code := runContacts(t, home, in, "import", "--region", "Italy", "-"); code != exitUsage || !strings.Contains(errs, `unknown region "Italy"`) {
		t.Errorf("--region Italy: exit %d, %q; want a usage error", code, errs)
	}
}
