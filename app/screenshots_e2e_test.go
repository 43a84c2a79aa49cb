package main

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/testsupport"
	"github.com/godbus/dbus/v5"
)

// The README's picture of the Call prompt, drawn by a real notification
// server: dunst, on the private session bus and the Xvfb display. The
// test also answers the prompt through dunst, so the picture is of a
// prompt that works: dunst draws no buttons, it lists a notification's
// actions in its context menu, which it shows with a dmenu-style chooser
// (a program that reads the entries on stdin and prints the one picked).
// The chooser here picks Call, as the user would.

// dunstRC is the dunst configuration for the picture: a readable font, wide
// enough for "Call +49 30 1234567 on Pixel?", the sending app's name above
// the text, the (A) mark dunst puts on notifications with actions, and no
// timeout, so the prompt stays until it is answered.
const dunstRC = `[global]
    font = "DejaVu Sans 12"
    width = (360, 560)
    origin = top-left
    offset = 0x0
    padding = 12
    horizontal_padding = 16
    frame_width = 2
    frame_color = "#4c8bf5"
    icon_position = off
    format = "<small>%%a</small>\n<b>%%s</b>\n%%b"
    show_indicators = yes
    dmenu = %s
[urgency_low]
    background = "#1f1f23"
    foreground = "#f0f0f0"
    timeout = 0
[urgency_normal]
    background = "#1f1f23"
    foreground = "#f0f0f0"
    timeout = 0
[urgency_critical]
    background = "#1f1f23"
    foreground = "#f0f0f0"
    timeout = 0
`

// needTools is needDesktop's rule for more programs: skip without them,
// fail under CI.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("screenshot test needs %v (packaging/deps.sh --test installs them)", missing)
	}
	t.Skipf("needs %v; run `make test-deps`", missing)
}

// dunstCount is how many notifications dunst shows now.
func dunstCount(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("dunstctl", "count", "displayed").Output()
	if err != nil {
		return -1
	}
	var n int
	if _, err := fmt.Sscan(strings.TrimSpace(string(out)), &n); err != nil {
		return -1
	}
	return n
}

// listsChoice reports whether a picture of the dial box lists a choice:
// the first row of its list is highlighted in the theme's selection blue,
// a band far larger than the blue Call button. The box fills its list
// after it opens, so a picture taken at once may show it empty.
func listsChoice(img image.Image) bool {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			if r>>8 < 40 && g>>8 < 70 && bb>>8 > 60 && bb>>8 < 120 {
				n++
			}
		}
	}
	return n > 5000
}

func TestNotificationScreenshot(t *testing.T) {
	needDesktop(t)
	needTools(t, "dunst", "dunstctl")
	if testing.Short() {
		t.Skip("end-to-end test; not in -short")
	}
	tmp := t.TempDir()
	bin := deskdialBin(t)
	env := []string{"LANG=en_US.UTF-8", "LANGUAGE=", "LC_ALL="}

	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	owned := func(name string) bool {
		var has bool
		conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
		return has
	}

	// dunst, with a chooser that records the context menu it is shown
	// and picks the Call entry ("#Call (summary) [id,call]").
	menuLog := filepath.Join(tmp, "menu.txt")
	chooser := filepath.Join(tmp, "choose-call")
	script := fmt.Sprintf("#!/bin/sh\ntee %q | grep -m1 -F ',call]'\n", menuLog)
	if err := os.WriteFile(chooser, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(tmp, "dunstrc")
	if err := os.WriteFile(rc, []byte(fmt.Sprintf(dunstRC, chooser)), 0o600); err != nil {
		t.Fatal(err)
	}
	// Another test's notification server may still be leaving the bus.
	testsupport.WaitForWithin(t, 20*time.Second, "the notification name to be free", func() bool {
		return !owned("org.freedesktop.Notifications")
	})
	start(t, env, "dunst", "-config", rc)
	testsupport.WaitForWithin(t, 20*time.Second, "dunst on the bus", func() bool { return owned("org.freedesktop.Notifications") })

	// A tray host, so the test can tell when the phone is online.
	w := &watcher{}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	testsupport.WaitForWithin(t, 20*time.Second, "the tray host name to be free", func() bool {
		r, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue)
		return err == nil && r == dbus.RequestNameReplyPrimaryOwner
	})
	tr := tray{conn: conn, w: w}

	home := filepath.Join(tmp, "desktop")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	settings := map[string]any{"version": 2, "listen": fmt.Sprintf("127.0.0.1:%d", freePort(t)), "region": "DE",
		"hotkey": "Ctrl+Alt+D", "watch_clipboard": true, "subject_prefix": "deskdial", "scan_limit": 65536,
		"retention_days": 365, "rate_per_minute": 600}
	b, _ := json.Marshal(settings)
	if err := os.WriteFile(filepath.Join(home, "settings.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, appOut := start(t, env, bin, "--home", home)
	testsupport.WaitForWithin(t, 60*time.Second, "the tray to start", func() bool { return strings.Contains(appOut.String(), "tray: ready") })

	offer, err := exec.Command(bin, "--home", home, "pair", "--print").Output()
	if err != nil {
		t.Fatalf("pair --print: %v\n%s", err, appOut.String())
	}
	dialLog := filepath.Join(tmp, "dialed.log")
	start(t, env, bin, "--home", filepath.Join(tmp, "phone"), "phone", "--name", "Pixel",
		"--backend", "log:"+dialLog, "--pair", strings.TrimSpace(string(offer)))
	tr.waitItem(t, "1 of 1 phones online")

	// Only the prompt in the picture: clear whatever pairing showed.
	testsupport.WaitForWithin(t, 10*time.Second, "dunst to clear its notifications", func() bool {
		exec.Command("dunstctl", "close-all").Run()
		return dunstCount(t) == 0
	})

	copyText(t, "clipboard", "Mit freundlichen Grüßen\nAnna Muster\nAcme GmbH · Tel. +49 30 1234567\nwww.example.com")
	testsupport.WaitForWithin(t, 10*time.Second, "dunst to show the prompt", func() bool { return dunstCount(t) == 1 })
	var id string
	testsupport.WaitForWithin(t, 10*time.Second, "the dunst window", func() bool {
		out, err := exec.Command("xdotool", "search", "--onlyvisible", "--class", "Dunst").Output()
		f := strings.Fields(string(out))
		if err != nil || len(f) == 0 {
			return false
		}
		id = f[len(f)-1]
		return true
	})
	shot := filepath.Join(shotDir(t), "notification.png")
	testsupport.WaitForWithin(t, 10*time.Second, "a painted prompt", func() bool {
		if out, err := exec.Command("import", "-window", id, shot).CombinedOutput(); err != nil {
			t.Logf("import: %v %s", err, out)
			return false
		}
		return !blank(t, shot)
	})
	if n := dunstCount(t); n != 1 {
		t.Fatalf("dunst shows %d notifications in the picture, want the prompt alone", n)
	}

	// Call, picked from dunst's menu for the prompt: the phone dials.
	if out, err := exec.Command("dunstctl", "action", "0").CombinedOutput(); err != nil {
		t.Fatalf("dunstctl action: %v %s", err, out)
	}
	testsupport.WaitForWithin(t, 10*time.Second, "the phone to dial the copied number", func() bool {
		d := dialedNumbers(dialLog)
		return len(d) == 1 && d[0] == "+49301234567"
	})
	menu, err := os.ReadFile(menuLog)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#Call (Call +49 30 1234567 on Pixel?)", "#Dismiss (Call +49 30 1234567 on Pixel?)"} {
		if !strings.Contains(string(menu), want) {
			t.Errorf("dunst's menu for the pictured prompt has no %q:\n%s", want, menu)
		}
	}
}
