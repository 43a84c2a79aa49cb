//go:build windows

package hotkey

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
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

	procRegisterClassExW = user32.NewProc("RegisterClassExW")
	procCreateWindowExW  = user32.NewProc("CreateWindowExW")
	procDestroyWindow    = user32.NewProc("DestroyWindow")
	procDefWindowProcW   = user32.NewProc("DefWindowProcW")
	procGetMessageW      = user32.NewProc("GetMessageW")
	procPostMessageW     = user32.NewProc("PostMessageW")
	procRegisterHotKey   = user32.NewProc("RegisterHotKey")
	procUnregisterHotKey = user32.NewProc("UnregisterHotKey")
	procVkKeyScanW       = user32.NewProc("VkKeyScanW")
)

const (
	wmHotkey    = 0x0312
	wmStop      = 0x8000 + 1 // WM_APP+1: release
	hwndMessage = ^uintptr(2)
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

type wndClassEx struct {
	size, style                uint32
	wndProc                    uintptr
	clsExtra, wndExtra         int32
	instance, icon, cursor, bg windows.Handle
	menuName, className        *uint16
	iconSm                     windows.Handle
}

type msg struct {
	hwnd    uintptr
	message uint32
	wParam  uintptr
	lParam  uintptr
	time    uint32
	pt      struct{ x, y int32 }
	private uint32
}

var (
	classOnce sync.Once
	className *uint16
	classErr  error
)

// registerClass registers the window class once: callbacks made with
// windows.NewCallback are never freed.
func registerClass() error {
	classOnce.Do(func() {
		className, classErr = windows.UTF16PtrFromString("deskdial.hotkey")
		if classErr != nil {
			return
		}
		proc := windows.NewCallback(func(hwnd, m, w, l uintptr) uintptr {
			r, _, _ := procDefWindowProcW.Call(hwnd, m, w, l)
			return r
		})
		var mod windows.Handle
		if err := windows.GetModuleHandleEx(0, nil, &mod); err != nil {
			classErr = err
			return
		}
		wc := wndClassEx{wndProc: proc, instance: mod, className: className}
		wc.size = uint32(unsafe.Sizeof(wc))
		if r, _, err := procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
			classErr = fmt.Errorf("register window class: %w", err)
		}
	})
	return classErr
}

type winGrab struct {
	hwnd    uintptr
	stopped chan struct{}
	once    sync.Once
}

func grab(spec Spec, fire func()) (grabber, error) {
	keysym, _ := spec.keysym()
	vk, ok := vkFor(keysym)
	if !ok {
		return nil, fmt.Errorf("grab %s: no key for %q in the keyboard layout: %w", spec, keysym, ErrUnknownKey)
	}
	if err := user32.Load(); err != nil {
		return nil, fmt.Errorf("grab %s: %v: %w", spec, err, ErrUnsupported)
	}
	if err := registerClass(); err != nil {
		return nil, fmt.Errorf("grab %s: %w", spec, err)
	}
	g := &winGrab{stopped: make(chan struct{})}
	ready := make(chan error, 1)
	go g.loop(spec, vk, fire, ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return g, nil
}

// loop owns the window and the registration; it runs on one OS thread
// because both belong to the thread that made them.
func (g *winGrab) loop(spec Spec, vk uint16, fire func(), ready chan<- error) {
	defer close(g.stopped)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	hwnd, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(className)), 0, 0,
		0, 0, 0, 0, hwndMessage, 0, 0, 0)
	if hwnd == 0 {
		ready <- fmt.Errorf("grab %s: create message window: %w", spec, err)
		return
	}
	defer procDestroyWindow.Call(hwnd)
	if r, _, err := procRegisterHotKey.Call(hwnd, hotkeyID, modsFor(spec.Mods), uintptr(vk)); r == 0 {
		if err == errHotkeyAlreadyRegistered {
			ready <- takenError{spec}
		} else {
			ready <- fmt.Errorf("grab %s: Windows refused the hotkey: %w", spec, err)
		}
		return
	}
	defer procUnregisterHotKey.Call(hwnd, hotkeyID)
	g.hwnd = hwnd
	ready <- nil
	var m msg
	for {
		r, _, _ := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		if int32(r) <= 0 {
			return
		}
		switch m.message {
		case wmStop:
			return
		case wmHotkey:
			if m.wParam == hotkeyID {
				fire()
			}
		}
	}
}

func (g *winGrab) release() error {
	g.once.Do(func() { procPostMessageW.Call(g.hwnd, wmStop, 0, 0) })
	<-g.stopped
	return nil
}

func (g *winGrab) done() <-chan struct{} { return g.stopped }
