package protocol

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"sync"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/textsafe"
)

// Presence travels unsealed (the answer to a presence ping on the phone's
// dial subject, or NATS micro service metadata from older phones), so whoever runs
// the relay can answer a discovery request in a phone's name with any text.
// The phone therefore signs its presence with its ed25519 key, and a
// desktop shows a presence's fields only when the signature verifies with
// the key it stored at pairing (VerifyPresence).

// presenceSigKey is the metadata key of the signature.
const presenceSigKey = "sig"

// MaxVersionLen bounds a presence's version string.
const MaxVersionLen = 64

// Compiled on first use, not at package initialisation, which runs for
// every deskdial command (docs/benchmarks.md).
var (
	backendRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`) })
	versionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+_~-]*$`) })
)

// CheckBackend accepts a dialer backend name: a short lower-case token.
func CheckBackend(s string) error {
	if s != "" && !backendRE().MatchString(s) {
		return fmt.Errorf("%w: backend %q is not a backend name (a-z, 0-9, _ and -, at most 32)", ErrMalformed, textsafe.Terminal(s))
	}
	return nil
}

func (p Presence) check() error {
	if err := checkDevice("id", p.ID); err != nil {
		return err
	}
	if err := textsafe.Check(p.Name, device.MaxNameLen); err != nil {
		return fmt.Errorf("%w: name: %v", ErrMalformed, err)
	}
	if err := CheckBackend(p.Backend); err != nil {
		return err
	}
	if p.Version != "" && (len(p.Version) > MaxVersionLen || !versionRE().MatchString(p.Version)) {
		return fmt.Errorf("%w: version %q is not a version", ErrMalformed, textsafe.Terminal(p.Version))
	}
	return nil
}

// signed is what the phone signs: every field, each length-prefixed, so
// no two presences give the same bytes.
func (p Presence) signed() []byte {
	b := []byte("deskdial-presence-v1")
	for _, f := range []string{p.ID, p.Name, p.Backend, strconv.FormatBool(p.PlacesCalls),
		strconv.FormatBool(p.ReportsStates), strconv.FormatBool(p.CanHangup), p.Version} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// SignedMetadata is Metadata with the phone's signature over every field
// under "sig" (base64).
func (p Presence) SignedMetadata(id *device.Identity) (map[string]string, error) {
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("sign presence: %w", err)
	}
	sig, err := id.Sign(p.signed())
	if err != nil {
		return nil, fmt.Errorf("sign presence: %w", err)
	}
	m := p.Metadata()
	m[presenceSigKey] = base64.StdEncoding.EncodeToString(sig)
	return m, nil
}

// VerifyPresence reads a presence (PresenceFromMetadata) and checks its
// signature against signPub, the key of the paired phone it names. A
// missing or wrong signature is ErrForged: the fields may come from anyone
// on the relay and must not be shown.
func VerifyPresence(m map[string]string, signPub string) (Presence, error) {
	p, err := PresenceFromMetadata(m)
	if err != nil {
		return Presence{}, err
	}
	sig, err := base64.StdEncoding.DecodeString(m[presenceSigKey])
	if err != nil || len(sig) == 0 {
		return Presence{}, fmt.Errorf("%w: presence of %s is not signed", ErrForged, p.ID)
	}
	if id, err := device.IDFromKey(signPub); err != nil || id.String() != p.ID {
		return Presence{}, fmt.Errorf("%w: presence of %s checked against another device's key", ErrForged, p.ID)
	}
	if err := device.Verify(signPub, p.signed(), sig); err != nil {
		return Presence{}, fmt.Errorf("%w: presence of %s: %v", ErrForged, p.ID, err)
	}
	return p, nil
}

// MaxPresenceAnswer bounds a presence answer: every field at its longest,
// escaped, is well under it.
const MaxPresenceAnswer = 4096

// IsPresencePing says whether a message on a dial subject is a presence
// ping: an empty request, which no envelope can be.
func IsPresencePing(data []byte) bool { return len(data) == 0 }

// SignedAnswer is the phone's answer to a presence ping: its signed
// metadata (SignedMetadata) as one JSON object of strings.
func (p Presence) SignedAnswer(id *device.Identity) ([]byte, error) {
	m, err := p.SignedMetadata(id)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("sign presence: %w", err)
	}
	return b, nil
}

// MetadataFromAnswer reads a presence answer into the metadata that
// VerifyPresence checks. It reads only the shape (a bounded JSON object
// of strings); the fields are checked by VerifyPresence.
func MetadataFromAnswer(b []byte) (map[string]string, error) {
	if len(b) > MaxPresenceAnswer {
		return nil, fmt.Errorf("%w: presence answer of %d bytes is too long", ErrMalformed, len(b))
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: presence answer is not a JSON object of strings", ErrMalformed)
	}
	return m, nil
}
