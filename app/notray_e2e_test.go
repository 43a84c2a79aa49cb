package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/testsupport"
	"github.com/godbus/dbus/v5"
)

// On a desktop without a tray host (no StatusNotifierWatcher on the
// session bus), the tray app says so once in a notification with what to
// install, opens a window with its menu, and `deskdial` started again
// shows that window instead of failing.
func TestNoTrayHostShowsTheMenuInAWindow(t *testing.T) {
	needDesktop(t)
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var owned bool
	conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&owned)
	if owned {
		t.Skip("a tray host runs on this session bus")
	}
	notes := startNotificationMock(t, conn)
	bin := deskdialBin(t)
	home := filepath.Join(t.TempDir(), "home")
	os.MkdirAll(home, 0o700)
	os.WriteFile(filepath.Join(home, "settings.json"),
		[]byte(fmt.Sprintf(`{"version":2,"listen":"127.0.0.1:%d","hotkey":"Ctrl+Alt+F10"}`, freePort(t))), 0o600)
	_, out := start(t, []string{"LANG=en_US.UTF-8", "XDG_CURRENT_DESKTOP=GNOME"}, bin, "--home", home)
	testsupport.WaitForWithin(t, 60*time.Second, "the tray to start", func() bool { return strings.Contains(out.String(), "tray: ready") })

	window := func() bool {
		return exec.Command("xdotool", "search", "--onlyvisible", "--name", "^deskdial$").Run() == nil
	}
	testsupport.WaitForWithin(t, 30*time.Second, "the main window", window)
	var said []notifyCall
	testsupport.WaitForWithin(t, 20*time.Second, "the notice", func() bool {
		said = nil
		for _, n := range notes.calls(t) {
			if strings.Contains(n.Summary, "shows no tray icons") {
				said = append(said, n)
			}
		}
		return len(said) > 0
	})
	if len(said) != 1 {
		t.Errorf("the no-tray notice was shown %d times", len(said))
	}
	// On the terminal: the tray's own warning, once, and no library's
	// version of it or other noise.
	log := out.String()
	if n := strings.Count(log, "tray: no tray icon"); n != 1 {
		t.Errorf("the warning was logged %d times:\n%s", n, log)
	}
	for _, noise := range []string{"systray error", "Fyne error"} {
		if strings.Contains(log, noise) {
			t.Errorf("the log has %q:\n%s", noise, log)
		}
	}

	// Hidden, and shown again by starting deskdial again.
	if o, err := exec.Command("xdotool", "search", "--name", "^deskdial$", "windowunmap", "--sync").CombinedOutput(); err != nil {
		t.Fatalf("hide the window: %v %s", err, o)
	}
	testsupport.WaitForWithin(t, 20*time.Second, "the window to hide", func() bool { return !window() })
	again := exec.Command(bin, "--home", home)
	again.Env = append(os.Environ(), "LANG=en_US.UTF-8")
	if o, err := again.CombinedOutput(); err != nil {
		t.Fatalf("deskdial started again: %v\n%s", err, o)
	}
	testsupport.WaitForWithin(t, 30*time.Second, "the main window again", window)
}
