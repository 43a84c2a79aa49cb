package ui

import (
	"errors"
	"fmt"
	"image"
	"image/draw"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynedesktop "fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/deskdial/deskdial/internal/desktop"
)

// ErrNoSubmenu is returned by MenuPicture when the entry to open is not in
// the menu or has no submenu.
var ErrNoSubmenu = errors.New("ui: no such submenu")

// PictureCanvas is a canvas that can be sized freely and captured, as the
// windows of Fyne's test driver (fyne.io/fyne/v2/test) have.
type PictureCanvas interface {
	fyne.Canvas
	Resize(fyne.Size)
}

// MenuPicture draws the tray menu for items on c with Fyne's own menu
// widget, converted exactly as the tray converts them (TrayMenu), and
// returns the picture cropped to the menu. open, if not empty, is the
// translated label of a top-level entry whose submenu is shown opened
// beside the menu, as when the pointer rests on that entry.
//
// This is for documentation and tests. The real tray menu is drawn by the
// desktop's tray host, in the host's own style, from the same items (on
// Linux it reads them over D-Bus), so a picture of it can only be taken on
// a desktop that has such a host. The labels, order, check marks, disabled
// entries and submenus here are the tray's; the look is Fyne's.
//
// c must be a canvas the current app's driver places objects on (with
// Fyne's test driver, the last window made) and have no other use: its
// content is replaced.
func MenuPicture(c PictureCanvas, items []desktop.Item, open string) (image.Image, error) {
	fm := TrayMenu(items, func(desktop.Action) {})
	m := widget.NewMenu(fm)
	// Room for the menu's shadow on every side.
	pad := theme.Padding() * 4
	// A generous canvas, so an opened submenu is placed to the right of
	// the menu (it flips left where the screen is too narrow) and below
	// its entry; what is left over is cropped.
	ms := m.MinSize()
	c.Resize(fyne.NewSize(max(1280, 3*ms.Width), max(960, 3*ms.Height)))
	c.SetContent(container.NewWithoutLayout(m))
	m.Move(fyne.NewPos(pad, pad))
	m.Resize(m.MinSize())

	if open != "" {
		var hover fynedesktop.Hoverable
		for i, mi := range fm.Items {
			if mi.Label == open && mi.ChildMenu != nil {
				hover, _ = m.Items[i].(fynedesktop.Hoverable)
				break
			}
		}
		if hover == nil {
			return nil, fmt.Errorf("open %q: %w", open, ErrNoSubmenu)
		}
		hover.MouseIn(&fynedesktop.MouseEvent{})
	}
	return crop(c.Capture(), int(pad*c.Scale())), nil
}

// crop cuts img to what differs from its top-left pixel (the canvas
// background), keeping margin pixels around it.
func crop(img image.Image, margin int) image.Image {
	b := img.Bounds()
	bg := img.At(b.Min.X, b.Min.Y)
	br, bgG, bb, ba := bg.RGBA()
	r := image.Rectangle{Min: b.Max, Max: b.Min}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			pr, pg, pb, pa := img.At(x, y).RGBA()
			if pr == br && pg == bgG && pb == bb && pa == ba {
				continue
			}
			r = r.Union(image.Rect(x, y, x+1, y+1))
		}
	}
	if r.Empty() {
		return img
	}
	r = image.Rect(r.Min.X-margin, r.Min.Y-margin, r.Max.X+margin, r.Max.Y+margin).Intersect(b)
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(out, out.Bounds(), img, r.Min, draw.Src)
	return out
}
