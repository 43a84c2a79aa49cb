//go:build windows

package clipwatch

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows reports every clipboard change to windows registered with
// AddClipboardFormatListener (Vista and later) as WM_CLIPBOARDUPDATE, so no
// polling is needed: a message-only window on a thread of its own waits in
// GetMessage and costs nothing while nobody copies.
//
// Password managers (KeePass, KeePassXC, 1Password, Bitwarden) mark the
// secrets they copy with extra, empty clipboard formats that clipboard
// monitors are asked to honour:
//   - "ExcludeClipboardContentFromMonitorProcessing": do not look at all;
//   - "CanIncludeInClipboardHistory" holding the DWORD 0: keep out of the
//     history (Windows' own Win+V history honours this);
//   - "Clipboard Viewer Ignore": the older convention for the same wish.
//
// Any of them makes the copy Sensitive, and its text is never read.

var (
	user32   = windows.NewLazySystemDLL("user32.dll")
	kernel32 = windows.NewLazySystemDLL("kernel32.dll")

	procRegisterClassExW              = user32.NewProc("RegisterClassExW")
	procCreateWindowExW               = user32.NewProc("CreateWindowExW")
	procDestroyWindow                 = user32.NewProc("DestroyWindow")
	procDefWindowProcW                = user32.NewProc("DefWindowProcW")
	procGetMessageW                   = user32.NewProc("GetMessageW")
	procPostMessageW                  = user32.NewProc("PostMessageW")
	procAddClipboardFormatListener    = user32.NewProc("AddClipboardFormatListener")
	procRemoveClipboardFormatListener = user32.NewProc("RemoveClipboardFormatListener")
	procOpenClipboard                 = user32.NewProc("OpenClipboard")
	procCloseClipboard                = user32.NewProc("CloseClipboard")
	procEmptyClipboard                = user32.NewProc("EmptyClipboard")
	procGetClipboardData              = user32.NewProc("GetClipboardData")
	procSetClipboardData              = user32.NewProc("SetClipboardData")
	procGetClipboardOwner             = user32.NewProc("GetClipboardOwner")
	procIsClipboardFormatAvailable    = user32.NewProc("IsClipboardFormatAvailable")
	procRegisterClipboardFormatW      = user32.NewProc("RegisterClipboardFormatW")
	procGlobalAlloc                   = kernel32.NewProc("GlobalAlloc")
	procGlobalFree                    = kernel32.NewProc("GlobalFree")
	procGlobalLock                    = kernel32.NewProc("GlobalLock")
	procGlobalUnlock                  = kernel32.NewProc("GlobalUnlock")
	procGlobalSize                    = kernel32.NewProc("GlobalSize")
)

const (
	wmClose           = 0x0010
	wmClipboardUpdate = 0x031D
	wmStop            = 0x8000 + 1 // WM_APP+1: Run's context ended
	cfUnicodeText     = 13
	gmemMoveable      = 0x0002
	hwndMessage       = ^uintptr(2) // (HWND)-3: a message-only window
)

// Names of the formats password managers add to a secret copy.
const (
	fmtExclude    = "ExcludeClipboardContentFromMonitorProcessing"
	fmtHistory    = "CanIncludeInClipboardHistory"
	fmtViewerSkip = "Clipboard Viewer Ignore"
)

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

// registerClass registers the window class once per process: callbacks
// made with windows.NewCallback are never freed, so there must be one.
func registerClass() error {
	classOnce.Do(func() {
		className, classErr = windows.UTF16PtrFromString("deskdial.clipwatch")
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

type winBackend struct {
	maxBytes    int
	readTimeout time.Duration
	fmtExclude  uint32
	fmtHistory  uint32
	fmtIgnore   uint32

	mu   sync.Mutex
	hwnd uintptr // the listening window while run runs; owns our writes
}

func newBackend(o *options) (backend, error) {
	if err := user32.Load(); err != nil {
		return nil, fmt.Errorf("load user32: %v: %w", err, ErrUnsupported)
	}
	b := &winBackend{maxBytes: o.maxBytes, readTimeout: o.readTimeout}
	b.fmtExclude = registerFormat(fmtExclude)
	b.fmtHistory = registerFormat(fmtHistory)
	b.fmtIgnore = registerFormat(fmtViewerSkip)
	if o.forcePoll || procAddClipboardFormatListener.Find() != nil {
		return &poller{
			name:     "poll",
			interval: o.pollInterval,
			sels:     []Selection{Clipboard},
			readFn:   b.read,
			writeFn:  b.write,
		}, nil
	}
	return b, nil
}

func registerFormat(name string) uint32 {
	p, _ := windows.UTF16PtrFromString(name)
	r, _, _ := procRegisterClipboardFormatW.Call(uintptr(unsafe.Pointer(p)))
	return uint32(r)
}

func (b *winBackend) mechanism() string { return "clipboard-listener" }

func (b *winBackend) run(ctx context.Context, changed func(Selection, time.Time)) error {
	if err := registerClass(); err != nil {
		return fmt.Errorf("watch clipboard: %w", err)
	}
	// The window belongs to this thread, and only this thread receives
	// its messages.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	hwnd, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(className)), 0, 0,
		0, 0, 0, 0, hwndMessage, 0, 0, 0)
	if hwnd == 0 {
		return fmt.Errorf("watch clipboard: create message window: %w", err)
	}
	defer procDestroyWindow.Call(hwnd)
	if r, _, err := procAddClipboardFormatListener.Call(hwnd); r == 0 {
		return fmt.Errorf("watch clipboard: add clipboard listener: %w", err)
	}
	defer procRemoveClipboardFormatListener.Call(hwnd)
	b.mu.Lock()
	b.hwnd = hwnd
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.hwnd = 0
		b.mu.Unlock()
	}()

	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		// Owned by run: wakes GetMessage when ctx ends.
		select {
		case <-ctx.Done():
			procPostMessageW.Call(hwnd, wmStop, 0, 0)
		case <-stopped:
		}
	}()
	var m msg
	for {
		r, _, err := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		switch int32(r) {
		case -1:
			return fmt.Errorf("watch clipboard: get message: %w", err)
		case 0:
			return nil
		}
		switch m.message {
		case wmStop, wmClose:
			return nil
		case wmClipboardUpdate:
			// Our own Write opens the clipboard with this window, which
			// makes it the owner: that change is not news.
			if owner, _, _ := procGetClipboardOwner.Call(); owner == hwnd {
				continue
			}
			changed(Clipboard, time.Now())
		}
	}
}

// open opens the clipboard for hwnd, retrying while another program holds
// it (only one program may have it open at a time, and a copy in progress
// keeps it briefly).
func (b *winBackend) open(ctx context.Context, hwnd uintptr) error {
	deadline := time.Now().Add(b.readTimeout)
	wait := 5 * time.Millisecond
	for {
		r, _, err := procOpenClipboard.Call(hwnd)
		if r != 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("open clipboard: %v: %w", err, ErrTimeout)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

func (b *winBackend) read(ctx context.Context, sel Selection) (string, bool, error) {
	if sel != Clipboard {
		return "", false, fmt.Errorf("read %s on windows: %w", sel, ErrUnsupported)
	}
	// OpenClipboard binds the clipboard to the calling thread until
	// CloseClipboard.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := b.open(ctx, 0); err != nil {
		return "", false, err
	}
	defer procCloseClipboard.Call()
	if b.secret() {
		return "", true, nil
	}
	h, _, _ := procGetClipboardData.Call(cfUnicodeText)
	if h == 0 {
		return "", false, nil // no text: an image, files, or nothing
	}
	p, _, _ := procGlobalLock.Call(h)
	if p == 0 {
		return "", false, nil
	}
	defer procGlobalUnlock.Call(h)
	size, _, _ := procGlobalSize.Call(h)
	// Each UTF-16 unit becomes at least one byte of UTF-8, so no more
	// than maxBytes units are ever needed; the rest is not even looked at.
	n := int(size / 2)
	if n > b.maxBytes+1 {
		n = b.maxBytes + 1
	}
	units := unsafe.Slice((*uint16)(globalPtr(p)), n)
	for i, u := range units {
		if u == 0 {
			units = units[:i]
			break
		}
	}
	return capText([]byte(windows.UTF16ToString(units)), b.maxBytes), false, nil
}

// secret reports whether the open clipboard carries a password manager's
// mark.
func (b *winBackend) secret() bool {
	avail := func(f uint32) bool {
		if f == 0 {
			return false
		}
		r, _, _ := procIsClipboardFormatAvailable.Call(uintptr(f))
		return r != 0
	}
	if avail(b.fmtExclude) || avail(b.fmtIgnore) {
		return true
	}
	if !avail(b.fmtHistory) {
		return false
	}
	h, _, _ := procGetClipboardData.Call(uintptr(b.fmtHistory))
	if h == 0 {
		return true // marked but unreadable: err on the side of secrecy
	}
	p, _, _ := procGlobalLock.Call(h)
	if p == 0 {
		return true
	}
	defer procGlobalUnlock.Call(h)
	if size, _, _ := procGlobalSize.Call(h); size < 4 {
		return true
	}
	return *(*uint32)(globalPtr(p)) == 0
}

func (b *winBackend) write(ctx context.Context, text string) error {
	u, err := windows.UTF16FromString(text)
	if err != nil {
		return fmt.Errorf("text holds a NUL character: %w", err)
	}
	b.mu.Lock()
	hwnd := b.hwnd
	b.mu.Unlock()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := b.open(ctx, hwnd); err != nil {
		return err
	}
	defer procCloseClipboard.Call()
	if r, _, err := procEmptyClipboard.Call(); r == 0 {
		return fmt.Errorf("empty clipboard: %w", err)
	}
	h, _, err := procGlobalAlloc.Call(gmemMoveable, uintptr(len(u)*2))
	if h == 0 {
		return fmt.Errorf("allocate clipboard memory: %w", err)
	}
	p, _, err := procGlobalLock.Call(h)
	if p == 0 {
		procGlobalFree.Call(h)
		return fmt.Errorf("lock clipboard memory: %w", err)
	}
	copy(unsafe.Slice((*uint16)(globalPtr(p)), len(u)), u)
	procGlobalUnlock.Call(h)
	if r, _, err := procSetClipboardData.Call(cfUnicodeText, h); r == 0 {
		procGlobalFree.Call(h) // still ours: the clipboard did not take it
		return fmt.Errorf("set clipboard text: %w", err)
	}
	return nil
}

// globalPtr turns the address GlobalLock returned into a pointer. The
// memory is the clipboard's, outside the Go heap, and stays put while
// locked; going through a variable keeps vet from mistaking this for a
// Go pointer held as an integer.
func globalPtr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
