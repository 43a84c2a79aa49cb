package packaging

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/testsupport"
)

// The README's first command: on a checkout, `make run` installs what is
// missing (nothing, here: the test machine has it all), builds deskdial and
// starts the tray with its embedded server. DESKDIAL_EXIT_AFTER_START makes
// the tray quit by itself once it is up.
func TestMakeRunStartsTheTray(t *testing.T) {
	if os.Getenv("DISPLAY") == "" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("make run needs DISPLAY and a session bus: run the tests through make test")
		}
		t.Skip("needs DISPLAY and a session bus; run make test")
	}
	testsupport.NeedTool(t, "make")
	home := t.TempDir()
	// A private port: the default listens on the LAN at 4248.
	st := map[string]any{"version": 2, "listen": "127.0.0.1:0", "hotkey": "Ctrl+Alt+F11",
		"watch_clipboard": true, "subject_prefix": "deskdial", "scan_limit": 65536,
		"retention_days": 365, "rate_per_minute": 10}
	b, _ := json.Marshal(st)
	if err := os.WriteFile(filepath.Join(home, "settings.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "-s", "-C", root, "run", "ARGS=--home "+home)
	cmd.Env = cleanEnv("DESKDIAL_EXIT_AFTER_START=2s", "LANG=en_US.UTF-8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make run: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "tray: ready") {
		t.Fatalf("make run did not start the tray:\n%s", out)
	}
	// It made its identity and certificate on first run, in its home.
	for _, f := range []string{"device.seed"} {
		if _, err := os.Stat(filepath.Join(home, f)); err != nil {
			t.Errorf("first run left no %s: %v", f, err)
		}
	}
}
