package protocol

import (
	"fmt"
	"time"

	"github.com/deskdial/deskdial/internal/device"
)

// A desktop learns which phones are online by asking (presence pings,
// section 6 of docs/protocol.md). A phone also says so itself the moment
// it can be reached: each time it has connected and subscribed to its dial
// subject, and when it leaves cleanly, it seals an Announce (KindAnnounce)
// to each paired desktop on that desktop's status subject. The desktop
// takes it only as a cue to ask again at once: what it shows still comes
// from the answer to its ping, so a replayed or withheld announcement can
// at most make it ask sooner or later, never show a phone that is gone.

// Announcement states (Announce.State).
const (
	AnnounceOnline  = "online"  // connected, and listening on its dial subject
	AnnounceOffline = "offline" // left its dial subject and is disconnecting
)

// AnnounceTTL is how long an announcement is valid: long enough for a
// relay's delay and clocks a little apart, short enough that a copy kept
// by the relay is worthless soon after.
const AnnounceTTL = 30 * time.Second

// Announce is a phone's word to a desktop that it came online or is
// leaving (kind 9, on SubjectStatus of the desktop).
type Announce struct {
	V         int    `json:"v"`
	ID        string `json:"id"`         // new per announcement
	IssuedAt  int64  `json:"issued_at"`  // Unix ms
	ExpiresAt int64  `json:"expires_at"` // Unix ms, <= IssuedAt + MaxTTL
	From      string `json:"from"`       // the phone, canonical
	To        string `json:"to"`         // the desktop, canonical
	State     string `json:"state"`      // AnnounceOnline or AnnounceOffline
}

// NewAnnounce makes an announcement from phone to desktop, valid from now
// for AnnounceTTL.
func NewAnnounce(phone, desktop device.ID, state string, now time.Time) Announce {
	return Announce{V: Version, ID: NewMsgID(), IssuedAt: now.UnixMilli(), ExpiresAt: now.Add(AnnounceTTL).UnixMilli(),
		From: phone.String(), To: desktop.String(), State: state}
}

// Online reports whether the announcement says the phone came online.
func (a Announce) Online() bool { return a.State == AnnounceOnline }

// Validate checks everything that does not depend on the clock.
func (a Announce) Validate() error {
	if err := checkVersion(a.V); err != nil {
		return err
	}
	if err := checkMsgID("id", a.ID); err != nil {
		return err
	}
	if err := checkWindow(a.IssuedAt, a.ExpiresAt); err != nil {
		return err
	}
	if err := checkDevice("from", a.From); err != nil {
		return err
	}
	if err := checkDevice("to", a.To); err != nil {
		return err
	}
	if a.State != AnnounceOnline && a.State != AnnounceOffline {
		return fmt.Errorf("%w: state must be %q or %q", ErrMalformed, AnnounceOnline, AnnounceOffline)
	}
	return nil
}

// CheckTime is DialRequest.CheckTime for an announcement.
func (a Announce) CheckTime(now time.Time) error { return checkTime(a.IssuedAt, a.ExpiresAt, now) }

// DecodeAnnounce decodes and validates an announcement (not its time).
func DecodeAnnounce(b []byte) (Announce, error) {
	var a Announce
	if err := Unmarshal(b, &a); err != nil {
		return Announce{}, err
	}
	if err := a.Validate(); err != nil {
		return Announce{}, err
	}
	return a, nil
}
