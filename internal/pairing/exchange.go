package pairing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/protocol"
)

var (
	// ErrUnknownOffer is returned for a join that answers no outstanding
	// offer of this desktop (cancelled, or never made here).
	ErrUnknownOffer = errors.New("pairing: no such offer")
	// ErrReused is returned for a join to an offer that was already used.
	ErrReused = errors.New("pairing: offer already used")
	// ErrBadProof is returned when a join or accept does not prove
	// knowledge of the offer's secret.
	// A proof also covers every field of the offer, so an offer changed
	// on the way (another server, certificate or key) fails here too.
	ErrBadProof = errors.New("pairing: proof does not match the offer")
	// ErrKeyMismatch is returned when the keys in a message do not belong
	// together: a phone ID that is not its key's, a join not sealed by the
	// curve key it names, or a bad signature.
	ErrKeyMismatch = errors.New("pairing: keys do not match")
	// ErrBadMessage is returned for a join or accept that is malformed.
	ErrBadMessage = errors.New("pairing: malformed message")
)

// MaxCaps is the largest capabilities document a join may carry.
const MaxCaps = 2048

// maxBadProofs is how many wrong proofs an offer takes before it is burned.
const maxBadProofs = 3

// Join is the phone's answer to an offer, sealed to the desktop (kind
// protocol.KindPairJoin) and sent to protocol.SubjectPair.
type Join struct {
	V        int             `json:"v"`
	OfferID  string          `json:"offer"` // Offer.OfferID()
	PhoneID  string          `json:"phone_id"`
	Name     string          `json:"name"`
	SignPub  string          `json:"sign_pub"`
	CurvePub string          `json:"curve_pub"`
	Caps     json.RawMessage `json:"caps,omitempty"`
	Proof    []byte          `json:"proof"` // HMAC-SHA256(secret, join fields)
	Sig      []byte          `json:"sig"`   // ed25519 by SignPub over the same fields
}

// Accept is the desktop's answer to a valid join, sealed to the phone (kind
// protocol.KindPairAccept) as the reply.
type Accept struct {
	V         int    `json:"v"`
	OfferID   string `json:"offer"`
	DesktopID string `json:"desktop_id"`
	PhoneID   string `json:"phone_id"`
	Name      string `json:"name"`
	Server    string `json:"server,omitempty"` // the server the phone should use from now on
	// Creds is the phone's user JWT for a hosted relay, issued by the
	// desktop for the phone's own key; "" on the embedded server.
	Creds string `json:"creds,omitempty"`
	Proof []byte `json:"proof"` // HMAC-SHA256(secret, accept fields)
}

// fields encodes strings with a label, each length-prefixed (uvarint), so
// no two different messages give the same bytes.
func fields(label string, fs ...string) []byte {
	b := []byte(label)
	for _, f := range fs {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// Labels of the proofs. v2: the proofs cover the offer's Digest, so an
// offer changed on the way (servers, fingerprint, keys, expiry) cannot pair.
const (
	joinLabel   = "deskdial-pair-join-v2"
	acceptLabel = "deskdial-pair-accept-v2"
)

// signed is what the join's proof and signature cover: the join's fields
// and the digest of the offer as the phone read it.
func (j Join) signed(o Offer) []byte {
	return fields(joinLabel, j.OfferID, o.DesktopID.String(), j.PhoneID, j.Name, j.SignPub, j.CurvePub, string(j.Caps), string(o.Digest()))
}

// signed is what the accept's proof covers: its fields and the digest of
// the offer as the desktop showed it.
func (a Accept) signed(o Offer) []byte {
	return fields(acceptLabel, a.OfferID, a.DesktopID, a.PhoneID, a.Name, a.Server, a.Creds, string(o.Digest()))
}

func mac(secret, msg []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write(msg)
	return h.Sum(nil)
}

// MakeJoin answers an offer as the phone self, named name, with
// capabilities caps (anything that encodes to a JSON object, or nil).
func MakeJoin(o Offer, self *device.Identity, name string, caps any) (Join, error) {
	if err := device.ValidateName(name); err != nil {
		return Join{}, fmt.Errorf("%w: phone name: %v", ErrBadMessage, err)
	}
	j := Join{
		V: protocol.Version, OfferID: o.OfferID(), PhoneID: self.ID.String(),
		Name: name, SignPub: self.SignPub, CurvePub: self.CurvePub,
	}
	if caps != nil {
		raw, err := json.Marshal(caps)
		if err != nil {
			return Join{}, fmt.Errorf("pairing: encode capabilities: %w", err)
		}
		if len(raw) > MaxCaps {
			return Join{}, fmt.Errorf("%w: capabilities larger than %d bytes", ErrBadMessage, MaxCaps)
		}
		j.Caps = raw
	}
	msg := j.signed(o)
	j.Proof = mac(o.Secret, msg)
	sig, err := self.Sign(msg)
	if err != nil {
		return Join{}, fmt.Errorf("pairing: sign join: %w", err)
	}
	j.Sig = sig
	return j, nil
}

// DecodeJoin decodes a join opened from its envelope.
func DecodeJoin(b []byte) (Join, error) {
	var j Join
	if err := protocol.Unmarshal(b, &j); err != nil {
		return Join{}, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	if j.V != protocol.Version {
		return Join{}, fmt.Errorf("%w: version %d", ErrBadMessage, j.V)
	}
	if len(j.Caps) > MaxCaps {
		return Join{}, fmt.Errorf("%w: capabilities larger than %d bytes", ErrBadMessage, MaxCaps)
	}
	return j, nil
}

// DecodeAccept decodes an accept opened from its envelope.
func DecodeAccept(b []byte) (Accept, error) {
	var a Accept
	if err := protocol.Unmarshal(b, &a); err != nil {
		return Accept{}, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	if a.V != protocol.Version {
		return Accept{}, fmt.Errorf("%w: version %d", ErrBadMessage, a.V)
	}
	return a, nil
}

// MakeAccept answers a verified join as the desktop self, named name; the
// phone keeps using the offer's server.
func MakeAccept(o Offer, self *device.Identity, name string, j Join) Accept {
	return makeAccept(o, self.ID.String(), name, j.PhoneID, "")
}

// MakeAcceptServer is MakeAccept naming the server the phone should use.
func MakeAcceptServer(o Offer, self *device.Identity, name string, j Join, server string) Accept {
	return makeAccept(o, self.ID.String(), name, j.PhoneID, server)
}

func makeAccept(o Offer, desktopID, name, phoneID, server string) Accept {
	a := Accept{V: protocol.Version, OfferID: o.OfferID(), DesktopID: desktopID, PhoneID: phoneID, Name: name, Server: server}
	a.Proof = mac(o.Secret, a.signed(o))
	return a
}

// WithCreds returns a with the phone's relay credentials and the proof
// made again over them.
func (a Accept) WithCreds(o Offer, creds string) Accept {
	a.Creds = creds
	a.Proof = mac(o.Secret, a.signed(o))
	return a
}

// VerifyAccept checks, on the phone, that the accept comes from the
// desktop of the offer and that it knew the offer's secret.
func VerifyAccept(o Offer, a Accept) error {
	if a.DesktopID != o.DesktopID.String() || a.OfferID != o.OfferID() {
		return fmt.Errorf("verify accept: %w: it answers another desktop or offer (was the offer changed on the way?)", ErrKeyMismatch)
	}
	if !hmac.Equal(a.Proof, mac(o.Secret, a.signed(o))) {
		return fmt.Errorf("verify accept: %w: the desktop showed another offer than this one, so it was changed on the way; do not use it, make a new one on the desktop", ErrBadProof)
	}
	if a.Server != "" {
		if err := checkServer(a.Server); err != nil {
			return fmt.Errorf("verify accept: %w", err)
		}
	}
	return nil
}

type pendingOffer struct {
	offer     Offer
	used      bool
	badProofs int
}

// Pending holds a desktop's outstanding offers. Each can be used once, until
// it expires. Safe for concurrent use.
type Pending struct {
	mu     sync.Mutex
	offers map[string]*pendingOffer
}

// NewPending returns an empty set of offers.
func NewPending() *Pending { return &Pending{offers: map[string]*pendingOffer{}} }

// Add makes o usable.
func (p *Pending) Add(o Offer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.offers == nil {
		p.offers = map[string]*pendingOffer{}
	}
	p.offers[o.OfferID()] = &pendingOffer{offer: o}
}

// Cancel withdraws an offer (the pairing window was closed).
func (p *Pending) Cancel(o Offer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.offers, o.OfferID())
}

// Prune drops offers that expired before now, and returns how many remain.
func (p *Pending) Prune(now time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, po := range p.offers {
		if now.After(po.offer.Expires.Add(OfferTTL)) {
			delete(p.offers, k)
		}
	}
	return len(p.offers)
}

// Verify checks a join that arrived sealed by senderCurvePub. On success the
// offer is used up and the phone is returned as a peer to store. Errors:
// ErrBadMessage, ErrUnknownOffer, ErrReused, ErrExpired, ErrBadProof,
// ErrKeyMismatch. After maxBadProofs wrong proofs the offer is burned.
func (p *Pending) Verify(j Join, senderCurvePub string, now time.Time) (device.Peer, Offer, error) {
	phoneID, err := device.ParseID(j.PhoneID)
	if err != nil || phoneID.String() != j.PhoneID {
		return device.Peer{}, Offer{}, fmt.Errorf("verify join: %w: phone ID %q", ErrBadMessage, j.PhoneID)
	}
	peer := device.Peer{
		ID: phoneID, Name: j.Name, Role: device.RolePhone,
		SignPub: j.SignPub, CurvePub: j.CurvePub, AddedAt: now.UTC(), Caps: j.Caps,
	}
	if err := peer.Validate(); err != nil {
		if errors.Is(err, device.ErrBadPeer) && j.SignPub != "" {
			if id, kerr := device.IDFromKey(j.SignPub); kerr == nil && id != phoneID {
				return device.Peer{}, Offer{}, fmt.Errorf("verify join: %w: phone ID is not its key's", ErrKeyMismatch)
			}
		}
		return device.Peer{}, Offer{}, fmt.Errorf("verify join: %w: %v", ErrBadMessage, err)
	}
	if err := checkCaps(j.Caps); err != nil {
		return device.Peer{}, Offer{}, fmt.Errorf("verify join: %w", err)
	}
	if j.CurvePub != senderCurvePub {
		return device.Peer{}, Offer{}, fmt.Errorf("verify join: %w: sealed by another key than the one it names", ErrKeyMismatch)
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	po := p.offers[j.OfferID]
	switch {
	case po == nil:
		return device.Peer{}, Offer{}, fmt.Errorf("verify join: %w", ErrUnknownOffer)
	case po.used:
		return device.Peer{}, Offer{}, fmt.Errorf("verify join: %w; make a new one with `deskdial pair`", ErrReused)
	}
	if err := po.offer.CheckExpiry(now); err != nil {
		return device.Peer{}, Offer{}, fmt.Errorf("verify join: %w", err)
	}
	msg := j.signed(po.offer)
	if !hmac.Equal(j.Proof, mac(po.offer.Secret, msg)) {
		po.badProofs++
		if po.badProofs >= maxBadProofs {
			po.used = true
		}
		return device.Peer{}, Offer{}, fmt.Errorf("verify join: %w: the phone used an offer that was changed on the way (server, certificate, keys, name or expiry) or has the wrong secret; make a new one with `deskdial pair`", ErrBadProof)
	}
	if err := device.Verify(j.SignPub, msg, j.Sig); err != nil {
		return device.Peer{}, Offer{}, fmt.Errorf("verify join: %w: signature does not match the phone's key", ErrKeyMismatch)
	}
	po.used = true
	return peer, po.offer, nil
}
