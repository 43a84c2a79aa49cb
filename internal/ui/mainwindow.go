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
}

// NewMainWindow builds the main window (not shown) for menu.
func NewMainWindow(a fyne.App, menu *fyne.Menu) *MainWindow {
	w := &MainWindow{Window: a.NewWindow("deskdial")}
	w.SetMenu(menu)
	// Closing it hides it: the app keeps running, and starting deskdial
	// again shows it.
	w.Window.SetCloseIntercept(w.Window.Hide)
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
