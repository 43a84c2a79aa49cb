package desktop

import "github.com/deskdial/deskdial/internal/device"

// ActionKind is something the user asked for.
type ActionKind string

const (
	ActCall         ActionKind = "call"     // Number (and Name), on Phone or the selected phone
	ActDialText     ActionKind = "dialtext" // Text: the first number in it, or a tel: URI
	ActDismiss      ActionKind = "dismiss"  // the clipboard prompt
	ActHangup       ActionKind = "hangup"
	ActSelectPhone  ActionKind = "phone" // Phone
	ActTogglePause  ActionKind = "pause"
	ActOpenDial     ActionKind = "dial" // Text: prefill for the dial box
	ActOfferLink    ActionKind = "link" // Text: a tel:/callto: link clicked elsewhere; prompt as for a copy
	ActOpenPairing  ActionKind = "pair"
	ActOpenMain     ActionKind = "main" // the main window (deskdial started again, or no tray)
	ActOpenSettings ActionKind = "settings"
	ActQuit         ActionKind = "quit"
)

// Action is a user request, from the menu, a window or a notification.
type Action struct {
	Kind   ActionKind
	Number string
	Name   string
	Phone  device.ID // zero: the selected phone
	Text   string
}

// Item is one tray menu entry. A zero Action.Kind means it does nothing
// (status lines); Separator items carry nothing else.
type Item struct {
	Label     Msg
	Action    Action
	Disabled  bool
	Checked   bool
	Separator bool
	Children  []Item
}

// MaxRecent is how many recent calls the tray menu lists.
const MaxRecent = 10

var separator = Item{Separator: true}

// BuildMenu is the tray menu for a state snapshot. It is rebuilt whole on
// every change: partial updates of native tray menus are not reliable.
func BuildMenu(s State) []Item {
	items := []Item{{Label: statusLine(s), Disabled: true}}
	if s.Call.Live() && s.Call.CanHangup {
		items = append(items, Item{
			Label:  M("menu.hangup", "Number", FormatNumber(s.Call.Number)),
			Action: Action{Kind: ActHangup},
		})
	}
	if s.Clip != nil {
		sel, ok := s.Selected()
		it := Item{
			Label:  M("menu.call_clip", "Number", FormatNumber(s.Clip.Number)),
			Action: Action{Kind: ActCall, Number: s.Clip.Number},
		}
		if ok {
			it.Label = M("menu.call_clip_on", "Number", FormatNumber(s.Clip.Number), "Phone", sel.Name)
		} else {
			it.Disabled = true
		}
		items = append(items, it)
	}
	items = append(items, separator, recentMenu(s), phonesMenu(s),
		Item{Label: M("menu.dial"), Action: Action{Kind: ActOpenDial}},
		Item{Label: M("menu.pause"), Action: Action{Kind: ActTogglePause}, Checked: s.Paused},
		separator,
		Item{Label: M("menu.pair"), Action: Action{Kind: ActOpenPairing}},
		Item{Label: M("menu.settings"), Action: Action{Kind: ActOpenSettings}},
		separator,
		Item{Label: M("menu.quit"), Action: Action{Kind: ActQuit}},
	)
	return items
}

func statusLine(s State) Msg {
	switch {
	case s.ConnErr != "":
		return M("status.error", "Error", s.ConnErr)
	case !s.Connected:
		return M("status.connecting")
	case len(s.Phones) == 0:
		return M("status.no_phones")
	}
	return M("status.online", "Online", s.OnlineCount(), "Total", len(s.Phones))
}

func recentMenu(s State) Item {
	it := Item{Label: M("menu.recent")}
	seen := map[string]bool{}
	for _, r := range s.Recent {
		if len(it.Children) == MaxRecent {
			break
		}
		// The menu lists people to call again, not every call.
		if seen[r.Number] {
			continue
		}
		seen[r.Number] = true
		label := M("menu.recent_number", "Number", FormatNumber(r.Number))
		if r.Name != "" {
			label = M("menu.recent_item", "Name", r.Name, "Number", FormatNumber(r.Number))
		}
		it.Children = append(it.Children, Item{
			Label:  label,
			Action: Action{Kind: ActCall, Number: r.Number, Name: r.Name},
		})
	}
	if len(it.Children) == 0 {
		it.Children = []Item{{Label: M("menu.recent_empty"), Disabled: true}}
	}
	return it
}

func phonesMenu(s State) Item {
	it := Item{Label: M("menu.phones")}
	sel, _ := s.Selected()
	for _, p := range s.Phones {
		key := "menu.phone_offline"
		if p.Online {
			key = "menu.phone_online"
		}
		does := M("phone.opens_dialer")
		if p.PlacesCalls {
			does = M("phone.calls")
		}
		it.Children = append(it.Children, Item{
			Label:   M(key, "Name", p.Name, "Does", does),
			Action:  Action{Kind: ActSelectPhone, Phone: p.ID},
			Checked: p.ID == sel.ID,
		})
	}
	if len(it.Children) == 0 {
		it.Children = []Item{{Label: M("menu.phones_none"), Disabled: true}}
	}
	return it
}
