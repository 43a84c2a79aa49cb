// Package mint issues deskdial device credentials with an account's role
// signing keys: a desktop that holds its account's phone and pairing keys
// (they come in its .creds file from `deskdial admin add-desktop`) issues a
// phone's credentials while pairing, so nobody hands out .creds files. It
// has no NATS connection of its own, so the desktop, the phone agent and
// the relay admin can all use it.
package mint

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	"github.com/deskdial/deskdial/internal/device"
)

// Roles of device credentials. Each has its own signing key in the
// account, so a leaked key can only make users with that role's permissions.
const (
	RoleDesktop = "desktop"
	RolePhone   = "phone"
	RolePair    = "pair" // one-off login that can only send a pairing request
)

// CredsTTL is how long device credentials last before they must be issued
// again; a lost device is revoked, and forgotten ones run out.
const CredsTTL = 365 * 24 * time.Hour

// PhoneTTL is how long a phone's credentials issued while pairing last.
const PhoneTTL = CredsTTL

// Sentinel errors.
var (
	ErrBadCreds  = errors.New("mint: bad credentials")
	ErrNoRoleKey = errors.New("mint: credentials carry no signing key for this role")
)

// RoleBlock is a signing seed as a decorated block appended to a .creds
// file; nats.go reads the JWT and seed blocks before it and ignores it.
func RoleBlock(role, seed string) []byte {
	tag := "DESKDIAL " + strings.ToUpper(role) + " SIGNING KEY"
	return []byte(fmt.Sprintf("-----BEGIN %s-----\n%s\n------END %s------\n\n", tag, seed, tag))
}

var blockRE = regexp.MustCompile(`-----BEGIN DESKDIAL ([A-Z]+) SIGNING KEY-----\r?\n\s*(S[A-Z0-9]+)\s*\r?\n`)

// Minter issues phone and pairing credentials on a desktop, with the
// signing keys that came in the desktop's .creds file.
type Minter struct {
	account string
	keys    map[string]nkeys.KeyPair
	now     func() time.Time
}

// FromCreds reads the signing keys appended to a desktop's .creds
// file by `deskdial admin add-desktop`. ErrNoRoleKey if there are none
// (plain .creds from elsewhere: phones then need their own).
func FromCreds(creds []byte) (*Minter, error) {
	tok, err := nkeys.ParseDecoratedJWT(creds)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCreds, err)
	}
	uc, err := jwt.DecodeUserClaims(tok)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCreds, err)
	}
	acct := uc.IssuerAccount
	if acct == "" {
		acct = uc.Issuer
	}
	m := &Minter{account: acct, keys: map[string]nkeys.KeyPair{}, now: time.Now}
	for _, b := range blockRE.FindAllSubmatch(creds, -1) {
		kp, err := nkeys.FromSeed(b[2])
		if err != nil {
			return nil, fmt.Errorf("%w: %s signing key: %v", ErrBadCreds, strings.ToLower(string(b[1])), err)
		}
		m.keys[strings.ToLower(string(b[1]))] = kp
	}
	if m.keys[RolePhone] == nil {
		return nil, ErrNoRoleKey
	}
	return m, nil
}

// FromFile reads a .creds file; see FromCreds.
func FromFile(path string) (*Minter, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mint: read %s: %w", path, err)
	}
	return FromCreds(b)
}

// Account is the public key of the account the minter issues in.
func (m *Minter) Account() string { return m.account }

func (m *Minter) sign(role, userPub, name string, ttl time.Duration) (string, error) {
	kp := m.keys[role]
	if kp == nil {
		return "", fmt.Errorf("issue %s credentials: %w", role, ErrNoRoleKey)
	}
	uc := jwt.NewUserClaims(userPub)
	uc.Name = name
	uc.IssuerAccount = m.account
	uc.Expires = m.now().Add(ttl).Unix()
	uc.SetScoped(true)
	tok, err := uc.Encode(kp)
	if err != nil {
		return "", fmt.Errorf("mint: sign %s user: %w", role, err)
	}
	return tok, nil
}

// Phone issues the user JWT for a phone's own login key (its device key:
// the seed never leaves the phone). The server fills the phone role's
// permissions in with the phone's ID, so it receives only its own dial
// subject.
func (m *Minter) Phone(phoneID device.ID, phoneNkey string) (string, error) {
	if !nkeys.IsValidPublicUserKey(phoneNkey) {
		return "", fmt.Errorf("issue phone credentials: %w: %q is not a user key", ErrBadCreds, phoneNkey)
	}
	if id, err := device.IDFromKey(phoneNkey); err != nil || id != phoneID {
		return "", fmt.Errorf("issue phone credentials: %w: the key is not the phone's", ErrBadCreds)
	}
	return m.sign(RolePhone, phoneNkey, phoneID.String(), PhoneTTL)
}

// PairingKey is the login key of an offer's pairing login, derived from
// the offer's one-time secret: the desktop issues the login for it, and
// the phone, which has the secret from the offer, can use it. The login
// JWT alone (in a log, say) is worth nothing without the secret.
func PairingKey(secret []byte) (nkeys.KeyPair, error) {
	h := sha256.New()
	h.Write([]byte("deskdial-pair-login-v1"))
	h.Write(secret)
	kp, err := nkeys.FromRawSeed(nkeys.PrefixByteUser, h.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("mint: pairing key: %w", err)
	}
	return kp, nil
}

// Pairing issues the login of an offer, valid until expires, that can only
// send a pairing request to desktopID and read the answer. It goes into
// the offer.
func (m *Minter) Pairing(desktopID device.ID, secret []byte, expires time.Time) (string, error) {
	kp, err := PairingKey(secret)
	if err != nil {
		return "", err
	}
	pk, _ := kp.PublicKey()
	ttl := expires.Sub(m.now())
	if ttl <= 0 {
		return "", fmt.Errorf("issue pairing login: %w: it would expire at once", ErrBadCreds)
	}
	return m.sign(RolePair, pk, desktopID.String(), ttl)
}

// Creds formats a user JWT with a login seed as a .creds file.
func Creds(userJWT string, seed []byte) ([]byte, error) {
	b, err := jwt.FormatUserConfig(userJWT, seed)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCreds, err)
	}
	return b, nil
}

// PairingCreds turns an offer's login into a .creds file, with the key
// derived from the offer's secret.
func PairingCreds(login string, secret []byte) ([]byte, error) {
	kp, err := PairingKey(secret)
	if err != nil {
		return nil, err
	}
	seed, _ := kp.Seed()
	return Creds(login, seed)
}

// CheckPhoneJWT checks a phone's JWT from a pairing answer: it is a user
// JWT for this phone's login key and name.
func CheckPhoneJWT(tok string, self device.ID, nkey string) error {
	uc, err := jwt.DecodeUserClaims(tok)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadCreds, err)
	}
	if uc.Subject != nkey || uc.Name != self.String() {
		return fmt.Errorf("%w: issued for another device", ErrBadCreds)
	}
	return nil
}
