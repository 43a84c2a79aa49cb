// Package pairing makes and checks pairing offers and the messages two
// devices exchange to pair. It moves no bytes itself: the offer travels out
// of band (QR code or copied URI), the join and accept messages travel sealed
// (see protocol) over whatever transport the caller has.
package pairing

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/deskdial/deskdial/internal/device"
)

// OfferTTL is how long an offer can be used.
const OfferTTL = 10 * time.Minute

// Limits of an offer.
const (
	SecretLen     = 16 // bytes of the one-time secret
	MaxServers    = 8
	MaxServerLen  = 256
	MaxOfferLen   = 4096 // bytes of an offer URI
	MaxLoginLen   = 2048 // bytes of a pairing login
	clockSkew     = 2 * time.Minute
	checksumBytes = 5 // 8 base32 characters
	// Scheme is the URI scheme of offers: deskdial://pair?...
	Scheme = "deskdial"
)

var (
	// ErrBadOffer is returned for an offer that cannot be read, or that
	// was changed (its checksum does not match).
	ErrBadOffer = errors.New("pairing: bad offer")
	// ErrExpired is returned for an offer that is out of date.
	ErrExpired = errors.New("pairing: offer expired")
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Offer is what a desktop shows so a phone can pair with it.
type Offer struct {
	DesktopID device.ID
	Name      string   // the desktop's name
	SignPub   string   // the desktop's ed25519 key, "U..."
	CurvePub  string   // the desktop's x25519 key, "X..."
	Servers   []string // NATS URLs the phone may use, best first
	CertFP    string   // SHA-256 of the embedded server's TLS certificate, 64 lower-case hex digits; empty for a hosted server
	Secret    []byte   // one-time secret, SecretLen bytes
	Expires   time.Time
	// Login is a bearer JWT for a hosted relay that can only send this
	// desktop a pairing request, valid until the offer expires; "" on the
	// embedded server (it has its own pairing login).
	Login string
}

// NewOffer makes a fresh offer for the identity, valid OfferTTL from now.
func NewOffer(id *device.Identity, name string, servers []string, certFP string, now time.Time) (Offer, error) {
	o := Offer{
		DesktopID: id.ID, Name: name, SignPub: id.SignPub, CurvePub: id.CurvePub,
		Servers: append([]string(nil), servers...), CertFP: normFP(certFP),
		Secret: make([]byte, SecretLen), Expires: now.Add(OfferTTL).Truncate(time.Second),
	}
	if _, err := rand.Read(o.Secret); err != nil {
		return Offer{}, fmt.Errorf("pairing: make secret: %w", err)
	}
	if err := o.validate(); err != nil {
		return Offer{}, err
	}
	return o, nil
}

// OfferID names an offer without revealing its secret: the first 8 bytes of
// SHA-256(secret), hex. A join says which offer it answers with it.
func (o Offer) OfferID() string { return offerID(o.Secret) }

func offerID(secret []byte) string {
	s := sha256.Sum256(secret)
	return hex.EncodeToString(s[:8])
}

// Peer returns the desktop as a paired device, for the phone's registry.
func (o Offer) Peer(now time.Time) device.Peer {
	p := device.Peer{
		ID: o.DesktopID, Name: o.Name, Role: device.RoleDesktop,
		SignPub: o.SignPub, CurvePub: o.CurvePub, AddedAt: now.UTC(), CertFP: o.CertFP,
	}
	if len(o.Servers) > 0 {
		p.Server = o.Servers[0]
	}
	return p
}

// CheckExpiry returns ErrExpired if the offer cannot be used at now.
func (o Offer) CheckExpiry(now time.Time) error {
	if now.After(o.Expires) {
		return fmt.Errorf("%w at %s; make a new one with `deskdial pair`", ErrExpired, o.Expires.Local().Format("15:04:05"))
	}
	return nil
}

// URI returns the offer as deskdial://pair?v=1&id=...&n=...&k=...&x=...
// &s=...&fp=...&t=...&e=...&c=... . c is a checksum over all fields, so a
// typo or a change is detected.
func (o Offer) URI() string {
	var b strings.Builder
	b.WriteString(Scheme + "://pair?v=1")
	add := func(k, v string) {
		b.WriteString("&" + k + "=" + url.QueryEscape(v))
	}
	add("id", o.DesktopID.String())
	add("n", o.Name)
	add("k", o.SignPub)
	add("x", o.CurvePub)
	for _, s := range o.Servers {
		add("s", s)
	}
	if o.CertFP != "" {
		add("fp", o.CertFP)
	}
	if o.Login != "" {
		add("l", o.Login)
	}
	add("t", b32.EncodeToString(o.Secret))
	add("e", strconv.FormatInt(o.Expires.Unix(), 10))
	add("c", o.checksum())
	return b.String()
}

// checksum covers every field in a fixed order, each length-prefixed, so
// the URI's encoding (percent escapes, parameter order) does not matter. It
// catches typos only: anyone can recompute it. Tampering is caught by the
// join and accept proofs, which cover Digest.
func (o Offer) checksum() string {
	return b32.EncodeToString(o.Digest()[:checksumBytes])
}

// Digest is SHA-256 over every field of the offer: the label
// "deskdial-offer-v1", then id, n, k, x, the decimal count of servers, each
// server, fp, the raw secret, the decimal expiry (Unix seconds), and, only
// when there is a pairing login, "login" and the login; each field as
// uvarint(length) + bytes. The checksum is its first bytes; the join and
// accept proofs cover all of it, so a changed server, fingerprint, key,
// name or expiry makes them fail.
func (o Offer) Digest() []byte {
	h := sha256.New()
	h.Write([]byte("deskdial-offer-v1"))
	fields := []string{o.DesktopID.String(), o.Name, o.SignPub, o.CurvePub}
	fields = append(fields, strconv.Itoa(len(o.Servers)))
	fields = append(fields, o.Servers...)
	fields = append(fields, o.CertFP, string(o.Secret), strconv.FormatInt(o.Expires.Unix(), 10))
	if o.Login != "" { // only then, so offers without one keep their checksums
		fields = append(fields, "login", o.Login)
	}
	for _, f := range fields {
		h.Write(binary.AppendUvarint(nil, uint64(len(f))))
		h.Write([]byte(f))
	}
	return h.Sum(nil)
}

// ParseOffer reads an offer URI and checks it against the current time.
func ParseOffer(s string) (Offer, error) { return ParseOfferAt(s, time.Now()) }

// ParseOfferAt reads an offer URI: any error is ErrBadOffer, except an offer
// that is out of date at now, which is ErrExpired.
func ParseOfferAt(s string, now time.Time) (Offer, error) {
	o, err := parseOffer(s)
	if err != nil {
		return Offer{}, err
	}
	if err := o.CheckExpiry(now); err != nil {
		return Offer{}, err
	}
	if o.Expires.After(now.Add(OfferTTL + clockSkew)) {
		return Offer{}, fmt.Errorf("%w: it claims to be valid until %s, longer than any offer is (check this device's clock)", ErrBadOffer, o.Expires.Local().Format(time.DateTime))
	}
	return o, nil
}

func bad(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadOffer}, a...)...)
}

func parseOffer(s string) (Offer, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxOfferLen {
		return Offer{}, bad("longer than %d bytes", MaxOfferLen)
	}
	u, err := url.Parse(s)
	if err != nil {
		return Offer{}, bad("not a URI")
	}
	if !strings.EqualFold(u.Scheme, Scheme) || !strings.EqualFold(u.Host, "pair") || (u.Path != "" && u.Path != "/") {
		return Offer{}, bad("it must start with %s://pair?", Scheme)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Offer{}, bad("cannot read its parameters: %v", err)
	}
	one := func(k string, required bool) (string, error) {
		v := q[k]
		switch {
		case len(v) > 1:
			return "", bad("parameter %q given %d times", k, len(v))
		case len(v) == 0 && required:
			return "", bad("parameter %q is missing (was the offer cut off?)", k)
		case len(v) == 0:
			return "", nil
		}
		return v[0], nil
	}
	var f [10]string
	for i, k := range []string{"v", "id", "n", "k", "x", "fp", "t", "e", "c", "l"} {
		if f[i], err = one(k, k != "fp" && k != "l"); err != nil {
			return Offer{}, err
		}
	}
	if f[0] != "1" {
		return Offer{}, bad("version %q; this deskdial understands version 1 (update it?)", f[0])
	}
	var o Offer
	if o.DesktopID, err = device.ParseID(f[1]); err != nil {
		return Offer{}, bad("desktop ID: %v", err)
	}
	o.Name, o.SignPub, o.CurvePub = f[2], f[3], f[4]
	o.Servers = q["s"]
	o.CertFP = normFP(f[5])
	if o.Secret, err = b32.DecodeString(strings.ToUpper(f[6])); err != nil || len(o.Secret) != SecretLen {
		return Offer{}, bad("secret is not %d bytes of base32", SecretLen)
	}
	exp, err := strconv.ParseInt(f[7], 10, 64)
	if err != nil || exp <= 0 || exp > 1<<40 {
		return Offer{}, bad("expiry %q is not a time", f[7])
	}
	o.Expires = time.Unix(exp, 0)
	o.Login = f[9]
	if err := o.validate(); err != nil {
		return Offer{}, err
	}
	if !strings.EqualFold(f[8], o.checksum()) {
		return Offer{}, bad("checksum does not match: the offer was mistyped or changed; copy it again")
	}
	return o, nil
}

func normFP(s string) string { return strings.ToLower(strings.ReplaceAll(s, ":", "")) }

func (o Offer) validate() error {
	if err := device.ValidateName(o.Name); err != nil {
		return bad("desktop name: %v", err)
	}
	id, err := device.IDFromKey(o.SignPub)
	if err != nil {
		return bad("desktop signing key is not an nkeys user key")
	}
	if id != o.DesktopID {
		return bad("desktop ID does not belong to its key")
	}
	if !nkeys.IsValidPublicCurveKey(o.CurvePub) {
		return bad("desktop curve key is not an nkeys curve key")
	}
	if len(o.Servers) > MaxServers {
		return bad("more than %d servers", MaxServers)
	}
	for _, s := range o.Servers {
		if err := checkServer(s); err != nil {
			return err
		}
	}
	if o.CertFP != "" {
		if b, err := hex.DecodeString(o.CertFP); err != nil || len(b) != sha256.Size {
			return bad("certificate fingerprint is not a SHA-256 in hex")
		}
	}
	if len(o.Secret) != SecretLen {
		return bad("secret is not %d bytes", SecretLen)
	}
	if len(o.Login) > MaxLoginLen || strings.Trim(o.Login, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != "" {
		return bad("pairing login is not a JWT of at most %d bytes", MaxLoginLen)
	}
	return nil
}

func checkServer(s string) error {
	if len(s) == 0 || len(s) > MaxServerLen {
		return bad("server address empty or longer than %d bytes", MaxServerLen)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return bad("server %q is not a URL", s)
	}
	switch u.Scheme {
	case "nats", "tls", "ws", "wss":
	default:
		return bad("server %q: scheme must be nats, tls, ws or wss", s)
	}
	if u.User != nil {
		return bad("server %q carries credentials", s)
	}
	return nil
}
