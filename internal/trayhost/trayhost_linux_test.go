package trayhost

import (
	"context"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/testsupport"
)

// On a real session bus with no tray host, Check says so and what to
// install; once a program owns the watcher name, the host is found.
func TestCheckFindsTheWatcher(t *testing.T) {
	addr := testsupport.NeedSessionBus(t)
	t.Setenv("XDG_CURRENT_DESKTOP", "ubuntu:GNOME")
	ctx := context.Background()
	err := Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "shows no tray icons") || !strings.Contains(err.Error(), "gnome-shell-extension-appindicator") {
		t.Fatalf("Check without a tray host: %v", err)
	}
	host, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	if reply, err := host.RequestName(WatcherName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", WatcherName, reply, err)
	}
	if err := Check(ctx); err != nil {
		t.Fatalf("Check with a tray host: %v", err)
	}
}

func TestNoBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	if err := Check(context.Background()); err == nil || !strings.Contains(err.Error(), "no session bus") {
		t.Fatalf("Check without a bus: %v", err)
	}
}

func TestAdvice(t *testing.T) {
	for desk, want := range map[string]string{
		"ubuntu:GNOME": "gnome-shell-extension-appindicator",
		"XFCE":         "xfce4-statusnotifier-plugin",
		"sway":         "waybar",
		"":             "StatusNotifierItem",
	} {
		if got := Advice(desk); !strings.Contains(got, want) {
			t.Errorf("Advice(%q) = %q, want it to name %q", desk, got, want)
		}
	}
}
