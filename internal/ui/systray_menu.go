//go:build linux || windows

package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/systray"
)

// addItems adds a Fyne menu's items to the tray's menu under parent (nil:
// the top level).
func addItems(items []*fyne.MenuItem, parent *systray.MenuItem) {
	for _, it := range items {
		if it.IsSeparator {
			if parent != nil {
				parent.AddSeparator()
			} else {
				systray.AddSeparator()
			}
			continue
		}
		var si *systray.MenuItem
		switch {
		case parent == nil && it.Checked:
			si = systray.AddMenuItemCheckbox(it.Label, "", true)
		case parent == nil:
			si = systray.AddMenuItem(it.Label, "")
		case it.Checked:
			si = parent.AddSubMenuItemCheckbox(it.Label, "", true)
		default:
			si = parent.AddSubMenuItem(it.Label, "")
		}
		if it.Disabled {
			si.Disable()
		}
		if it.ChildMenu != nil {
			addItems(it.ChildMenu.Items, si)
		}
		act := it.Action
		go func() {
			// Owned by the menu item: systray closes ClickedCh when the
			// item is removed by the next SetMenu.
			for range si.ClickedCh {
				if act != nil {
					act()
				}
			}
		}()
	}
}
