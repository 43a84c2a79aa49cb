package history

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportFiles: every vCard file named is imported, stdin too; a file
// that holds no vCard is told and named in the error while the others are
// still imported; a missing file stops the import with its name.
func TestImportFiles(t *testing.T) {
	s, _ := openTemp(t)
	dir := t.TempDir()
	anna := filepath.Join(dir, "anna.vcf")
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(anna, []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna\r\nTEL;TYPE=CELL:0170 1111111\r\nEND:VCARD\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notes, []byte("call Anna on Monday\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdin := strings.NewReader("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ben\r\nTEL;TYPE=CELL:0170 2222222\r\nEND:VCARD\r\n")
	var told []string
	err := s.ImportFiles(context.Background(), []string{anna, notes, "-"}, stdin, "DE", func(name string, rep ImportReport, err error) {
		told = append(told, filepath.Base(name)+":"+strings.Repeat("+", rep.Added)+map[bool]string{true: " not a vCard"}[errors.Is(err, ErrNotVCard)])
	})
	if !errors.Is(err, ErrNotVCard) || err.Error() != "contacts import: not a vCard file: "+notes {
		t.Fatalf("error %v, want the file that is no vCard named", err)
	}
	if strings.Join(told, ",") != "anna.vcf:+,notes.txt: not a vCard,-:+" {
		t.Fatalf("told %q", told)
	}
	cs, err := s.Contacts(context.Background())
	if err != nil || len(cs) != 2 {
		t.Fatalf("contacts %+v %v", cs, err)
	}
	missing := filepath.Join(dir, "missing.vcf")
	err = s.ImportFiles(context.Background(), []string{missing, anna}, nil, "DE", func(string, ImportReport, error) { t.Error("a file after the missing one was imported") })
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.vcf") {
		t.Fatalf("missing file: %v", err)
	}
}
