package protocol

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
)

// Limits and time rules. Times on the wire are Unix milliseconds (UTC).
const (
	// MaxTTL is the longest a dial request or hangup may be valid:
	// expires_at - issued_at <= MaxTTL.
	MaxTTL = 60 * time.Second
	// DefaultTTL is what NewDial uses.
	DefaultTTL = 30 * time.Second
	// MaxSkew is how far the receiver's clock may be behind the sender's:
	// a request issued more than MaxSkew in the receiver's future is
	// refused. Expiry gets no grace: a late request is never dialled.
	MaxSkew = 30 * time.Second
	// MaxTarget is the longest target (number or contact name), in bytes.
	MaxTarget = 256
	// MaxReason is the longest free-text reason, in bytes.
	MaxReason = 512
)

var (
	// ErrVersion is returned for a message whose "v" this build does not
	// speak. It is also an ErrMalformed.
	ErrVersion = fmt.Errorf("%w: unsupported version", ErrMalformed)
	// ErrExpired is returned by CheckTime for a request past its expires_at.
	ErrExpired = errors.New("protocol: request expired")
	// ErrNotYetValid is returned by CheckTime for a request issued too far
	// in the future (a clock that is far off, or a forged time).
	ErrNotYetValid = errors.New("protocol: request issued in the future")
)

// Code says why a phone refused a request (Reply.Code). Phones may send
// codes not listed here (Reply.Validate only checks their spelling); a
// desktop shows Reason for any code it does not know (Code.Known).
type Code string

// Refusal codes, each defined once for the agent, the desktop, the CLI
// and (in docs/protocol.md) the web agent.
const (
	CodeUnknownSender     Code = "unknown_sender"
	CodeWrongRecipient    Code = "wrong_recipient"
	CodeExpired           Code = "expired"
	CodeNotYetValid       Code = "not_yet_valid"
	CodeReplayed          Code = "replayed"
	CodeMalformed         Code = "malformed"
	CodeVersion           Code = "unsupported_version"
	CodeRateLimited       Code = "rate_limited"
	CodeMMI               Code = "mmi"
	CodePremium           Code = "premium"
	CodeEmergency         Code = "emergency"
	CodeNotANumber        Code = "not_a_number"
	CodeUnknownContact    Code = "unknown_contact"
	CodeDeclined          Code = "declined"
	CodeBusy              Code = "busy"
	CodeDialerUnavailable Code = "dialer_unavailable"
	CodeDialerFailed      Code = "dialer_failed"
	CodeAuditFailed       Code = "audit_failed" // the decision could not be logged, so nothing is dialled
	CodeForged            Code = "forged"       // from names another device than the key that sealed it
	CodeContactName       Code = "contact_name" // a name, and this phone cannot look names up
	CodeUnknownCall       Code = "unknown_call" // hangup for a call that is not running
	CodePairRefused       Code = "pair_refused" // a pairing join was refused (reason says why)
	CodePairFailed        Code = "pair_failed"  // the desktop could not store the phone
	// CodeUnpaired is the notice a phone sends a desktop it has forgotten
	// (a sealed refusal on the desktop's status subject).
	CodeUnpaired Code = "unpaired"
)

// codes lists the codes above (docs/protocol.md's table is held to it
// by a test).
var codes = [...]Code{
	CodeUnknownSender, CodeWrongRecipient, CodeExpired, CodeNotYetValid, CodeReplayed,
	CodeMalformed, CodeVersion, CodeRateLimited, CodeMMI, CodePremium, CodeEmergency,
	CodeNotANumber, CodeUnknownContact, CodeDeclined, CodeBusy, CodeDialerUnavailable,
	CodeDialerFailed, CodeAuditFailed, CodeForged, CodeContactName, CodeUnknownCall,
	CodePairRefused, CodePairFailed, CodeUnpaired,
	CodeNotAllowed, CodeUnknownPhone, CodeOffline, CodeNoAnswer,
}

// Known reports whether c is one of the codes above.
func (c Code) Known() bool {
	for _, k := range codes {
		if c == k {
			return true
		}
	}
	return false
}

// UnknownID is the id of a refusal to a message whose id could not be read.
const UnknownID = "unknown"

// DialRequest asks a phone to call or prefill a target.
type DialRequest struct {
	V         int       `json:"v"`
	ID        string    `json:"id"`         // message id; a retry reuses it
	IssuedAt  int64     `json:"issued_at"`  // Unix ms
	ExpiresAt int64     `json:"expires_at"` // Unix ms, <= IssuedAt + MaxTTL
	From      string    `json:"from"`       // sending device ID, canonical
	To        string    `json:"to"`         // receiving phone ID, canonical
	Target    string    `json:"target"`     // E.164 number or a contact name
	Mode      call.Mode `json:"mode"`
}

// Reply is the phone's answer to a DialRequest.
type Reply struct {
	V        int    `json:"v"`
	ID       string `json:"id"` // the DialRequest's id
	Accepted bool   `json:"accepted"`
	Code     Code   `json:"code,omitempty"`   // refusal code when not accepted
	Reason   string `json:"reason,omitempty"` // human-readable
	Number   string `json:"number,omitempty"` // the E.164 number the phone dials
	// Mode is what the phone does with an accepted request: "call", or
	// "prefill" when it only opens its dialer (a prefill-only backend, or a
	// number that must be confirmed on the phone). Empty means the mode asked.
	Mode call.Mode `json:"mode,omitempty"`
}

// Status reports how an accepted call goes.
type Status struct {
	V          int        `json:"v"`
	ID         string     `json:"id"`  // the DialRequest's id
	Seq        int        `json:"seq"` // 0, 1, 2... per call, to order and drop duplicates
	State      call.State `json:"state"`
	At         int64      `json:"at"`                    // Unix ms
	DurationMS int64      `json:"duration_ms,omitempty"` // for ended: talk time
	Reason     string     `json:"reason,omitempty"`      // for failed
	From       string     `json:"from"`                  // phone ID
}

// Hangup asks a phone to end a call it placed.
type Hangup struct {
	V         int    `json:"v"`
	ID        string `json:"id"`      // new message id
	CallID    string `json:"call_id"` // the DialRequest's id
	IssuedAt  int64  `json:"issued_at"`
	ExpiresAt int64  `json:"expires_at"`
	From      string `json:"from"`
	To        string `json:"to"`
}

// Presence is what a phone agent publishes about itself (NATS micro service
// metadata, not sealed: it holds no secrets).
type Presence struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Backend       string `json:"backend"`
	PlacesCalls   bool   `json:"places_calls"`
	ReportsStates bool   `json:"reports_states"`
	CanHangup     bool   `json:"can_hangup"`
	Version       string `json:"version"`
}

// NewMsgID returns a fresh random message id (32 hex digits).
func NewMsgID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("protocol: no randomness: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// NewDial makes a dial request valid from now for ttl (DefaultTTL if 0,
// at most MaxTTL).
func NewDial(from, to device.ID, target string, mode call.Mode, now time.Time, ttl time.Duration) DialRequest {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if ttl > MaxTTL {
		ttl = MaxTTL
	}
	return DialRequest{
		V: Version, ID: NewMsgID(),
		IssuedAt: now.UnixMilli(), ExpiresAt: now.Add(ttl).UnixMilli(),
		From: from.String(), To: to.String(), Target: target, Mode: mode,
	}
}

// Accept makes the reply that accepts request id; number is what is dialled.
func Accept(id, number string) Reply {
	return Reply{V: Version, ID: id, Accepted: true, Number: number}
}

// Refuse makes the reply that refuses request id.
func Refuse(id string, code Code, reason string) Reply {
	return Reply{V: Version, ID: id, Code: code, Reason: reason}
}

// RefusalCode maps an error from Open, a decoder or CheckTime to the code a
// phone sends back ("" if err says nothing the protocol knows).
func RefusalCode(err error) Code {
	switch {
	case errors.Is(err, ErrVersion):
		return CodeVersion
	case errors.Is(err, ErrMalformed):
		return CodeMalformed
	case errors.Is(err, ErrForged):
		return CodeUnknownSender
	case errors.Is(err, ErrExpired):
		return CodeExpired
	case errors.Is(err, ErrNotYetValid):
		return CodeNotYetValid
	}
	return ""
}

// Compiled on first use, not at package initialisation, which runs for
// every deskdial command (docs/benchmarks.md).
var (
	msgIDRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`) })
	codeRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`) })
)

// Unmarshal decodes one JSON object strictly: at most MaxMessage bytes of
// valid UTF-8, nothing after the object. Unknown fields are ignored, so later
// versions can add optional fields. Errors are ErrMalformed.
func Unmarshal(b []byte, v any) error {
	if len(b) > MaxMessage {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrMalformed, len(b), MaxMessage)
	}
	if !utf8.Valid(b) {
		return fmt.Errorf("%w: not UTF-8", ErrMalformed)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

func checkVersion(v int) error {
	if v != Version {
		return fmt.Errorf("%w %d (this build speaks %d)", ErrVersion, v, Version)
	}
	return nil
}

func checkMsgID(field, id string) error {
	if !validMsgID(id) {
		return fmt.Errorf("%w: %s must be 1-64 letters, digits, '-' or '_'", ErrMalformed, field)
	}
	return nil
}

// checkDevice requires the canonical form, so one device has one spelling
// on the wire and equal strings mean equal devices.
// validMsgID is msgIDRE without the regular expression engine: every
// message is checked, on both sides of a dial.
func validMsgID(id string) bool {
	if len(id) < 1 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

func checkDevice(field, s string) error {
	id, err := device.ParseID(s)
	if err != nil || !id.Spells(s) {
		return fmt.Errorf("%w: %s is not a canonical device ID", ErrMalformed, field)
	}
	return nil
}

// CheckText accepts UTF-8 text of 1..max bytes without control characters.
func checkText(field, s string, max int, required bool) error {
	if s == "" {
		if required {
			return fmt.Errorf("%w: %s is missing", ErrMalformed, field)
		}
		return nil
	}
	if len(s) > max {
		return fmt.Errorf("%w: %s longer than %d bytes", ErrMalformed, field, max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not UTF-8", ErrMalformed, field)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return fmt.Errorf("%w: %s contains control characters", ErrMalformed, field)
		}
	}
	return nil
}

func checkWindow(issued, expires int64) error {
	switch {
	case issued <= 0:
		return fmt.Errorf("%w: issued_at is missing", ErrMalformed)
	case expires <= issued:
		return fmt.Errorf("%w: expires_at is not after issued_at", ErrMalformed)
	case expires-issued > MaxTTL.Milliseconds():
		return fmt.Errorf("%w: valid for %d ms, at most %d", ErrMalformed, expires-issued, MaxTTL.Milliseconds())
	}
	return nil
}

func checkTime(issued, expires int64, now time.Time) error {
	n := now.UnixMilli()
	if n > expires {
		return fmt.Errorf("%w %s ago", ErrExpired, time.Duration(n-expires)*time.Millisecond)
	}
	if issued > n+MaxSkew.Milliseconds() {
		return fmt.Errorf("%w: %s ahead of this clock", ErrNotYetValid, time.Duration(issued-n)*time.Millisecond)
	}
	return nil
}

// Validate checks everything that does not depend on the clock.
func (d DialRequest) Validate() error {
	if err := checkVersion(d.V); err != nil {
		return err
	}
	if err := checkMsgID("id", d.ID); err != nil {
		return err
	}
	if err := checkWindow(d.IssuedAt, d.ExpiresAt); err != nil {
		return err
	}
	if err := checkDevice("from", d.From); err != nil {
		return err
	}
	if err := checkDevice("to", d.To); err != nil {
		return err
	}
	if err := checkText("target", d.Target, MaxTarget, true); err != nil {
		return err
	}
	if d.Mode != call.ModeCall && d.Mode != call.ModePrefill {
		return fmt.Errorf("%w: mode must be %q or %q", ErrMalformed, call.ModeCall, call.ModePrefill)
	}
	return nil
}

// CheckTime refuses a request that has expired (ErrExpired) or was issued
// more than MaxSkew ahead of now (ErrNotYetValid).
func (d DialRequest) CheckTime(now time.Time) error { return checkTime(d.IssuedAt, d.ExpiresAt, now) }

// Expires returns ExpiresAt as a time: a receiver must remember the id
// until then, to refuse replays.
func (d DialRequest) Expires() time.Time { return time.UnixMilli(d.ExpiresAt) }

// Validate checks a reply.
func (r Reply) Validate() error {
	if err := checkVersion(r.V); err != nil {
		return err
	}
	if err := checkMsgID("id", r.ID); err != nil {
		return err
	}
	if r.Accepted && r.Code != "" {
		return fmt.Errorf("%w: an accepted reply has no code", ErrMalformed)
	}
	if !r.Accepted && !codeRE().MatchString(string(r.Code)) {
		return fmt.Errorf("%w: a refusal needs a code of lower-case letters, digits and '_'", ErrMalformed)
	}
	if err := checkText("reason", r.Reason, MaxReason, false); err != nil {
		return err
	}
	if r.Mode != "" && r.Mode != call.ModeCall && r.Mode != call.ModePrefill {
		return fmt.Errorf("%w: unknown mode %q", ErrMalformed, r.Mode)
	}
	return checkText("number", r.Number, 32, false)
}

// Final reports whether no status follows this one.
func (s Status) Final() bool {
	return s.State == call.Ended || s.State == call.Failed || s.State == call.Prefilled
}

// Validate checks a status.
func (s Status) Validate() error {
	if err := checkVersion(s.V); err != nil {
		return err
	}
	if err := checkMsgID("id", s.ID); err != nil {
		return err
	}
	if s.Seq < 0 || s.Seq > 1<<20 {
		return fmt.Errorf("%w: seq out of range", ErrMalformed)
	}
	if !s.State.OnWire() {
		return fmt.Errorf("%w: unknown state %q", ErrMalformed, s.State)
	}
	if s.At <= 0 {
		return fmt.Errorf("%w: at is missing", ErrMalformed)
	}
	if s.DurationMS < 0 {
		return fmt.Errorf("%w: negative duration", ErrMalformed)
	}
	if err := checkText("reason", s.Reason, MaxReason, false); err != nil {
		return err
	}
	return checkDevice("from", s.From)
}

// Validate checks everything that does not depend on the clock.
func (h Hangup) Validate() error {
	if err := checkVersion(h.V); err != nil {
		return err
	}
	if err := checkMsgID("id", h.ID); err != nil {
		return err
	}
	if err := checkMsgID("call_id", h.CallID); err != nil {
		return err
	}
	if err := checkWindow(h.IssuedAt, h.ExpiresAt); err != nil {
		return err
	}
	if err := checkDevice("from", h.From); err != nil {
		return err
	}
	return checkDevice("to", h.To)
}

// CheckTime is DialRequest.CheckTime for a hangup.
func (h Hangup) CheckTime(now time.Time) error { return checkTime(h.IssuedAt, h.ExpiresAt, now) }

// DecodeDial decodes and validates a dial request (not its time: see
// CheckTime).
func DecodeDial(b []byte) (DialRequest, error) {
	var d DialRequest
	if err := Unmarshal(b, &d); err != nil {
		return DialRequest{}, err
	}
	if err := d.Validate(); err != nil {
		return DialRequest{}, err
	}
	return d, nil
}

// DecodeReply decodes and validates a reply.
func DecodeReply(b []byte) (Reply, error) {
	var r Reply
	if err := Unmarshal(b, &r); err != nil {
		return Reply{}, err
	}
	if err := r.Validate(); err != nil {
		return Reply{}, err
	}
	return r, nil
}

// DecodeStatus decodes and validates a status.
func DecodeStatus(b []byte) (Status, error) {
	var s Status
	if err := Unmarshal(b, &s); err != nil {
		return Status{}, err
	}
	if err := s.Validate(); err != nil {
		return Status{}, err
	}
	return s, nil
}

// DecodeHangup decodes and validates a hangup.
func DecodeHangup(b []byte) (Hangup, error) {
	var h Hangup
	if err := Unmarshal(b, &h); err != nil {
		return Hangup{}, err
	}
	if err := h.Validate(); err != nil {
		return Hangup{}, err
	}
	return h, nil
}

// Metadata returns the presence as NATS micro service metadata.
func (p Presence) Metadata() map[string]string {
	return map[string]string{
		"id": p.ID, "name": p.Name, "backend": p.Backend,
		"places_calls":   strconv.FormatBool(p.PlacesCalls),
		"reports_states": strconv.FormatBool(p.ReportsStates),
		"can_hangup":     strconv.FormatBool(p.CanHangup),
		"version":        p.Version,
	}
}

// PresenceFromMetadata reads what Metadata wrote. Missing booleans are
// false; a bad ID, a name with control characters, or a backend or version
// that is not a plain token is ErrMalformed. It does not check the
// signature: see VerifyPresence.
func PresenceFromMetadata(m map[string]string) (Presence, error) {
	p := Presence{
		ID: m["id"], Name: m["name"], Backend: m["backend"], Version: m["version"],
		PlacesCalls: m["places_calls"] == "true", ReportsStates: m["reports_states"] == "true",
		CanHangup: m["can_hangup"] == "true",
	}
	if err := p.check(); err != nil {
		return Presence{}, err
	}
	return p, nil
}

// ServiceName is the NATS micro service phones register as.
const ServiceName = "deskdial-phone"

// SubjectDial is where a phone receives dial requests and hangups:
// "<prefix>.dial.<phoneID>".
func SubjectDial(prefix string, phone device.ID) string { return prefix + ".dial." + phone.String() }

// SubjectStatus is where a desktop receives call states:
// "<prefix>.status.<desktopID>".
func SubjectStatus(prefix string, desktop device.ID) string {
	return prefix + ".status." + desktop.String()
}

// SubjectPair is where a desktop receives pairing joins:
// "<prefix>.pair.<desktopID>".
func SubjectPair(prefix string, desktop device.ID) string {
	return prefix + ".pair." + desktop.String()
}
