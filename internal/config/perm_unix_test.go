//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnsurePrivateTightensOwnDir(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, SettingsFile), []byte("{}"), 0o600)
	if err := os.Chmod(home, 0o755); err != nil {
		t.Fatal(err)
	}
	p := Paths{Config: home, Data: home}
	notices, err := p.EnsurePrivate()
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 || !strings.Contains(notices[0], home) || !strings.Contains(notices[0], "0755") || !strings.Contains(notices[0], "0700") {
		t.Errorf("notices = %q, want one naming %s, 0755 and 0700", notices, home)
	}
	if fi, _ := os.Stat(home); fi.Mode().Perm() != 0o700 {
		t.Errorf("mode after = %04o, want 0700", fi.Mode().Perm())
	}
	// Already private: nothing to say.
	if notices, err := p.EnsurePrivate(); err != nil || len(notices) != 0 {
		t.Errorf("second run: %q, %v", notices, err)
	}
	// A new directory is made private, whatever the umask allows.
	fresh := Paths{Config: filepath.Join(t.TempDir(), "c", "deskdial"), Data: filepath.Join(t.TempDir(), "d", "deskdial")}
	if notices, err := fresh.EnsurePrivate(); err != nil || len(notices) != 0 {
		t.Fatalf("fresh: %q, %v", notices, err)
	}
	for _, d := range []string{fresh.Config, fresh.Data} {
		if fi, _ := os.Stat(d); fi.Mode().Perm() != 0o700 {
			t.Errorf("%s made with mode %04o", d, fi.Mode().Perm())
		}
	}
}

func TestEnsurePrivateRefusesSharedDir(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "holiday.jpg"), []byte("x"), 0o644)
	if err := os.Chmod(home, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Paths{Config: home, Data: home}.EnsurePrivate()
	if !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "chmod 700 "+home) {
		t.Fatalf("EnsurePrivate = %v, want ErrNotPrivate saying how to fix it", err)
	}
	if fi, _ := os.Stat(home); fi.Mode().Perm() != 0o755 {
		t.Errorf("a directory that is not deskdial's was changed to %04o", fi.Mode().Perm())
	}
}
