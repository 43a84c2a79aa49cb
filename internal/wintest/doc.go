// Package wintest runs deskdial's Windows build under Wine, so that the
// Windows parts are tested on every CI run without a Windows machine.
//
// Its test (wine_test.go) cross-compiles the Windows tests of clipwatch,
// hotkey, instance, autostart and linkhandler (pure Go), deskdial.exe (the
// commands, pure Go) and deskdial-tray.exe (the tray app, cgo, MinGW-w64),
// makes a throwaway Wine prefix on a private
// Xvfb, and runs them there against a small Windows helper program
// (testdata/winhelper) that copies text, holds hotkeys and presses keys as
// another program would. See docs/install.md for what is covered and what
// Wine cannot show.
//
// Debian's Wine 8.0 lacks ProcessPrng in bcryptprimitives.dll, which Go
// 1.22 and later need at start; the test builds a stand-in from
// testdata/shim with MinGW into the prefix. It is never shipped.
package wintest
