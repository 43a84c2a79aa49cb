// Package protocol defines deskdial's wire messages and seals them end to
// end between paired devices. It knows nothing of NATS: the relay only ever
// carries the sealed envelopes made here. docs/protocol.md describes the
// bytes for other implementations.
package protocol

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"
	"golang.org/x/crypto/salsa20/salsa"

	"github.com/deskdial/deskdial/internal/device"
)

// Version is the protocol version this build speaks, in envelopes and in
// every message's "v" field.
const Version = 1

var (
	// ErrMalformed is returned for input that is not a well-formed envelope
	// or message: wrong magic, unknown version or kind, too short or too
	// long, bad JSON, missing or invalid fields.
	ErrMalformed = errors.New("protocol: malformed message")
	// ErrForged is returned when a box does not open: it was changed on the
	// way, or was not sealed by the key the envelope names, or not for us.
	ErrForged = errors.New("protocol: box does not open (tampered or forged)")
	// ErrBadKey is returned for a peer key that is not an x25519 public key
	// usable for sealing.
	ErrBadKey = errors.New("protocol: bad peer key")
)

// Kind says what an envelope carries. It is sent in clear and repeated
// inside the box, where it is authenticated.
type Kind byte

// Kinds.
const (
	KindDial       Kind = 1
	KindReply      Kind = 2
	KindStatus     Kind = 3
	KindHangup     Kind = 4
	KindPairJoin   Kind = 5
	KindPairAccept Kind = 6
	KindRelay      Kind = 7 // a phone asks its desktop to have another phone call
	KindPhones     Kind = 8 // the desktop's list of the other phones online
	KindAnnounce   Kind = 9 // a phone says it came online or is leaving
)

func (k Kind) String() string {
	switch k {
	case KindDial:
		return "dial"
	case KindReply:
		return "reply"
	case KindStatus:
		return "status"
	case KindHangup:
		return "hangup"
	case KindPairJoin:
		return "pair-join"
	case KindPairAccept:
		return "pair-accept"
	case KindRelay:
		return "relay"
	case KindPhones:
		return "phones"
	case KindAnnounce:
		return "announce"
	}
	return fmt.Sprintf("kind(%d)", byte(k))
}

// valid says whether this build knows k. A receiver refuses an envelope
// of any other kind as malformed before it opens the box: that is how a
// desktop older than KindAnnounce drops announcements unread.
func (k Kind) valid() bool { return k >= KindDial && k <= KindAnnounce }

// Envelope layout:
//
//	offset  size  field
//	0       2     magic "DD"
//	2       1     envelope version (1)
//	3       1     kind
//	4       32    sender's raw x25519 public key
//	36      24    nonce
//	60      16+n  NaCl box (Poly1305 tag, then XSalsa20 ciphertext) of
//	              kind byte || JSON message
const (
	magic0, magic1 = 'D', 'D'
	headerLen      = 4 + 32 + 24
	// Overhead is how many bytes an envelope adds to the JSON message.
	Overhead = headerLen + box.Overhead + 1
	// MaxMessage is the largest JSON message accepted.
	MaxMessage = 8 << 10
	// MaxEnvelope is the largest envelope accepted.
	MaxEnvelope = MaxMessage + Overhead
	// maxCachedKeys bounds the shared-key cache, so envelopes from many
	// strangers cannot grow it without end.
	maxCachedKeys = 1024
)

// Box seals messages to peers and opens messages from them with this
// device's x25519 key. The X25519 shared key of each peer is computed once
// and cached: that makes a seal + open about 2 µs instead of the ~180 µs of
// nkeys' Seal/Open, which redo the X25519 step on every call. Safe for
// concurrent use.
type Box struct {
	priv    [32]byte
	pub     [32]byte
	rand    io.Reader
	maxKeys int // bound of the shared-key cache

	mu     sync.RWMutex
	shared map[[32]byte]*peerKey // by the peer's raw key (Open)
	named  map[string]*peerKey   // by the peer's "X..." string (Seal)
}

// peerKey is what a Box keeps per peer: the precomputed box key and the
// peer's key in both spellings, so neither Seal nor Open decodes or encodes
// a key string per message.
type peerKey struct {
	shared [32]byte
	raw    [32]byte
	name   string // "X...", as Open returns it
}

// BoxOption configures a Box.
type BoxOption func(*Box)

// WithRand sets the source of nonces (crypto/rand by default). Only test
// vectors need another one.
func WithRand(r io.Reader) BoxOption { return func(b *Box) { b.rand = r } }

// WithKeyCache keeps the shared keys of up to n peers (1024 by default).
// A box that talks to more peers than it caches computes an X25519 key for
// most messages (about 0.1 ms each): a load test whose one desktop stands
// for the desktops of thousands of phones needs one entry per phone.
func WithKeyCache(n int) BoxOption {
	return func(b *Box) {
		if n > 0 {
			b.maxKeys = n
		}
	}
}

// NewBox returns a Box for the identity's curve key.
func NewBox(self *device.Identity, opts ...BoxOption) *Box {
	b, err := NewBoxFromKP(self.CurveKP(), opts...)
	if err != nil {
		// An Identity always holds a valid curve key pair.
		panic(fmt.Sprintf("protocol: identity without curve key: %v", err))
	}
	return b
}

// NewBoxFromKP returns a Box for an nkeys curve key pair. The x25519 private
// key is the raw curve seed, exactly as nkeys uses it, so the public key
// matches the pair's "X..." string.
func NewBoxFromKP(kp nkeys.KeyPair, opts ...BoxOption) (*Box, error) {
	seed, err := kp.Seed()
	if err != nil {
		return nil, fmt.Errorf("protocol: read curve seed: %w", err)
	}
	pfx, raw, err := nkeys.DecodeSeed(seed)
	if err != nil || pfx != nkeys.PrefixByteCurve || len(raw) != 32 {
		return nil, fmt.Errorf("protocol: not a curve seed: %w", ErrBadKey)
	}
	b := &Box{rand: rand.Reader, maxKeys: maxCachedKeys, shared: map[[32]byte]*peerKey{}, named: map[string]*peerKey{}}
	copy(b.priv[:], raw)
	curve25519.ScalarBaseMult(&b.pub, &b.priv)
	for _, o := range opts {
		o(b)
	}
	return b, nil
}

// PublicKey returns this box's curve key as an nkeys "X..." string.
func (b *Box) PublicKey() string { return encodeCurve(b.pub) }

func encodeCurve(raw [32]byte) string {
	s, _ := nkeys.Encode(nkeys.PrefixByteCurve, raw[:])
	return string(s)
}

func decodeCurve(s string) ([32]byte, error) {
	var k [32]byte
	raw, err := nkeys.Decode(nkeys.PrefixByteCurve, []byte(s))
	if err != nil || len(raw) != 32 || raw[31]&0x80 != 0 {
		return k, fmt.Errorf("%w: %q is not a curve key", ErrBadKey, s)
	}
	copy(k[:], raw)
	return k, nil
}

// sharedKey returns the precomputed NaCl box key for a peer. It is
// box.Precompute, except that it refuses low-order points, whose shared
// secret is known to everyone (curve25519.X25519 checks for them).
func (b *Box) sharedKey(peer [32]byte) (*peerKey, error) {
	b.mu.RLock()
	k := b.shared[peer]
	b.mu.RUnlock()
	if k != nil {
		return k, nil
	}
	dh, err := curve25519.X25519(b.priv[:], peer[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	var in [32]byte
	copy(in[:], dh)
	k = &peerKey{raw: peer, name: encodeCurve(peer)}
	salsa.HSalsa20(&k.shared, &[16]byte{}, &in, &salsa.Sigma)
	b.mu.Lock()
	if len(b.shared) >= b.maxKeys {
		for old, ok := range b.shared { // drop an arbitrary entry
			delete(b.shared, old)
			delete(b.named, ok.name)
			break
		}
	}
	b.shared[peer] = k
	b.named[k.name] = k
	b.mu.Unlock()
	return k, nil
}

// keyFor returns the peer key entry for a peer's "X..." string.
func (b *Box) keyFor(peerCurvePub string) (*peerKey, error) {
	b.mu.RLock()
	k := b.named[peerCurvePub]
	b.mu.RUnlock()
	if k != nil {
		return k, nil
	}
	peer, err := decodeCurve(peerCurvePub)
	if err != nil {
		return nil, err
	}
	return b.sharedKey(peer)
}

// Forget drops the cached shared key of a peer, e.g. after unpairing.
func (b *Box) Forget(peerCurvePub string) {
	if k, err := decodeCurve(peerCurvePub); err == nil {
		b.mu.Lock()
		if e := b.shared[k]; e != nil {
			delete(b.named, e.name)
		}
		delete(b.shared, k)
		b.mu.Unlock()
	}
}

// plainPool holds the buffers Seal encodes messages into before sealing.
var plainPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Seal encodes msg as JSON (a []byte or json.RawMessage is taken as already
// encoded) and seals it for the peer with curve key peerCurvePub.
func (b *Box) Seal(kind Kind, msg any, peerCurvePub string) ([]byte, error) {
	if !kind.valid() {
		return nil, fmt.Errorf("seal: %w: unknown kind %d", ErrMalformed, kind)
	}
	// The box holds the kind byte, then the JSON message: encode straight
	// after the kind byte in a pooled buffer, so a seal allocates only the
	// envelope it returns.
	buf := plainPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 2*MaxMessage { // an oversized message's buffer is not kept
			plainPool.Put(buf)
		}
	}()
	buf.Reset()
	buf.WriteByte(byte(kind))
	switch m := msg.(type) {
	case []byte:
		buf.Write(m)
	case json.RawMessage:
		buf.Write(m)
	default:
		// Encode writes what Marshal returns, and a newline.
		if err := json.NewEncoder(buf).Encode(msg); err != nil {
			return nil, fmt.Errorf("seal %s: %w", kind, err)
		}
		buf.Truncate(buf.Len() - 1)
	}
	plain := buf.Bytes()
	if len(plain)-1 > MaxMessage {
		return nil, fmt.Errorf("seal %s: %w: %d bytes, at most %d", kind, ErrMalformed, len(plain)-1, MaxMessage)
	}
	key, err := b.keyFor(peerCurvePub)
	if err != nil {
		return nil, fmt.Errorf("seal %s: %w", kind, err)
	}
	out := make([]byte, headerLen, headerLen+box.Overhead+len(plain))
	out[0], out[1], out[2], out[3] = magic0, magic1, Version, byte(kind)
	copy(out[4:36], b.pub[:])
	var nonce [24]byte
	if _, err := io.ReadFull(b.rand, nonce[:]); err != nil {
		return nil, fmt.Errorf("seal %s: read nonce: %w", kind, err)
	}
	copy(out[36:60], nonce[:])
	return box.SealAfterPrecomputation(out, plain, &nonce, &key.shared), nil
}

// Open checks and opens an envelope. It returns the kind, the sender's curve
// key ("X...", proven by the box: look it up among the paired devices) and
// the JSON message. It never panics, whatever data holds: anything that is
// not an envelope is ErrMalformed, a box that does not open is ErrForged.
func (b *Box) Open(data []byte) (kind Kind, senderCurvePub string, plaintext []byte, err error) {
	kind, sender, err := parseHeader(data)
	if err != nil {
		return 0, "", nil, err
	}
	key, err := b.sharedKey(sender)
	if err != nil {
		return 0, "", nil, fmt.Errorf("open %s: %w", kind, ErrForged)
	}
	var nonce [24]byte
	copy(nonce[:], data[36:60])
	plain, ok := box.OpenAfterPrecomputation(nil, data[headerLen:], &nonce, &key.shared)
	if !ok {
		return 0, "", nil, fmt.Errorf("open %s: %w", kind, ErrForged)
	}
	if len(plain) < 1 || Kind(plain[0]) != kind {
		// The clear kind byte was changed to make us read one message
		// as another.
		return 0, "", nil, fmt.Errorf("open %s: %w: kind in the box differs", kind, ErrForged)
	}
	return kind, key.name, plain[1:], nil
}

// Peek returns the kind and the sender's curve key of an envelope without
// opening it, to pick the right peer or drop strangers cheaply.
func Peek(data []byte) (Kind, string, error) {
	k, s, err := parseHeader(data)
	if err != nil {
		return 0, "", err
	}
	return k, encodeCurve(s), nil
}

func parseHeader(data []byte) (Kind, [32]byte, error) {
	var sender [32]byte
	switch {
	case len(data) < headerLen+box.Overhead+1:
		return 0, sender, fmt.Errorf("%w: envelope of %d bytes is too short", ErrMalformed, len(data))
	case len(data) > MaxEnvelope:
		return 0, sender, fmt.Errorf("%w: envelope of %d bytes is too long", ErrMalformed, len(data))
	case data[0] != magic0 || data[1] != magic1:
		return 0, sender, fmt.Errorf("%w: not a deskdial envelope", ErrMalformed)
	case data[2] != Version:
		return 0, sender, fmt.Errorf("%w: envelope version %d, this build speaks %d", ErrMalformed, data[2], Version)
	case !Kind(data[3]).valid():
		return 0, sender, fmt.Errorf("%w: unknown kind %d", ErrMalformed, data[3])
	case data[35]&0x80 != 0:
		// X25519 ignores the top bit, so two spellings would name the
		// same key; allow only the canonical one.
		return 0, sender, fmt.Errorf("%w: sender key not in canonical form", ErrMalformed)
	}
	copy(sender[:], data[4:36])
	return Kind(data[3]), sender, nil
}
