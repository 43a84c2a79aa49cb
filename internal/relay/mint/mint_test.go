package mint

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	"github.com/deskdial/deskdial/internal/device"
)

// desktopCreds makes a .creds file the way `deskdial admin add-desktop`
// does: a login JWT and seed, then the role signing keys.
func desktopCreds(t *testing.T, roles ...string) ([]byte, string) {
	t.Helper()
	acct, _ := nkeys.CreateAccount()
	apub, _ := acct.PublicKey()
	u, _ := nkeys.CreateUser()
	upub, _ := u.PublicKey()
	useed, _ := u.Seed()
	uc := jwt.NewUserClaims(upub)
	tok, err := uc.Encode(acct)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Creds(tok, useed)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		k, _ := nkeys.CreateAccount()
		s, _ := k.Seed()
		b = append(b, RoleBlock(r, string(s))...)
	}
	return b, apub
}

func TestPhoneCredentials(t *testing.T) {
	creds, acct := desktopCreds(t, RolePhone, RolePair)
	m, err := FromCreds(creds)
	if err != nil {
		t.Fatal(err)
	}
	if m.Account() != acct {
		t.Fatalf("account %s, want %s", m.Account(), acct)
	}
	id, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := m.Phone(id.ID, id.SignPub)
	if err != nil {
		t.Fatal(err)
	}
	uc, err := jwt.DecodeUserClaims(tok)
	if err != nil {
		t.Fatal(err)
	}
	if uc.Name != id.ID.String() || uc.Subject != id.SignPub || uc.IssuerAccount != acct || !uc.HasEmptyPermissions() {
		t.Fatalf("phone JWT: name %q subject %q issuer account %q", uc.Name, uc.Subject, uc.IssuerAccount)
	}
	if err := CheckPhoneJWT(tok, id.ID, id.SignPub); err != nil {
		t.Fatal(err)
	}
	other, _ := device.LoadOrCreate(t.TempDir())
	if err := CheckPhoneJWT(tok, other.ID, other.SignPub); !errors.Is(err, ErrBadCreds) {
		t.Fatalf("another phone's JWT accepted: %v", err)
	}
	// A key that is not the phone's is refused: its ID is the key's hash.
	if _, err := m.Phone(id.ID, other.SignPub); !errors.Is(err, ErrBadCreds) {
		t.Fatalf("JWT for a foreign key: %v", err)
	}
	secret := []byte("0123456789abcdef")
	login, err := m.Pairing(id.ID, secret, time.Now().Add(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PairingCreds(login, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := PairingCreds(login, []byte("another secret!!")); !errors.Is(err, ErrBadCreds) {
		t.Fatalf("pairing login with the wrong secret: %v", err)
	}
	if _, err := m.Pairing(id.ID, secret, time.Now().Add(-time.Second)); !errors.Is(err, ErrBadCreds) {
		t.Fatalf("expired pairing login: %v", err)
	}
}

func TestCredsWithoutKeys(t *testing.T) {
	creds, _ := desktopCreds(t)
	if _, err := FromCreds(creds); !errors.Is(err, ErrNoRoleKey) {
		t.Fatalf("plain .creds: %v, want ErrNoRoleKey", err)
	}
	if _, err := FromCreds([]byte("not creds")); !errors.Is(err, ErrBadCreds) {
		t.Fatalf("garbage: %v, want ErrBadCreds", err)
	}
	bad := append(creds, RoleBlock(RolePhone, "SAXXXX")...)
	if _, err := FromCreds(bad); !errors.Is(err, ErrBadCreds) {
		t.Fatalf("bad seed: %v, want ErrBadCreds", err)
	}
}
