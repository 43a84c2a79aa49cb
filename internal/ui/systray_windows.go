//go:build windows

package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"fyne.io/fyne/v2"
	"fyne.io/systray"
	"golang.org/x/sys/windows"
)

// On Windows the tray icon belongs to a hidden window that fyne.io/systray
// creates, and Windows hands that window's messages (a click on the icon,
// a menu choice) to the thread that created it, and only while that thread
// takes them off its queue. Fyne's desktop.App creates it on its GL thread
// and takes them from its loop, which ticks 60 times a second for as long
// as the app runs (fyne-io/fyne#2506), window or not. deskdial gives the
// tray a thread of its own that waits for its messages in one call
// (systray.Run would do the same on the calling thread but never returns
// when the icon could not be added), so the tray app sleeps until there is
// something to do; the windows run in processes of their own (uiproc).
const ownTray = true

var (
	user32               = windows.NewLazySystemDLL("user32.dll")
	procMsgWaitForObjs   = user32.NewProc("MsgWaitForMultipleObjectsEx")
	procPeekMessageW     = user32.NewProc("PeekMessageW")
	procTranslateMessage = user32.NewProc("TranslateMessage")
	procDispatchMessageW = user32.NewProc("DispatchMessageW")
)

const (
	waitInfinite       = 0xFFFFFFFF
	waitFailed         = 0xFFFFFFFF
	qsAllInput         = 0x04FF
	mwmoInputAvailable = 0x0004
	pmRemove           = 0x0001
	wmQuit             = 0x0012
)

// winMsg is Windows' MSG.
type winMsg struct {
	hwnd    uintptr
	message uint32
	wParam  uintptr
	lParam  uintptr
	time    uint32
	pt      struct{ x, y int32 }
	private uint32
}

// trayCloseWait bounds how long Close waits for the tray's thread.
const trayCloseWait = 5 * time.Second

// sysTray is the tray through fyne.io/systray, on a thread of its own.
// Menu and icon changes are made on that thread, between its messages:
// never while Windows shows the menu (which it does inside a message).
type sysTray struct {
	mu      sync.Mutex
	menu    *fyne.Menu
	icon    fyne.Resource
	newMenu bool // menu is to be shown
	newIcon bool // icon is to be shown
	up      bool // the icon is in the notification area and the thread runs

	wake windows.Handle // set when there is a change for the thread; guarded by mu
	done chan struct{}  // closed when the thread has ended
}

// newSysTray adds the icon to the notification area and starts its
// thread. On failure the tray says why in the log and shows nothing.
func newSysTray(title string, icon fyne.Resource) *sysTray {
	if icon == nil {
		icon = AppIcon()
	}
	t := &sysTray{icon: icon, done: make(chan struct{})}
	ev, err := windows.CreateEvent(nil, 0, 0, nil)
	if err != nil {
		log.Printf("deskdial: no tray icon: create event: %v", err)
		close(t.done)
		return t
	}
	t.wake = ev
	ready := make(chan error, 1)
	go t.loop(title, ready)
	if err := <-ready; err != nil {
		log.Printf("deskdial: no tray icon: %v", err)
	}
	return t
}

// loop owns the tray's hidden window: it creates it, then runs its
// messages and the changes asked for until the window is closed.
func (t *sysTray) loop(title string, ready chan<- error) {
	defer close(t.done)
	// Never unlocked: a thread that made windows is not handed on to other
	// goroutines; it ends with this one.
	runtime.LockOSThread()
	systray.Register(nil, nil)
	// Register says only in the log whether it worked; the icon says so.
	t.mu.Lock()
	icon := t.icon
	t.mu.Unlock()
	if err := setTrayIcon(icon); errors.Is(err, systray.ErrTrayNotReadyYet) {
		ready <- errors.New("Windows did not take the notification-area icon (see the systray error above)")
		return
	} else if err != nil {
		log.Printf("deskdial: tray icon: %v", err)
	}
	systray.SetTooltip(title)
	t.mu.Lock()
	t.up = true
	t.mu.Unlock()
	ready <- nil
	var m winMsg
	for {
		r, _, err := procMsgWaitForObjs.Call(1, uintptr(unsafe.Pointer(&t.wake)), waitInfinite, qsAllInput, mwmoInputAvailable)
		if uint32(r) == waitFailed {
			log.Printf("deskdial: tray: wait for messages: %v", err)
			return
		}
		t.apply()
		for {
			if r, _, _ := procPeekMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0, pmRemove); r == 0 {
				break
			}
			if m.message == wmQuit { // the hidden window is gone (Close)
				return
			}
			procTranslateMessage.Call(uintptr(unsafe.Pointer(&m)))
			procDispatchMessageW.Call(uintptr(unsafe.Pointer(&m)))
		}
	}
}

// apply shows the latest menu and icon asked for. On the tray's thread.
func (t *sysTray) apply() {
	t.mu.Lock()
	menu, icon, newMenu, newIcon := t.menu, t.icon, t.newMenu, t.newIcon
	t.newMenu, t.newIcon = false, false
	t.mu.Unlock()
	if newMenu {
		// ResetMenu closes each old item's ClickedCh, which ends its goroutine.
		systray.ResetMenu()
		if menu != nil {
			addItems(menu.Items, nil)
		}
	}
	if newIcon {
		if err := setTrayIcon(icon); err != nil {
			log.Printf("deskdial: tray icon: %v", err)
		}
	}
}

// SetMenu replaces the menu. Safe from any goroutine.
func (t *sysTray) SetMenu(m *fyne.Menu) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.menu, t.newMenu = m, true
	t.pokeLocked()
}

// SetIcon replaces the icon. Safe from any goroutine.
func (t *sysTray) SetIcon(r fyne.Resource) {
	if r == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.icon, t.newIcon = r, true
	t.pokeLocked()
}

// pokeLocked tells the tray's thread there is a change. t.mu is held.
func (t *sysTray) pokeLocked() {
	if t.wake != 0 {
		windows.SetEvent(t.wake)
	}
}

// Close takes the icon out of the notification area and ends the thread.
func (t *sysTray) Close() {
	t.mu.Lock()
	up := t.up
	t.up = false
	t.mu.Unlock()
	if up {
		// The icon goes at once; the hidden window gets WM_CLOSE, and its
		// destruction posts the WM_QUIT that ends the loop.
		systray.Quit()
	}
	select {
	case <-t.done:
		t.mu.Lock()
		if t.wake != 0 {
			windows.CloseHandle(t.wake)
			t.wake = 0 // later changes (the UI's last states) go nowhere
		}
		t.mu.Unlock()
	case <-time.After(trayCloseWait):
		// The thread is stuck in a call to Windows; the process ends anyway.
	}
}

// setTrayIcon shows a PNG resource as the tray icon; it fails with
// systray.ErrTrayNotReadyYet when the tray has no icon to change.
func setTrayIcon(r fyne.Resource) error {
	ico, err := icoFromPNG(r.Content())
	if err != nil {
		return err
	}
	path, err := iconFile(ico)
	if err != nil {
		return err
	}
	return systray.SetIconFromFilePath(path)
}

// iconFile is a file holding ico, in the user's temporary folder (Windows
// loads notification-area icons from files), named by its content so that
// each icon is written once.
func iconFile(ico []byte) (string, error) {
	sum := sha256.Sum256(ico)
	path := filepath.Join(os.TempDir(), "deskdial-tray-"+hex.EncodeToString(sum[:8])+".ico")
	if b, err := os.ReadFile(path); err == nil && string(b) == string(ico) {
		return path, nil
	}
	// Written aside and renamed: a tray starting meanwhile never loads half
	// an icon.
	f, err := os.CreateTemp(filepath.Dir(path), "deskdial-tray-*.tmp")
	if err != nil {
		return "", fmt.Errorf("write the tray icon: %w", err)
	}
	_, werr := f.Write(ico)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write the tray icon: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write the tray icon: %w", err)
	}
	return path, nil
}
