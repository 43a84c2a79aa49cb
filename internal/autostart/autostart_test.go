//go:build !darwin && !windows

package autostart

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/testsupport"
)

// standIn makes the test binary write its arguments to a file and exit:
// it stands in for deskdial when a desktop starts the entry.
const standIn = testsupport.StandIn("DESKDIAL_AUTOSTART_HELPER_OUT")

func TestMain(m *testing.M) {
	standIn.RunIfAsked()
	os.Exit(m.Run())
}

func isolate(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	return filepath.Join(dir, "autostart", "deskdial.desktop")
}

func TestEnableThenDisable(t *testing.T) {
	entry := isolate(t)
	if on, err := Enabled(); err != nil || on {
		t.Fatalf("fresh: Enabled = %v, %v", on, err)
	}
	if err := Enable("/usr/bin/deskdial"); err != nil {
		t.Fatal(err)
	}
	if on, err := Enabled(); err != nil || !on {
		t.Fatalf("after Enable: Enabled = %v, %v", on, err)
	}
	data, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "\nExec=/usr/bin/deskdial\n") {
		t.Errorf("entry does not start /usr/bin/deskdial:\n%s", data)
	}
	if out, err := exec.Command(testsupport.NeedTool(t, "desktop-file-validate"), entry).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("desktop-file-validate: %v\n%s", err, out)
	}

	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(entry); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("entry still there after Disable: %v", err)
	}
	if on, err := Enabled(); err != nil || on {
		t.Fatalf("after Disable: Enabled = %v, %v", on, err)
	}
	if err := Disable(); err != nil {
		t.Fatalf("second Disable: %v", err)
	}
}

// A user who switched deskdial off in GNOME Tweaks (or another session
// manager) sees it off in deskdial too.
func TestEntryDisabledElsewhereCountsAsOff(t *testing.T) {
	entry := isolate(t)
	for _, line := range []string{"X-GNOME-Autostart-enabled=false", "Hidden=true"} {
		if err := os.MkdirAll(filepath.Dir(entry), 0o755); err != nil {
			t.Fatal(err)
		}
		content := "[Desktop Entry]\nType=Application\nName=deskdial\nExec=deskdial\n" + line + "\n"
		if err := os.WriteFile(entry, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if on, err := Enabled(); err != nil || on {
			t.Errorf("with %s: Enabled = %v, %v", line, on, err)
		}
	}
}

func TestBadCommandsWriteNothing(t *testing.T) {
	entry := isolate(t)
	for _, c := range []struct {
		exe  string
		args []string
	}{
		{"deskdial", nil},
		{"/usr/bin/deskdial", []string{"--home", "a\nb"}},
	} {
		if err := Enable(c.exe, WithArgs(c.args...)); !errors.Is(err, ErrBadCommand) {
			t.Errorf("Enable(%q, %q): got %v, want ErrBadCommand", c.exe, c.args, err)
		}
	}
	if _, err := os.Stat(entry); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an entry was written: %v", err)
	}
}

// TestDesktopStartsTheExactCommand launches the entry through GLib, as GNOME
// and most other session managers do, and checks the program got exactly the
// arguments deskdial asked for, however odd the paths.
func TestDesktopStartsTheExactCommand(t *testing.T) {
	entry := isolate(t)
	python := testsupport.NeedTool(t, "/usr/bin/python3")
	if err := exec.Command(python, "-c", "import gi; gi.require_version('Gio', '2.0'); from gi.repository import Gio").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-gi with Gio is missing: %v", err)
		}
		t.Skipf("python3-gi with Gio is missing: %v", err)
	}

	// The program lives in a directory whose name needs quoting.
	dir := filepath.Join(t.TempDir(), `my apps (x86) $HOME`)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "deskdial")
	testsupport.CopyExecutable(t, os.Args[0], exe)
	args := []string{"--home", `/srv/a b/it's "quoted" \ 100% $USER ~ ; & | * ? # ` + "`x`", "tel:+49 30 1234567", ""}
	if err := Enable(exe, WithArgs(args...)); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "argv.json")
	cmd := exec.Command(python, "-c", `
import sys, gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio
info = Gio.DesktopAppInfo.new_from_filename(sys.argv[1])
if info is None:
    sys.exit("GLib could not read the entry")
info.launch([], None)
`, entry)
	cmd.Env = append(os.Environ(), standIn.Env(out))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("launch: %v\n%s", err, b)
	}
	got := standIn.Args(t, out, "the entry")
	if !slices.Equal(got, args) {
		t.Fatalf("started with %q\nwant          %q", got, args)
	}
}
