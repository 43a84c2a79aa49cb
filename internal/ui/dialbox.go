package ui

import (
	"context"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
)

// Controller is what the windows need from the desktop core.
type Controller interface {
	Do(a desktop.Action)
	Search(ctx context.Context, q string, limit int) ([]desktop.Choice, error)
}

// searchLimit is how many matches the dial box lists.
const searchLimit = 12

// DialBox is the window with one field to find and call a number.
type DialBox struct {
	Window  fyne.Window
	Entry   *widget.Entry
	Results *widget.List
	Phone   *widget.Select
	Call    *widget.Button
	Status  *widget.Label

	ctl      Controller
	shown    bool       // the window is shown (on the UI goroutine)
	mu       sync.Mutex // guards choices, written on the UI goroutine only but read by List callbacks
	choices  []desktop.Choice
	forQuery string // the text the choices were found for
	selected int
	phones   []desktop.Phone
	cancel   context.CancelFunc
	gen      int
	searched chan struct{} // tests: signalled after each applied search
	// OnHide, if set, is called after the dial box was hidden (closed,
	// or a call made from it): a window process ends then.
	OnHide func()
}

// NewDialBox builds the dial box in a new window (not shown).
func NewDialBox(a fyne.App, ctl Controller) *DialBox {
	d := &DialBox{ctl: ctl, Window: a.NewWindow(tr("dial.title")), searched: make(chan struct{}, 16)}
	d.Entry = widget.NewEntry()
	d.Entry.SetPlaceHolder(tr("dial.placeholder"))
	d.Entry.OnChanged = d.search
	d.Entry.OnSubmitted = func(string) { d.submit() }
	d.Results = widget.NewList(
		func() int { d.mu.Lock(); defer d.mu.Unlock(); return len(d.choices) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			d.mu.Lock()
			defer d.mu.Unlock()
			if i < len(d.choices) {
				o.(*widget.Label).SetText(choiceLabel(d.choices[i]))
			}
		},
	)
	d.Results.OnSelected = func(i widget.ListItemID) {
		d.mu.Lock()
		d.selected = i
		d.mu.Unlock()
	}
	d.Phone = widget.NewSelect(nil, nil)
	d.Phone.PlaceHolder = tr("dial.no_phone")
	d.Call = widget.NewButton(tr("dial.call"), d.submit)
	d.Call.Importance = widget.HighImportance
	d.Status = widget.NewLabel("")
	bottom := container.NewBorder(nil, nil, widget.NewLabel(tr("dial.phone")), d.Call, d.Phone)
	d.Window.SetContent(container.NewBorder(d.Entry, container.NewVBox(d.Status, bottom), nil, nil, d.Results))
	d.Window.Resize(fyne.NewSize(420, 360))
	// The dial box is kept when closed so the hotkey shows it at once.
	// Destroying it instead was measured to free about 3 MB: once a window
	// was shown, the memory is the GL driver's and Fyne's caches, which
	// stay until the process ends.
	d.Window.SetCloseIntercept(d.hide)
	return d
}

func choiceLabel(c desktop.Choice) string {
	src := tr("dial.source_" + c.Source)
	num := desktop.FormatNumber(c.Number) + extLabel(c.Ext)
	if c.Name == "" {
		return num + "  · " + src
	}
	return c.Name + " — " + num + "  · " + src
}

// extLabel shows a contact's extension after its number (", ext. 102"),
// or the digits after a pause (", then key in 1234, 9"): the phone dials
// the number only, and the user keys these in once answered.
func extLabel(ext string) string {
	if ext == "" {
		return ""
	}
	if !strings.ContainsAny(ext, ",;") {
		return ", " + trd("dial.ext", "Ext", ext)
	}
	keys := strings.FieldsFunc(ext, func(r rune) bool { return r == ',' || r == ';' })
	return ", " + trd("dial.then_key_in", "Keys", strings.Join(keys, ", "))
}

// SetPhones updates the phone selector, keeping the choice if still paired.
func (d *DialBox) SetPhones(s desktop.State) {
	d.phones = s.Phones
	var names []string
	for _, p := range s.Phones {
		names = append(names, p.Name)
	}
	prev := d.Phone.Selected
	d.Phone.Options = names
	if sel, ok := s.Selected(); ok && (prev == "" || !contains(names, prev)) {
		d.Phone.SetSelected(sel.Name)
	}
	d.Phone.Refresh()
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Open shows the dial box with text in the field (may be empty).
func (d *DialBox) Open(text string) {
	// SetText fires OnChanged (and so a search) only when the text
	// changes; reopening with the same text must still show fresh
	// contacts and recents.
	same := d.Entry.Text == text
	d.Entry.SetText(text)
	if text == "" || same {
		d.search(text)
	}
	d.shown = true
	d.Window.Show()
	d.Window.RequestFocus()
	d.Window.Canvas().Focus(d.Entry)
}

// search runs as the user types; only the newest search's results are shown.
func (d *DialBox) search(q string) {
	if d.cancel != nil {
		d.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	d.gen++
	gen := d.gen
	go func() {
		res, err := d.ctl.Search(ctx, q, searchLimit)
		if ctx.Err() != nil {
			return
		}
		fyne.Do(func() {
			if gen != d.gen {
				return
			}
			d.mu.Lock()
			d.choices = res
			d.forQuery = q
			d.selected = 0
			d.mu.Unlock()
			d.Results.Refresh()
			if len(res) > 0 {
				d.Results.Select(0)
			}
			switch {
			case err != nil:
				d.Status.SetText(err.Error())
			case len(res) == 0 && q != "":
				d.Status.SetText(tr("dial.no_match"))
			default:
				d.Status.SetText("")
			}
			select {
			case d.searched <- struct{}{}:
			default:
			}
		})
	}()
}

// submit calls the selected match, or the text as typed.
func (d *DialBox) submit() {
	var phone device.ID
	for _, p := range d.phones {
		if p.Name == d.Phone.Selected {
			phone = p.ID
		}
	}
	d.mu.Lock()
	var c *desktop.Choice
	if d.selected >= 0 && d.selected < len(d.choices) {
		cc := d.choices[d.selected]
		c = &cc
	}
	stale := d.forQuery != d.Entry.Text
	d.mu.Unlock()
	if stale {
		// Enter pressed before the search for the current text came back
		// (a fast paste): never call a match for older text. The search is
		// local, so asking once more here is quick.
		c = nil
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		res, _ := d.ctl.Search(ctx, d.Entry.Text, 1)
		cancel()
		if len(res) > 0 {
			c = &res[0]
		}
	}
	switch {
	case c != nil:
		d.ctl.Do(desktop.Action{Kind: desktop.ActCall, Number: c.Number, Name: c.Name, Phone: phone})
	case d.Entry.Text != "":
		d.ctl.Do(desktop.Action{Kind: desktop.ActDialText, Text: d.Entry.Text, Phone: phone})
	default:
		return
	}
	d.hide()
}

// hide hides the window and takes the focus off the entry, which stops
// its cursor blinking: Fyne animates the cursor of a focused entry even
// in a hidden window.
func (d *DialBox) hide() {
	d.Window.Canvas().Unfocus()
	d.Window.Hide()
	d.shown = false
	if d.OnHide != nil {
		d.OnHide()
	}
}

// Visible says whether the dial box is shown.
func (d *DialBox) Visible() bool { return d.shown }
