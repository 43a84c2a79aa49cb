// Package clipwatch reports clipboard changes and reads and writes the
// clipboard.
//
// A Watcher's Run delivers a Change on Events for every copy made by
// another program, with the copied text, which selection it went to
// (Clipboard, or on X11 also Primary, the mouse selection) and whether a
// password manager flagged it as secret. deskdial's own Writes are not
// reported. Read fetches the current text on demand (the hotkey uses
// Primary). Text is capped (WithMaxBytes, 1 MiB by default) so that a huge
// paste costs little.
//
// On X11 the watcher is event driven: XFixes tells it whenever a selection
// gets a new owner, and its goroutine otherwise sleeps in poll(2) on the X
// connection and a wake pipe, with no timer. golang.design/x/clipboard
// polls once a second instead (golang-design/clipboard#153), which made a
// copy take up to a second to show. Reading asks the owner for TARGETS
// first: an owner offering x-kde-passwordManagerHint with the value
// "secret" (KeePassXC, KDE Wallet and others follow this convention) gets
// a Change with Sensitive set and no text; deskdial never reads it. Then
// it asks for UTF8_STRING (or text/plain;charset=utf-8, or STRING),
// following INCR transfers for large content. Reading uses an X
// connection of its own, so a slow owner cannot hold up the loop that
// serves what Write put on the clipboard.
//
// A copy of the same text made again is reported again: the user copied
// it again, and the desktop decides whether that deserves a prompt.
//
// # Platform caveats
//
//   - X11 selections live as long as their owner: what Write put on the
//     clipboard is served by Run's loop and is gone when Run ends (unless a
//     clipboard manager took a copy). A clipboard manager re-owning our own
//     text right after a Write is recognised and not reported.
//   - Wayland: under XWayland the X watcher sees copies made in X clients
//     and, with most compositors, those made in Wayland clients once they
//     are mirrored to X. A Wayland session without XWayland falls back to
//     polling wl-paste (wl-clipboard) every second, which starts a process
//     per look; without wl-paste New returns ErrUnsupported.
//   - An X server without XFixes: polling over X every second; Write is
//     then refused with ErrUnsupported.
//   - Windows: AddClipboardFormatListener on a message-only window
//     (WM_CLIPBOARDUPDATE), so a re-copy of identical text is noticed too;
//     Clipboard only (Primary reads return ErrUnsupported). A copy marked
//     by a password manager (ExcludeClipboardContentFromMonitorProcessing,
//     "Clipboard Viewer Ignore", or CanIncludeInClipboardHistory = 0) is
//     reported as Sensitive and never read. Tested under Wine in CI.
//   - macOS: polling golang.design/x/clipboard every second, Clipboard
//     only, and a re-copy of identical text is not noticed. The password
//     manager flag (org.nspasteboard.ConcealedType) is not checked yet.
package clipwatch
