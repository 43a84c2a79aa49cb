// Package webtest prepares the phone page's node tools for tests: it
// checks that node is there and installs the page's npm dependencies
// (npm ci, from package-lock.json) once, under a lock, so test packages
// running at the same time do not install over each other.
package webtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// stamp records which package-lock.json node_modules was installed from.
const stamp = ".deskdial-lock-sha256"

// Dir is the page's source directory, from the calling test's package
// directory.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "web")
}

// NeedTools skips the test when one of the tools is missing, or fails it
// under CI=1, where a missing tool must not pass silently.
func NeedTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (packaging/deps.sh --test installs it)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// Modules makes sure node_modules in Dir matches package-lock.json,
// running npm ci when it does not, and returns Dir.
func Modules(t testing.TB) string {
	t.Helper()
	NeedTools(t, "node", "npm")
	dir := Dir()
	if err := install(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func install(dir string) error {
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return fmt.Errorf("webtest: %w", err)
	}
	sum := sha256.Sum256(lock)
	want := hex.EncodeToString(sum[:])
	f, err := os.OpenFile(filepath.Join(dir, ".npm-install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("webtest: %w", err)
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return fmt.Errorf("webtest: lock: %w", err)
	}
	defer unlockFile(f)
	if got, err := os.ReadFile(filepath.Join(dir, "node_modules", stamp)); err == nil && string(got) == want {
		return nil
	}
	// Install scripts are not needed: esbuild's binary comes as its own
	// npm package for the platform.
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("webtest: npm ci in %s: %v\n%s", dir, err, out)
	}
	return os.WriteFile(filepath.Join(dir, "node_modules", stamp), []byte(want), 0o644)
}
