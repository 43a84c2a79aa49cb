// Package notify shows desktop notifications that can carry buttons
// ("Call", "Dismiss") and reports which button the user pressed.
//
// On Linux and the BSDs it speaks the freedesktop Desktop Notifications
// protocol (org.freedesktop.Notifications) on the session bus through godbus,
// on a private connection of its own so that its signal subscription cannot
// disturb other users of the shared session connection (Fyne's tray, for one).
//
// A Notifier is made with New, which fails with ErrNoServer when no
// notification server is on the bus. Run owns the subscription to the
// server's ActionInvoked and NotificationClosed signals and turns those that
// concern our own notifications into Events. Show refuses a notification
// with actions, with ErrNoActions, when the server cannot show buttons: the
// caller then falls back to its own prompt window rather than showing a
// notification the user cannot answer.
//
// # Platform caveats
//
//   - GNOME Shell, KDE Plasma, XFCE (xfce4-notifyd), dunst and mako all
//     advertise the "actions" capability. Some minimal servers (and
//     notify-osd on old Ubuntu releases) do not; HasActions reports that.
//   - Under Wayland nothing changes: the protocol is on D-Bus, not on the
//     display server.
//   - Inside Flatpak the notification portal would be the right route; it is
//     not used yet, and New reports ErrNoServer when the sandbox hides the
//     bus name.
//   - On Windows a notification is a toast (notify_windows.go): New checks
//     that WinRT has a toast manager, registers the AppUserModelID under
//     HKCU and the COM activator that brings clicks back as Events, and
//     returns ErrNoServer where toasts are missing (Wine, Server Core).
//     The toast's XML is built in toastxml.go, tested on every platform.
//   - macOS has no freedesktop server: New returns ErrNoServer there, and
//     the desktop shows its own always-on-top prompt window.
//   - Without DBUS_SESSION_BUS_ADDRESS (and no $XDG_RUNTIME_DIR/bus socket)
//     New returns ErrNoServer instead of letting godbus start dbus-launch,
//     which would leave a stray bus daemon behind.
package notify
