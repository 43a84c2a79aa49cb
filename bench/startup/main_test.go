package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/testsupport"
)

// The benchmark runs against freshly built programs and reports every
// command, deskdial's with nothing on stderr (no GUI toolkit's noise, even
// under LANG=C.UTF-8). Figures are not checked: they depend on the machine
// (docs/benchmarks.md records them).
func TestStartupReportsEveryCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds deskdial and the tray program")
	}
	if _, err := exec.LookPath("nats-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nats-server is not installed (packaging/deps.sh installs it)")
		}
		t.Skip("nats-server not installed")
	}
	dir := t.TempDir()
	build := func(out, pkg string, cgo string) {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, out), pkg)
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	build("deskdial", "./app", "0")
	build("deskdial-tray", "./cmd/deskdial-tray", "1")
	run := exec.Command("go", "run", ".", "-n", "1", "-deskdial", filepath.Join(dir, "deskdial"))
	// The tray it starts gets a bus of its own: on the shared session bus
	// its notifications would start the machine's notification daemon by
	// activation, which then holds the name other packages' tests mock.
	run.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+testsupport.DBusDaemon(t))
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("startup: %v\n%s", err, out)
	}
	for _, row := range []string{"nats-server --version", "deskdial version", "deskdial version (LANG=C.UTF-8)",
		"deskdial --help", "deskdial find", "deskdial phones", "deskdial-tray --help"} {
		found := false
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, row) {
				found = true
				if strings.Contains(line, "stderr:") {
					t.Errorf("%s printed on stderr: %s", row, line)
				}
			}
		}
		if !found {
			t.Errorf("no %q row:\n%s", row, out)
		}
	}
}
