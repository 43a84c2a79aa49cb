package protocol

import (
	"fmt"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/textsafe"
)

// A phone never reaches another phone's dial subject: it asks the desktop
// both are paired with, which checks the request and sends an ordinary
// dial request of its own (docs/protocol.md, section 4, "Calling from a
// phone"; docs/security.md says what limits a rogue phone).

// Relay operations (RelayRequest.Op).
const (
	OpPhones = "phones" // list the desktop's other phones that are online
	OpDial   = "dial"   // have another phone call a target
)

// Refusal codes only a desktop sends to a phone that asked it to relay
// (and CodeAuditFailed: the request could not be recorded, so its replay
// would not be caught, and nothing was done).
const (
	CodeNotAllowed   Code = "not_allowed"   // this phone may not call through the desktop (its settings)
	CodeUnknownPhone Code = "unknown_phone" // the phone asked for is not one of the desktop's
	CodeOffline      Code = "offline"       // the phone asked for is not connected
	CodeNoAnswer     Code = "no_answer"     // the phone asked for did not answer in time
)

// MaxPhones is the most phones a PhoneList holds.
const MaxPhones = 32

// RelayRequest is a phone's request to its desktop (kind 7, on
// SubjectRelay): list the other phones, or have one of them call Target.
type RelayRequest struct {
	V         int       `json:"v"`
	ID        string    `json:"id"`
	IssuedAt  int64     `json:"issued_at"`
	ExpiresAt int64     `json:"expires_at"`
	From      string    `json:"from"` // the asking phone, canonical
	To        string    `json:"to"`   // the desktop, canonical
	Op        string    `json:"op"`
	Phone     string    `json:"phone,omitempty"`  // OpDial: the phone that is to call
	Target    string    `json:"target,omitempty"` // OpDial: as in DialRequest
	Mode      call.Mode `json:"mode,omitempty"`   // OpDial: as in DialRequest
}

// PhoneEntry is one phone of a PhoneList.
type PhoneEntry struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// PhoneList answers an OpPhones request (kind 8, on SubjectRelayed): the
// desktop's paired phones that are online, without the asking one.
type PhoneList struct {
	V      int          `json:"v"`
	ID     string       `json:"id"` // the request's id
	Phones []PhoneEntry `json:"phones"`
}

// Validate checks everything that does not depend on the clock.
func (r RelayRequest) Validate() error {
	if err := checkVersion(r.V); err != nil {
		return err
	}
	if err := checkMsgID("id", r.ID); err != nil {
		return err
	}
	if err := checkWindow(r.IssuedAt, r.ExpiresAt); err != nil {
		return err
	}
	if err := checkDevice("from", r.From); err != nil {
		return err
	}
	if err := checkDevice("to", r.To); err != nil {
		return err
	}
	switch r.Op {
	case OpPhones:
		if r.Phone != "" || r.Target != "" || r.Mode != "" {
			return fmt.Errorf("%w: a %q request has no phone, target or mode", ErrMalformed, OpPhones)
		}
		return nil
	case OpDial:
	default:
		return fmt.Errorf("%w: op must be %q or %q", ErrMalformed, OpPhones, OpDial)
	}
	if err := checkDevice("phone", r.Phone); err != nil {
		return err
	}
	if r.Phone == r.From {
		return fmt.Errorf("%w: a phone cannot ask itself to call", ErrMalformed)
	}
	if err := checkText("target", r.Target, MaxTarget, true); err != nil {
		return err
	}
	if r.Mode != call.ModeCall && r.Mode != call.ModePrefill {
		return fmt.Errorf("%w: mode must be %q or %q", ErrMalformed, call.ModeCall, call.ModePrefill)
	}
	return nil
}

// CheckTime is DialRequest.CheckTime for a relay request.
func (r RelayRequest) CheckTime(now time.Time) error { return checkTime(r.IssuedAt, r.ExpiresAt, now) }

// Expires returns ExpiresAt as a time.
func (r RelayRequest) Expires() time.Time { return time.UnixMilli(r.ExpiresAt) }

// DecodeRelay decodes and validates a relay request (not its time).
func DecodeRelay(b []byte) (RelayRequest, error) {
	var r RelayRequest
	if err := Unmarshal(b, &r); err != nil {
		return RelayRequest{}, err
	}
	if err := r.Validate(); err != nil {
		return RelayRequest{}, err
	}
	return r, nil
}

// Validate checks a phone list.
func (l PhoneList) Validate() error {
	if err := checkVersion(l.V); err != nil {
		return err
	}
	if err := checkMsgID("id", l.ID); err != nil {
		return err
	}
	if len(l.Phones) > MaxPhones {
		return fmt.Errorf("%w: %d phones, at most %d", ErrMalformed, len(l.Phones), MaxPhones)
	}
	for _, p := range l.Phones {
		if err := checkDevice("phones.id", p.ID); err != nil {
			return err
		}
		if err := textsafe.Check(p.Name, device.MaxNameLen); err != nil {
			return fmt.Errorf("%w: phones.name: %v", ErrMalformed, err)
		}
	}
	return nil
}

// DecodePhones decodes and validates a phone list.
func DecodePhones(b []byte) (PhoneList, error) {
	var l PhoneList
	if err := Unmarshal(b, &l); err != nil {
		return PhoneList{}, err
	}
	if err := l.Validate(); err != nil {
		return PhoneList{}, err
	}
	return l, nil
}

// SubjectRelay is where a desktop receives its phones' relay requests:
// "<prefix>.relay.<desktopID>".
func SubjectRelay(prefix string, desktop device.ID) string {
	return prefix + ".relay." + desktop.String()
}

// SubjectRelayed is where a phone receives its desktop's answers to relay
// requests (a PhoneList, or a Reply and then the call's states):
// "<prefix>.relayed.<phoneID>".
func SubjectRelayed(prefix string, phone device.ID) string {
	return prefix + ".relayed." + phone.String()
}
