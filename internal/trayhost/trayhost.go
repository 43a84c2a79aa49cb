// Package trayhost finds out whether the desktop shows tray icons: on
// Linux a tray item is a StatusNotifierItem, shown only where a
// StatusNotifierWatcher owns its name on the session bus. GNOME without the
// AppIndicator extension, bare window managers and Xvfb have none; there
// the tray menu does not exist and the app must offer it another way.
package trayhost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// WatcherName is the bus name a tray host owns.
const WatcherName = "org.kde.StatusNotifierWatcher"

// ErrNoBus means there is no session bus to ask (and so no tray host).
var ErrNoBus = errors.New("trayhost: no session bus")

// Advice says what to install for tray icons on the desktop named by
// XDG_CURRENT_DESKTOP (a colon-separated list, as the spec has it).
func Advice(currentDesktop string) string {
	for _, d := range strings.Split(strings.ToLower(currentDesktop), ":") {
		switch d {
		case "gnome", "ubuntu", "unity", "pop":
			return "install and enable the GNOME Shell extension \"AppIndicator and KStatusNotifierItem Support\" (Debian and Ubuntu: gnome-shell-extension-appindicator), then log out and in"
		case "xfce":
			return "add the \"Status Notifier Plugin\" to a panel (Debian and Ubuntu: xfce4-statusnotifier-plugin)"
		case "lxqt", "kde", "plasma", "budgie", "cinnamon", "mate":
			return "add a system tray (status notifier) widget to a panel"
		case "sway", "hyprland", "river", "niri":
			return "enable the tray of your bar (waybar: the \"tray\" module)"
		}
	}
	return "run a tray that supports StatusNotifierItem (for example snixembed with an XEmbed tray, or a panel with a status notifier area)"
}

// sessionAddress is the session bus address, "" without one (godbus would
// otherwise autolaunch a bus of its own).
func sessionAddress() string { return os.Getenv("DBUS_SESSION_BUS_ADDRESS") }

// Check reports whether a tray host runs: nil when one does, otherwise an
// error saying that none does and what to install.
func Check(ctx context.Context) error {
	ok, err := available(ctx, sessionAddress())
	if err != nil {
		return fmt.Errorf("trayhost: no tray host (%v); %s", err, Advice(os.Getenv("XDG_CURRENT_DESKTOP")))
	}
	if !ok {
		return fmt.Errorf("trayhost: this desktop shows no tray icons (nothing owns %s); %s", WatcherName, Advice(os.Getenv("XDG_CURRENT_DESKTOP")))
	}
	return nil
}
