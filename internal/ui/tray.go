package ui

import (
	"fyne.io/fyne/v2"
	fynedesktop "fyne.io/fyne/v2/driver/desktop"

	"github.com/deskdial/deskdial/assets"
	"github.com/deskdial/deskdial/internal/desktop"
)

// Tray shows deskdial's icon and menu in the desktop's notification area.
type Tray interface {
	SetMenu(m *fyne.Menu)
	SetIcon(r fyne.Resource)
}

// fyneTray is the tray through Fyne's desktop.App: it needs Fyne's event
// loop running to appear.
type fyneTray struct{ a fynedesktop.App }

func (t fyneTray) SetMenu(m *fyne.Menu)    { t.a.SetSystemTrayMenu(m) }
func (t fyneTray) SetIcon(r fyne.Resource) { t.a.SetSystemTrayIcon(r) }

// TrayMenu turns the desktop menu model into a Fyne menu; clicks call do
// with the item's action.
func TrayMenu(items []desktop.Item, do func(desktop.Action)) *fyne.Menu {
	return fyne.NewMenu("deskdial", menuItems(items, do)...)
}

func menuItems(items []desktop.Item, do func(desktop.Action)) []*fyne.MenuItem {
	out := make([]*fyne.MenuItem, 0, len(items))
	for _, it := range items {
		if it.Separator {
			out = append(out, fyne.NewMenuItemSeparator())
			continue
		}
		mi := fyne.NewMenuItem(Localizer{}.T(it.Label), nil)
		mi.Disabled = it.Disabled
		mi.Checked = it.Checked
		if a := it.Action; a.Kind != "" {
			mi.Action = func() { do(a) }
			// Fyne adds its own Quit unless the last item is one.
			mi.IsQuit = a.Kind == desktop.ActQuit
		}
		if len(it.Children) > 0 {
			mi.ChildMenu = fyne.NewMenu("", menuItems(it.Children, do)...)
		}
		out = append(out, mi)
	}
	return out
}

// TrayIcon is the tray icon for a state.
func TrayIcon(ic desktop.Icon) fyne.Resource {
	return resource("tray-"+string(ic)+".png", assets.TrayIcon(string(ic)))
}

// AppIcon is the application icon.
func AppIcon() fyne.Resource { return resource("deskdial.png", assets.AppIcon()) }
