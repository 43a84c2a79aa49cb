package desktop

import (
	"context"
	"errors"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
)

// Sentinel errors. Adapters wrap their own errors with these so the core can
// tell the user what happened.
var (
	// ErrOffline means the phone did not answer: no responders, or it is
	// known to be offline. Dial requests are never queued.
	ErrOffline = errors.New("desktop: phone offline")
	// ErrNoActions means the notification service cannot show buttons (or
	// there is none); the core falls back to a prompt window.
	ErrNoActions = errors.New("desktop: notifications cannot show buttons")
	// ErrNoPhone means no phone is paired, or none was chosen.
	ErrNoPhone = errors.New("desktop: no phone to call with")
	// ErrNoNumber means the text holds no number that can be dialled.
	ErrNoNumber = errors.New("desktop: no phone number found")
)

// RefusedError is the phone's reason for not dialling (expired, replayed,
// rate limit, premium number, ...), shown to the user as is.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return "desktop: refused by the phone: " + e.Reason }

// Found is one number found in a text.
type Found struct {
	E164 string
	Raw  string // as written in the text
	// Ext is the extension written with the number ("ext. 12", "/x12",
	// "转12"): the phone dials the number, the user keys the extension in.
	Ext string
	// SafeToAutoDial is false for premium-rate, shared-cost and emergency
	// numbers: those are never dialled without a click.
	SafeToAutoDial bool
}

// Finder finds the distinct phone numbers in text, in order of first
// appearance, reading national numbers in region.
type Finder func(text, region string) []Found

// Phone is a paired phone as the desktop sees it.
type Phone struct {
	ID          device.ID
	Name        string
	Online      bool
	PlacesCalls bool // false: it opens its dialer with the number filled in
	CanHangup   bool
}

// CallUpdate is one step of a call, as reported by the phone.
type CallUpdate struct {
	Phase  call.State // where the call is; Phase.Live: still going on
	Reason string
	At     time.Time
}

// CallHandle is a dial request in flight.
type CallHandle interface {
	// Updates delivers the phone's reply and then its status updates; it is
	// closed when the call is over or the phone stops reporting.
	Updates() <-chan CallUpdate
	// Hangup asks the phone to end the call.
	Hangup(ctx context.Context) error
}

// Remote reaches the paired phones.
type Remote interface {
	Phones(ctx context.Context) ([]Phone, error)
	// Call sends a dial request. An error means it did not reach the phone:
	// wrap ErrOffline or return a *RefusedError where that is the cause.
	Call(ctx context.Context, phone device.ID, target string, mode call.Mode) (CallHandle, error)
}

// Contact is a search result from contacts and history.
type Contact struct {
	Name   string
	Number string // E.164
	Ext    string // what to key in once answered (see history.LabeledNumber.Ext)
}

// RecentCall is one call in the history.
type RecentCall struct {
	Name   string
	Number string // E.164
	Phone  string // phone ID
	At     time.Time
}

// CallRecord is what the history keeps of a call.
type CallRecord struct {
	Number  string
	Name    string
	Phone   device.ID
	Started time.Time
	Phase   call.State
	Reason  string
	Ended   time.Time
	Talk    time.Duration // connected time; 0 if never answered
}

// History stores calls and contacts.
type History interface {
	Recent(ctx context.Context, n int) ([]RecentCall, error)
	Search(ctx context.Context, q string, limit int) ([]Contact, error)
	RecordCall(ctx context.Context, r CallRecord) (id int64, err error)
	UpdateCall(ctx context.Context, id int64, r CallRecord) error
}

// Selection names an X11 selection; elsewhere only Clipboard exists.
type Selection int

const (
	Clipboard Selection = iota
	Primary
)

// ClipChange is a new clipboard (or selection) content.
type ClipChange struct {
	Text      string
	Selection Selection
	// Sensitive marks copies a password manager flagged
	// (x-kde-passwordManagerHint): never looked at.
	Sensitive bool
}

// Clip reads and writes the clipboard.
type Clip interface {
	Read(ctx context.Context, sel Selection) (string, error)
	Write(ctx context.Context, text string) error
}

// Notice is a notification. Actions are (key, label) pairs; the first one
// is the default action where the desktop has one.
type Notice struct {
	Title   string
	Body    string
	Actions []NoticeAction
	// Replaces updates an earlier notice in place (0: a new one).
	Replaces uint32
}

// NoticeAction is a button on a notification.
type NoticeAction struct{ Key, Label string }

// Notifier shows notifications. Show returns ErrNoActions (wrapped) when
// a notice with actions cannot be shown with its buttons.
type Notifier interface {
	Show(ctx context.Context, n Notice) (id uint32, err error)
}

// Settings is the settings store (config.Store satisfies it).
type Settings interface {
	Get() config.Settings
	Modify(fn func(*config.Settings)) error
}

// Localizer renders a Msg in the user's language.
type Localizer interface {
	T(m Msg) string
}
