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

	"github.com/deskdial/deskdial/internal/winmsg"
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
	cfUnicodeText     = 13
	gmemMoveable      = 0x0002
)

// Names of the formats password managers add to a secret copy.
const (
	fmtExclude    = "ExcludeClipboardContentFromMonitorProcessing"
	fmtHistory    = "CanIncludeInClipboardHistory"
	fmtViewerSkip = "Clipboard Viewer Ignore"
)

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
	w, err := winmsg.Open(func(hwnd uintptr) (func(), error) {
		if r, _, err := procAddClipboardFormatListener.Call(hwnd); r == 0 {
			return nil, fmt.Errorf("add clipboard listener: %w", err)
		}
		b.mu.Lock()
		b.hwnd = hwnd
		b.mu.Unlock()
		return func() {
			b.mu.Lock()
			b.hwnd = 0
			b.mu.Unlock()
			procRemoveClipboardFormatListener.Call(hwnd)
		}, nil
	}, func(m winmsg.Msg) bool {
		switch m.Message {
		case wmClose:
			return true
		case wmClipboardUpdate:
			// Our own Write opens the clipboard with this window, which
			// makes it the owner: that change is not news.
			if owner, _, _ := procGetClipboardOwner.Call(); owner != m.HWND {
				changed(Clipboard, time.Now())
			}
		}
		return false
	})
	if err != nil {
		return fmt.Errorf("watch clipboard: %w", err)
	}
	select {
	case <-ctx.Done():
		w.Close()
		return nil
	case <-w.Done():
		if err := w.Err(); err != nil {
			return fmt.Errorf("watch clipboard: %w", err)
		}
		return nil
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
