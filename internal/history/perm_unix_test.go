//go:build !windows

package history

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

// TestDatabaseFilesPrivate is the finding: with a permissive umask (0, or
// the common 022) inside a directory others can enter, history.db and its
// -wal and -shm files were readable by every local user. They must be 0600
// whatever the umask, and a file left 0644 by an older version is
// tightened on open. Not parallel: the umask is per process.
func TestDatabaseFilesPrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "history.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// A write, so that the WAL and the shared-memory index exist.
	if _, err := s.RecordCall(context.Background(), Call{At: time.Now(), Number: "+49301234567", Outcome: call.OutcomeAccepted}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %04o with umask 0, want 0600", filepath.Base(f), m)
		}
	}
	s.Close()

	// An older version's world-readable files are made private on open.
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		os.Chmod(f, 0o644) // -wal/-shm may be gone after a clean close
	}
	os.WriteFile(path+"-shm", nil, 0o644)
	os.Chmod(path+"-shm", 0o644)
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, f := range []string{path, path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("reopened: %s has mode %04o, want 0600", filepath.Base(f), m)
		}
	}
}

// TestDatabaseUnderStrictUmask: a umask that would take the owner's write
// bit (0277) must not leave a database that cannot be written.
func TestDatabaseUnderStrictUmask(t *testing.T) {
	old := syscall.Umask(0o277)
	defer syscall.Umask(old)
	s, path := openTemp(t)
	if _, err := s.RecordCall(context.Background(), Call{At: time.Now(), Number: "+49301234567", Outcome: call.OutcomeAccepted}); err != nil {
		t.Fatalf("write under umask 0277: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode under umask 0277: %v %v", fi.Mode(), err)
	}
}
