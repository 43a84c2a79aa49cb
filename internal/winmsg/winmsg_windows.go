//go:build windows

package winmsg

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32 = windows.NewLazySystemDLL("user32.dll")

	procRegisterClassExW = user32.NewProc("RegisterClassExW")
	procCreateWindowExW  = user32.NewProc("CreateWindowExW")
	procDestroyWindow    = user32.NewProc("DestroyWindow")
	procDefWindowProcW   = user32.NewProc("DefWindowProcW")
	procGetMessageW      = user32.NewProc("GetMessageW")
	procPostMessageW     = user32.NewProc("PostMessageW")
)

const (
	wmStop      = 0x8000 + 1  // WM_APP+1: Close was called
	hwndMessage = ^uintptr(2) // (HWND)-3: the parent of message-only windows
)

// ErrUnsupported is returned where user32.dll cannot be loaded.
var ErrUnsupported = errors.New("winmsg: no user32.dll")

// Msg is one message taken off the window's queue.
type Msg struct {
	HWND    uintptr // the window's handle
	Message uint32
	WParam  uintptr
	LParam  uintptr
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

// registerClass registers the one window class of the process: callbacks
// made with windows.NewCallback are never freed, and their number is
// limited, so there must be exactly one.
func registerClass() error {
	classOnce.Do(func() {
		if err := user32.Load(); err != nil {
			classErr = fmt.Errorf("%w: %v", ErrUnsupported, err)
			return
		}
		className, classErr = windows.UTF16PtrFromString("deskdial.winmsg")
		if classErr != nil {
			return
		}
		proc := windows.NewCallback(func(hwnd, m, w, l uintptr) uintptr {
			r, _, _ := procDefWindowProcW.Call(hwnd, m, w, l)
			return r
		})
		var mod windows.Handle
		if err := windows.GetModuleHandleEx(0, nil, &mod); err != nil {
			classErr = fmt.Errorf("register window class: %w", err)
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

// Window is a message-only window whose messages a goroutine locked to
// one OS thread hands to a function until Close.
type Window struct {
	hwnd    uintptr
	stopped chan struct{}
	once    sync.Once
	err     error // why the loop ended; read after stopped is closed
}

// Open creates the window on a thread of its own. setup runs there first,
// with the window's handle: whatever it registers for the window
// (a clipboard listener, a hotkey) belongs to that thread. Its undo, if
// not nil, runs there when the window closes; an error from setup closes
// the window at once and is Open's error. Then each message is given to
// handle on the same thread; handle returning true closes the window.
func Open(setup func(hwnd uintptr) (undo func(), err error), handle func(Msg) (stop bool)) (*Window, error) {
	if err := registerClass(); err != nil {
		return nil, err
	}
	w := &Window{stopped: make(chan struct{})}
	ready := make(chan error, 1)
	go w.loop(setup, handle, ready)
	if err := <-ready; err != nil {
		<-w.stopped
		return nil, err
	}
	return w, nil
}

// loop owns the window: the window, and the messages posted to it, belong
// to the thread that created it.
func (w *Window) loop(setup func(uintptr) (func(), error), handle func(Msg) bool, ready chan<- error) {
	defer close(w.stopped)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	hwnd, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(className)), 0, 0,
		0, 0, 0, 0, hwndMessage, 0, 0, 0)
	if hwnd == 0 {
		ready <- fmt.Errorf("create message window: %w", err)
		return
	}
	defer procDestroyWindow.Call(hwnd)
	undo, err := setup(hwnd)
	if err != nil {
		ready <- err
		return
	}
	if undo != nil {
		defer undo()
	}
	w.hwnd = hwnd
	ready <- nil
	var m msg
	for {
		r, _, err := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		switch int32(r) {
		case -1:
			w.err = fmt.Errorf("get message: %w", err)
			return
		case 0: // WM_QUIT
			return
		}
		if m.message == wmStop {
			return
		}
		if handle(Msg{HWND: m.hwnd, Message: m.message, WParam: m.wParam, LParam: m.lParam}) {
			return
		}
	}
}

// HWND is the window's handle.
func (w *Window) HWND() uintptr { return w.hwnd }

// Close ends the message loop, undoes what setup registered, destroys the
// window and waits until all that is done. It may be called more than once.
func (w *Window) Close() {
	w.once.Do(func() {
		select {
		case <-w.stopped: // gone on its own; its handle may be another window's by now
		default:
			procPostMessageW.Call(w.hwnd, wmStop, 0, 0)
		}
	})
	<-w.stopped
}

// Done is closed once the window is gone, by Close or on its own (handle
// asked to stop, WM_QUIT, or a failing GetMessage: see Err).
func (w *Window) Done() <-chan struct{} { return w.stopped }

// Err is why the window went on its own: nil after Close, WM_QUIT or a
// stop asked by handle. It is valid once Done is closed.
func (w *Window) Err() error {
	<-w.stopped
	return w.err
}
