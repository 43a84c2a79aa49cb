// Package hotkey grabs a global key combination, such as Ctrl+Alt+D, and
// reports each press.
//
// Spec is the key combination: Parse reads it forgivingly ("ctrl + alt +
// d", "Control+Win+F9") and String writes the canonical form ("Ctrl+Alt+D")
// that settings store.
//
// On X11 each Register opens an X connection of its own and grabs the key
// on the root window with XGrabKey, together with its CapsLock and NumLock
// variants, so the hotkey keeps working while either lock is on. One
// goroutine per hotkey blocks on the X connection and a wake pipe, with no
// timer: an idle hotkey costs nothing. It counts a press only for its own
// keycode with exactly the wanted modifiers, once per press even while the
// key auto-repeats. When another program holds the combination, the X
// server answers BadAccess; Register turns that into an error wrapping
// ErrTaken ("Ctrl+Alt+D is already used by another program") instead of
// letting Xlib's default error handler end the process. Close wakes the
// goroutine through the pipe, so it never waits for a key press.
//
// This replaces golang.design/x/hotkey v0.4.1, which fires on every key
// while the root window has focus (golang-design/hotkey#48), stays silent
// with NumLock on (golang-design/hotkey#39, fixed after v0.4.1), exits the
// process on BadAccess and can block in Unregister until the next key
// (golang-design/hotkey#15, #33).
//
// # Platform caveats
//
//   - Wayland: a Wayland session without XWayland has no global grab at
//     all (the GlobalShortcuts portal is not used yet): Register returns
//     ErrUnsupported. Under XWayland the grab only sees keys typed into X
//     clients, so GNOME and KDE users on Wayland should bind the key in
//     their desktop's own shortcut settings to run `deskdial call`.
//   - Windows: RegisterHotKey on a message-only window whose thread waits
//     in GetMessage, with MOD_NOREPEAT so a held key is one press. A
//     combination another program registered (or one the shell keeps, such
//     as Win+L) is ErrTaken. Punctuation keys are looked up in the active
//     keyboard layout. Tested under Wine in CI, with presses sent by
//     SendInput from another program.
//   - macOS: Register returns ErrUnsupported for now; the dial box is
//     reached from the tray menu. Carbon's RegisterEventHotKey is the route
//     to add.
//   - A desktop shortcut that the window manager itself grabbed (for
//     example Ctrl+Alt+D as "show desktop") is reported as ErrTaken, which
//     is the truth the user needs to pick another key.
package hotkey
