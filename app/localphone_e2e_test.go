package main

import (
	"bytes"
	"encoding/json"
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

// TestTrayCallsThroughBluetoothPhone runs the real tray alone, with a
// phone connected over Bluetooth: PipeWire's
// telephony service (python3-dbusmock, following PipeWire's published
// interface) on the session bus, BlueZ's device names on a private system
// bus. The phone is chosen in the tray's Settings window; it shows in the
// tray's menu like a paired phone; a copied number, called from the
// prompt, reaches PipeWire's Dial; no other deskdial process runs; when
// Bluetooth drops the phone the menu shows it offline.
func TestTrayCallsThroughBluetoothPhone(t *testing.T) {
	needDesktop(t)
	if testing.Short() {
		t.Skip("end-to-end test; not in -short")
	}
	tmp := t.TempDir()
	bin := deskdialBin(t)
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	notes := startNotificationMock(t, conn)
	tr := trayHost(t, conn)

	sys := privateBus(t)
	startTemplateMock(t, os.Getenv("DBUS_SESSION_BUS_ADDRESS"), "org.pipewire.Telephony", "hfp/testdata/pipewire_telephony.py", "")
	startTemplateMock(t, sys, "org.bluez", "hfp/testdata/bluez_telephony.py", `{"Telephony": false}`)
	const ag = dbus.ObjectPath("/org/pipewire/Telephony/ag0")
	pw := conn.Object("org.pipewire.Telephony", ag)

	home := filepath.Join(tmp, "desktop")
	os.MkdirAll(home, 0o700)
	settings := map[string]any{"version": 3, "listen": fmt.Sprintf("127.0.0.1:%d", freePort(t)), "region": "DE",
		"hotkey": "Ctrl+Alt+D", "watch_clipboard": true, "subject_prefix": "deskdial", "scan_limit": 65536,
		"retention_days": 365, "rate_per_minute": 600}
	b, _ := json.Marshal(settings)
	if err := os.WriteFile(filepath.Join(home, "settings.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"LANG=en_US.UTF-8", "LANGUAGE=", "LC_ALL=", "DBUS_SYSTEM_BUS_ADDRESS=" + sys}
	_, appOut := start(t, env, bin, "--home", home)
	testsupport.WaitForWithin(t, 60*time.Second, "the tray to start", func() bool { return strings.Contains(appOut.String(), "tray: ready") })
	tr.waitItem(t, "No phone paired")

	// Settings → Phones on this computer → Phones connected over
	// Bluetooth: tick Pixel 7, Save. The window is driven by keyboard, as
	// a user without a mouse would: Tab moves through its fields in
	// order.
	tr.click(t, tr.waitItem(t, "Settings…"))
	win := windowNamed(t, "Settings")
	testsupport.WaitForWithin(t, 20*time.Second, "the settings window to look for local phones", func() bool {
		return strings.Contains(appOut.String(), `looked for local phones" found=1`)
	})
	if out, err := exec.Command("xdotool", "windowfocus", "--sync", win).CombinedOutput(); err != nil {
		t.Fatalf("focus the settings window: %v %s", err, out)
	}
	// Server (2 choices), Test connection, region, hotkey, Watch the
	// clipboard, then the first local phone; after it Look again, Start at
	// login, Language, history days, sync contacts, Clear, Close, Save.
	keys := append(strings.Fields(strings.Repeat("Tab ", 7)), "space")
	keys = append(keys, strings.Fields(strings.Repeat("Tab ", 8))...)
	for _, k := range append(keys, "space") {
		if out, err := exec.Command("xdotool", "key", "--clearmodifiers", k).CombinedOutput(); err != nil {
			t.Fatalf("xdotool key %s: %v %s", k, err, out)
		}
	}
	testsupport.WaitForWithin(t, 20*time.Second, "Pixel 7 saved as a local phone", func() bool {
		b, _ := os.ReadFile(filepath.Join(home, "settings.json"))
		return strings.Contains(string(b), `"hfp:Pixel 7": "Pixel 7"`)
	})
	tr.waitItem(t, "Pixel 7 — online, calls")
	tr.waitItem(t, "1 of 1 phones online")

	copyText(t, "clipboard", "Rückruf bitte: 030 1234567")
	var prompt notifyCall
	testsupport.WaitForWithin(t, 10*time.Second, "the Call prompt", func() bool {
		ps := prompts(notes.calls(t))
		if len(ps) > 0 {
			prompt = ps[len(ps)-1]
		}
		return len(ps) == 1
	})
	if !strings.Contains(prompt.Summary, "+49 30 1234567") || !strings.Contains(prompt.Summary, "Pixel 7") {
		t.Errorf("prompt says %q", prompt.Summary)
	}
	notes.invoke(t, prompt.ID, "call")
	var dials []struct {
		When uint64
		Args []dbus.Variant
	}
	testsupport.WaitForWithin(t, 20*time.Second, "PipeWire's Dial", func() bool {
		err := pw.Call("org.freedesktop.DBus.Mock.GetMethodCalls", 0, "Dial").Store(&dials)
		return err == nil && len(dials) > 0
	})
	if len(dials) != 1 || len(dials[0].Args) != 1 || dials[0].Args[0].Value() != "+49301234567" {
		t.Fatalf("PipeWire received Dial %v, want +49301234567", dials)
	}
	// The call shows in the menu, with Hang up.
	tr.waitItem(t, "Hang up")
	// deskdial became the tray program (exec): one process in all.
	if n := processesOf(t, bin) + processesOf(t, trayBin(t)); n != 1 {
		t.Fatalf("%d deskdial processes run; the tray should be the only one", n)
	}

	// Bluetooth drops the phone: the menu shows it offline.
	root := conn.Object("org.pipewire.Telephony", "/org/pipewire/Telephony")
	if err := root.Call("org.freedesktop.DBus.Mock.RemoveAudioGateway", 0, ag).Err; err != nil {
		t.Fatal(err)
	}
	tr.waitItem(t, "Pixel 7 — offline, calls")
}

// trayHost is the desktop's tray host: a StatusNotifierWatcher on conn's
// bus, with which the tray registers its item.
func trayHost(t *testing.T, conn *dbus.Conn) tray {
	t.Helper()
	w := &watcher{}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the watcher name: %v %v", r, err)
	}
	return tray{conn: conn, w: w}
}

// processesOf counts the running processes of the program at path.
func processesOf(t *testing.T, path string) int {
	t.Helper()
	return countProcs(t, path, false)
}

// windowProcesses counts the tray's window processes running path.
func windowProcesses(t *testing.T, path string) int {
	t.Helper()
	return countProcs(t, path, true)
}

func countProcs(t *testing.T, path string, windows bool) int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	n := 0
	for _, e := range ents {
		env, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if bytes.Contains(env, []byte("DESKDIAL_UI_WINDOW=")) != windows {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && exe == path {
			n++
		}
	}
	return n
}

// windowNamed waits for the visible window titled title and returns its id.
func windowNamed(t *testing.T, title string) string {
	t.Helper()
	var id string
	testsupport.WaitForWithin(t, 10*time.Second, "window "+title, func() bool {
		out, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^"+title+"$").Output()
		f := strings.Fields(string(out))
		if err != nil || len(f) == 0 {
			return false
		}
		id = f[len(f)-1]
		return true
	})
	return id
}
