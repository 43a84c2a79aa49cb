//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestHomeMadePrivate is the finding: with a 0755 --home (and the usual
// umask 022) history.db was readable by every local user. Now the home is
// made private with a notice, and the database is 0600.
func TestHomeMadePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	home := t.TempDir()
	if err := os.Chmod(home, 0o755); err != nil {
		t.Fatal(err)
	}
	in := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna\r\nTEL;TYPE=CELL:0170 1111111\r\nEND:VCARD\r\n"
	out, errs, code := runContacts(t, home, in, "import", "--region", "DE", "-")
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "1 added") {
		t.Errorf("import: %q", out)
	}
	if !strings.Contains(errs, home+" was open to other users (mode 0755); made it private (0700)") {
		t.Errorf("no notice about the home's permissions: %q", errs)
	}
	for _, f := range []string{home, filepath.Join(home, historyFile)} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %04o: open to other users", f, fi.Mode().Perm())
		}
	}
	// Once private, nothing more is said.
	if _, errs, _ := runContacts(t, home, "", "list"); errs != "" {
		t.Errorf("second run says %q", errs)
	}
}

// TestSharedHomeRefused: a --home that others can enter and that holds
// other files is not changed behind the user's back: deskdial refuses,
// says why and how to fix it, and writes nothing there.
func TestSharedHomeRefused(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "notes.txt"), []byte("x"), 0o644)
	if err := os.Chmod(home, 0o755); err != nil {
		t.Fatal(err)
	}
	_, errs, code := runContacts(t, home, "", "list")
	if code != exitError || !strings.Contains(errs, "chmod 700 "+home) || !strings.Contains(errs, "mode 0755") {
		t.Fatalf("exit %d, stderr %q; want a refusal that says how to fix it", code, errs)
	}
	if _, err := os.Stat(filepath.Join(home, historyFile)); err == nil {
		t.Error("history.db was created in a shared directory")
	}
}
