package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/systray"
)

// On Linux the tray is a StatusNotifierItem on the session bus, which
// fyne.io/systray serves from goroutines of its own: unlike on macOS and
// Windows it needs no GUI event loop. deskdial talks to it directly
// instead of through Fyne's desktop.App, because Fyne shows the tray only
// from its GL loop, and that loop wakes the process 60 times a second even
// with no window open (fyne-io/fyne#2506) and loads the OpenGL driver for
// a hidden helper window. So the tray app stays idle until a window is
// really needed.
const ownTray = true

// sysTray is the tray through fyne.io/systray.
type sysTray struct {
	mu   sync.Mutex
	end  func()
	menu *fyne.Menu
}

// newSysTray registers the tray item on the session bus.
func newSysTray(title string, icon fyne.Resource) *sysTray {
	t := &sysTray{}
	start, end := systray.RunWithExternalLoop(nil, nil)
	t.end = end
	systray.SetTitle(title)
	if icon != nil {
		systray.SetIcon(icon.Content())
	}
	start()
	return t
}

// SetMenu replaces the menu. Safe from any goroutine.
func (t *sysTray) SetMenu(m *fyne.Menu) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.menu = m
	// ResetMenu closes each old item's ClickedCh, which ends its goroutine.
	systray.ResetMenu()
	if m != nil {
		addItems(m.Items, nil)
	}
}

// SetIcon replaces the icon. Safe from any goroutine.
func (t *sysTray) SetIcon(r fyne.Resource) {
	t.mu.Lock()
	defer t.mu.Unlock()
	systray.SetIcon(r.Content())
}

// Close takes the item off the bus.
func (t *sysTray) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.end != nil {
		t.end()
		t.end = nil
	}
}
