package desktop

import (
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
)

// State is a snapshot of everything the tray shows. The core owns the live
// copy; the UI gets snapshots and rebuilds the menu from them. Slices in a
// snapshot are never modified after it is published.
type State struct {
	Connected bool
	ConnErr   string // why the connection to the server failed, if it did
	Phones    []Phone
	// Default is the phone chosen in the settings (may be unpaired or
	// empty); Selected() resolves it.
	Default device.ID
	Clip    *Offer // number on the clipboard, if any
	Recent  []RecentCall
	Paused  bool
	Call    *Call // the current or last call
}

// Offer is a number found in a copy.
type Offer struct {
	Number         string // E.164
	Raw            string // as written
	Ext            string // extension to key in once answered, shown in the prompt
	Text           string // the whole copied text (for the dial box)
	More           int    // how many other numbers the text holds
	SafeToAutoDial bool
}

// Found is the offered number with its classification, as it was found.
func (o Offer) Found() Found {
	return Found{E164: o.Number, Raw: o.Raw, SafeToAutoDial: o.SafeToAutoDial}
}

// Call is a call the desktop asked a phone to make.
type Call struct {
	Seq       int // increases with every dial request
	Number    string
	Name      string
	Phone     device.ID
	PhoneName string
	Phase     call.State // "" until the phone answered the request
	Reason    string
	Started   time.Time // request sent
	ActiveAt  time.Time // connected (zero if it never was)
	Ended     time.Time
	CanHangup bool
}

// Live reports whether the call is still going on (or being requested).
func (c *Call) Live() bool { return c != nil && (c.Phase == "" || c.Phase.Live()) }

// Phone returns the paired phone with that ID.
func (s State) Phone(id device.ID) (Phone, bool) {
	for _, p := range s.Phones {
		if p.ID == id {
			return p, true
		}
	}
	return Phone{}, false
}

// Selected is the phone calls go to: the default phone if it is still
// paired, else the first online phone, else the first paired one.
func (s State) Selected() (Phone, bool) {
	if p, ok := s.Phone(s.Default); ok {
		return p, true
	}
	for _, p := range s.Phones {
		if p.Online {
			return p, true
		}
	}
	if len(s.Phones) > 0 {
		return s.Phones[0], true
	}
	return Phone{}, false
}

// OnlineCount is the number of phones online.
func (s State) OnlineCount() int {
	n := 0
	for _, p := range s.Phones {
		if p.Online {
			n++
		}
	}
	return n
}

// Icon is the tray icon state.
type Icon string

const (
	IconIdle    Icon = "idle"
	IconCalling Icon = "calling"
	IconOffline Icon = "offline" // no phone online
	IconError   Icon = "error"
)

// IconFor picks the tray icon: an error wins, then a call in progress, then
// whether any phone can be reached.
func IconFor(s State) Icon {
	switch {
	case s.ConnErr != "":
		return IconError
	case s.Call.Live():
		return IconCalling
	case !s.Connected || s.OnlineCount() == 0:
		return IconOffline
	}
	return IconIdle
}
