// Package desktop is the tray app's core: it holds the state the user sees
// (phones, the number on the clipboard, recent calls, the call in progress)
// and turns events (clipboard changes, the hotkey, menu clicks, notification
// buttons, call updates) into actions (prompt, dial, notify, record).
//
// It imports no UI toolkit and no platform API. Everything it talks to is a
// small interface defined here (ports.go), so its decisions are table-tested
// with in-memory implementations and the app wires in the real clipboard
// watcher, notifier, history store and NATS client.
//
// Texts the user reads are Msg values (a translation key plus template data);
// the UI renders them with its translation catalogue and hands the core a
// Localizer for the notifications it sends itself.
package desktop
