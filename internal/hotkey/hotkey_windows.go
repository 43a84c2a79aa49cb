//go:build windows

package hotkey

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows"

	"github.com/deskdial/deskdial/internal/winmsg"
)

// On Windows a hotkey is RegisterHotKey on a message-only window. Windows
// posts WM_HOTKEY to the thread that owns the window, so each grab has a
// goroutine locked to its own OS thread, blocked in GetMessage: an idle
// hotkey costs no wake-ups. MOD_NOREPEAT makes a held key one press.
// A combination another program registered fails with
// ERROR_HOTKEY_ALREADY_REGISTERED, which becomes ErrTaken. Keys the shell
// keeps for itself (Win+L, Ctrl+Alt+Del) fail the same way.

var (
	user32 = windows.NewLazySystemDLL("user32.dll")

	procRegisterHotKey   = user32.NewProc("RegisterHotKey")
	procUnregisterHotKey = user32.NewProc("UnregisterHotKey")
	procVkKeyScanW       = user32.NewProc("VkKeyScanW")
)

const (
	wmHotkey    = 0x0312
	modAlt      = 0x1
	modControl  = 0x2
	modShift    = 0x4
	modWin      = 0x8
	modNoRepeat = 0x4000
	hotkeyID    = 1

	errHotkeyAlreadyRegistered = windows.Errno(1409)
)

// vkNames maps the X keysym names of spec.go to Windows virtual-key codes.
// Letters and digits are their ASCII upper-case codes; punctuation is
// looked up in the active keyboard layout (see vkFor).
var vkNames = map[string]uint16{
	"space": 0x20, "Tab": 0x09, "Return": 0x0D, "Escape": 0x1B, "BackSpace": 0x08,
	"Delete": 0x2E, "Insert": 0x2D, "Home": 0x24, "End": 0x23, "Prior": 0x21, "Next": 0x22,
	"Up": 0x26, "Down": 0x28, "Left": 0x25, "Right": 0x27, "Print": 0x2C, "Pause": 0x13,
}

// punct are the keys named by the character they type; their key differs
// between layouts (the US "/" is Shift+7 on a German one).
var punct = map[string]rune{
	"minus": '-', "equal": '=', "comma": ',', "period": '.', "slash": '/', "semicolon": ';',
	"apostrophe": '\'', "backslash": '\\', "bracketleft": '[', "bracketright": ']', "grave": '`',
	"plus": '+',
}

// vkFor returns the virtual-key code for a keysym name.
func vkFor(keysym string) (uint16, bool) {
	switch {
	case len(keysym) == 1 && keysym[0] >= 'a' && keysym[0] <= 'z':
		return uint16(strings.ToUpper(keysym)[0]), true
	case len(keysym) == 1 && keysym[0] >= '0' && keysym[0] <= '9':
		return uint16(keysym[0]), true
	}
	var f int
	if n, _ := fmt.Sscanf(keysym, "F%d", &f); n == 1 && f >= 1 && f <= 24 && keysym == fmt.Sprintf("F%d", f) {
		return uint16(0x70 + f - 1), true
	}
	if vk, ok := vkNames[keysym]; ok {
		return vk, true
	}
	if r, ok := punct[keysym]; ok {
		res, _, _ := procVkKeyScanW.Call(uintptr(r))
		if int16(res) == -1 {
			return 0, false // the layout has no key for it
		}
		return uint16(res) & 0xFF, true
	}
	return 0, false
}

func modsFor(m Modifiers) uintptr {
	var w uintptr = modNoRepeat
	if m&Ctrl != 0 {
		w |= modControl
	}
	if m&Alt != 0 {
		w |= modAlt
	}
	if m&Shift != 0 {
		w |= modShift
	}
	if m&Super != 0 {
		w |= modWin
	}
	return w
}

type winGrab struct{ w *winmsg.Window }

func grab(spec Spec, fire func()) (grabber, error) {
	keysym, _ := spec.keysym()
	vk, ok := vkFor(keysym)
	if !ok {
		return nil, fmt.Errorf("grab %s: no key for %q in the keyboard layout: %w", spec, keysym, ErrUnknownKey)
	}
	if err := user32.Load(); err != nil {
		return nil, fmt.Errorf("grab %s: %v: %w", spec, err, ErrUnsupported)
	}
	// The registration belongs to the window's thread, which is where
	// Windows posts WM_HOTKEY.
	w, err := winmsg.Open(func(hwnd uintptr) (func(), error) {
		if r, _, err := procRegisterHotKey.Call(hwnd, hotkeyID, modsFor(spec.Mods), uintptr(vk)); r == 0 {
			if err == errHotkeyAlreadyRegistered {
				return nil, takenError{spec}
			}
			return nil, fmt.Errorf("Windows refused the hotkey: %w", err)
		}
		return func() { procUnregisterHotKey.Call(hwnd, hotkeyID) }, nil
	}, func(m winmsg.Msg) bool {
		if m.Message == wmHotkey && m.WParam == hotkeyID {
			fire()
		}
		return false
	})
	if err != nil {
		var taken takenError
		if errors.As(err, &taken) {
			return nil, err
		}
		return nil, fmt.Errorf("grab %s: %w", spec, err)
	}
	return &winGrab{w}, nil
}

func (g *winGrab) release() error {
	g.w.Close()
	return nil
}

func (g *winGrab) done() <-chan struct{} { return g.w.Done() }
