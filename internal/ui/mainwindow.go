package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// MainWindow shows the tray menu's content in a small window, for desktops
// that show no tray icons (GNOME without the AppIndicator extension, bare
// window managers): the same entries, rebuilt with every state.
type MainWindow struct {
	Window fyne.Window
	Menu   *widget.Menu
	Source *fyne.Menu // the tray menu it shows
	shown  bool       // on the UI goroutine
	// OnHide, if set, is called after the window was closed (hidden): a
	// window process ends then.
	OnHide func()
}

// Show shows the window and brings it to the front.
func (w *MainWindow) Show() {
	w.shown = true
	w.Window.Show()
	w.Window.RequestFocus()
}

// Visible says whether the window is shown.
func (w *MainWindow) Visible() bool { return w.shown }

// NewMainWindow builds the main window (not shown) for menu.
func NewMainWindow(a fyne.App, menu *fyne.Menu) *MainWindow {
	w := &MainWindow{Window: a.NewWindow("deskdial")}
	w.SetMenu(menu)
	// Closing it hides it: the app keeps running, and starting deskdial
	// again shows it.
	w.Window.SetCloseIntercept(func() {
		w.Window.Hide()
		w.shown = false
		if w.OnHide != nil {
			w.OnHide()
		}
	})
	return w
}

// SetMenu replaces the entries. Call it on the UI goroutine.
func (w *MainWindow) SetMenu(menu *fyne.Menu) {
	if menu == nil {
		menu = fyne.NewMenu("deskdial")
	}
	w.Source = menu
	w.Menu = widget.NewMenu(menu)
	w.Window.SetContent(w.Menu)
}
