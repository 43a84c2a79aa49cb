package relay

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/relay/mint"
)

// Sentinel errors.
var (
	ErrNoStore     = errors.New("relay: no operator here; run `deskdial admin init` first")
	ErrExists      = errors.New("relay: already exists")
	ErrNoUser      = errors.New("relay: no such user")
	ErrNoDevice    = errors.New("relay: no such device")
	ErrBadName     = errors.New("relay: bad name")
	ErrBadCreds    = mint.ErrBadCreds
	ErrNoRoleKey   = mint.ErrNoRoleKey
	ErrPushRefused = errors.New("relay: the server refused the account update")
)

// StoreFile is the operator store's file name. It holds every secret of
// the relay: keep it off the servers, mode 0600.
const StoreFile = "relay-operator.json"

// AccountsConf is the server configuration fragment Store writes: the
// operator, the system account and the resolver. relay.conf includes it.
const AccountsConf = "accounts.conf"

// SysCreds is the system user's credentials file, for pushing updates.
const SysCreds = "sys.creds"

// CredsTTL is how long device credentials last (see mint).
const CredsTTL = mint.CredsTTL

// Compiled on first use, not at package initialisation, which runs for
// every deskdial command (docs/benchmarks.md).
var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$`) })

func checkName(kind, s string) error {
	if !nameRE().MatchString(s) {
		return fmt.Errorf("%w: %s %q: use letters, digits, '_', '.', '@', '-' (at most 64)", ErrBadName, kind, s)
	}
	return nil
}

// Device is a device issued credentials in an account.
type Device struct {
	Name    string    `json:"name"`     // the device ID (its JWT name)
	Label   string    `json:"label"`    // what the admin called it
	Role    string    `json:"role"`     // desktop or phone
	Nkey    string    `json:"nkey"`     // the user public key of its login
	Issued  time.Time `json:"issued"`   // when
	Revoked time.Time `json:"revoked"`  // zero unless revoked
	Minted  bool      `json:"by_phone"` // reported by a desktop (phones are minted there)
}

// Account is one user's account as the store keeps it.
type Account struct {
	Name     string            `json:"name"`
	Seed     string            `json:"seed"`      // account key (SA...)
	RoleKeys map[string]string `json:"role_keys"` // role -> signing seed (SA...)
	JWT      string            `json:"jwt"`
	Devices  []Device          `json:"devices"`
}

// Pub is the account's public key.
func (a Account) Pub() string {
	kp, err := nkeys.FromSeed([]byte(a.Seed))
	if err != nil {
		return ""
	}
	pk, _ := kp.PublicKey()
	return pk
}

type storeData struct {
	V           int        `json:"v"`
	Operator    string     `json:"operator_seed"`
	OperatorJWT string     `json:"operator_jwt"`
	Sys         Account    `json:"system"`
	SysUserSeed string     `json:"system_user_seed"`
	SysUserJWT  string     `json:"system_user_jwt"`
	Servers     []string   `json:"servers"` // where the relay runs, for pushes
	Accounts    []*Account `json:"accounts"`
}

// Store is the operator's store: keys and JWTs in one private file in dir,
// and the server configuration fragment derived from it. One writer at a
// time (the admin command).
type Store struct {
	dir string
	mu  sync.Mutex
	d   storeData
	now func() time.Time
	ca  string // PEM file of the relay's certificate authority, if the system does not trust it
}

// TrustCA makes pushes trust the certificate authorities in a PEM file
// (a relay whose certificate comes from the operator's own CA).
func (s *Store) TrustCA(file string) { s.ca = file }

// Init makes a new operator with its system account in dir. servers are the
// relay's client URLs ("tls://relay.example.org:4222").
func Init(dir, operatorName string, servers []string) (*Store, error) {
	if err := checkName("operator", operatorName); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, StoreFile)); err == nil {
		return nil, fmt.Errorf("init %s: %w", dir, ErrExists)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("relay: make %s: %w", dir, err)
	}
	s := &Store{dir: dir, now: time.Now}
	op, err := nkeys.CreateOperator()
	if err != nil {
		return nil, fmt.Errorf("relay: make operator key: %w", err)
	}
	opSeed, _ := op.Seed()
	opPub, _ := op.PublicKey()
	s.d = storeData{V: 1, Operator: string(opSeed), Servers: servers}

	sys, err := newAccountKeys("SYS", false)
	if err != nil {
		return nil, err
	}
	oc := jwt.NewOperatorClaims(opPub)
	oc.Name = operatorName
	oc.SystemAccount = sys.Pub()
	oc.OperatorServiceURLs.Add(servers...)
	if s.d.OperatorJWT, err = oc.Encode(op); err != nil {
		return nil, fmt.Errorf("relay: sign operator: %w", err)
	}
	s.d.Sys = *sys
	if err := s.signAccount(&s.d.Sys, Limits{}); err != nil {
		return nil, err
	}
	u, err := nkeys.CreateUser()
	if err != nil {
		return nil, fmt.Errorf("relay: make system user: %w", err)
	}
	useed, _ := u.Seed()
	upub, _ := u.PublicKey()
	uc := jwt.NewUserClaims(upub)
	uc.Name = "deskdial-admin"
	sysKP, _ := nkeys.FromSeed([]byte(s.d.Sys.Seed))
	if s.d.SysUserJWT, err = uc.Encode(sysKP); err != nil {
		return nil, fmt.Errorf("relay: sign system user: %w", err)
	}
	s.d.SysUserSeed = string(useed)
	if err := s.save(); err != nil {
		return nil, err
	}
	return s, nil
}

// Open loads the store in dir.
func Open(dir string) (*Store, error) {
	b, err := os.ReadFile(filepath.Join(dir, StoreFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open %s: %w", dir, ErrNoStore)
	}
	if err != nil {
		return nil, fmt.Errorf("relay: read store: %w", err)
	}
	s := &Store{dir: dir, now: time.Now}
	if err := json.Unmarshal(b, &s.d); err != nil {
		return nil, fmt.Errorf("relay: read store %s: %w", dir, err)
	}
	if s.d.V != 1 {
		return nil, fmt.Errorf("relay: store version %d is not understood by this deskdial", s.d.V)
	}
	return s, nil
}

// Dir is where the store lives.
func (s *Store) Dir() string { return s.dir }

// Servers are the relay's client URLs given to Init.
func (s *Store) Servers() []string { return append([]string(nil), s.d.Servers...) }

// OperatorJWT is the operator's JWT.
func (s *Store) OperatorJWT() string { return s.d.OperatorJWT }

// SystemAccount is the system account's public key.
func (s *Store) SystemAccount() string { return s.d.Sys.Pub() }

func newAccountKeys(name string, roles bool) (*Account, error) {
	kp, err := nkeys.CreateAccount()
	if err != nil {
		return nil, fmt.Errorf("relay: make account key: %w", err)
	}
	seed, _ := kp.Seed()
	a := &Account{Name: name, Seed: string(seed), RoleKeys: map[string]string{}}
	if roles {
		for _, r := range []string{RoleDesktop, RolePhone, RolePair} {
			rk, err := nkeys.CreateAccount()
			if err != nil {
				return nil, fmt.Errorf("relay: make %s signing key: %w", r, err)
			}
			rs, _ := rk.Seed()
			a.RoleKeys[r] = string(rs)
		}
	}
	return a, nil
}

// signAccount (re)signs a's JWT with the operator: role signing keys with
// their templates, limits, revocations.
func (s *Store) signAccount(a *Account, lim Limits) error {
	op, err := nkeys.FromSeed([]byte(s.d.Operator))
	if err != nil {
		return fmt.Errorf("relay: operator key: %w", err)
	}
	ac := jwt.NewAccountClaims(a.Pub())
	ac.Name = a.Name
	if a.JWT != "" { // keep limits set earlier
		if old, err := jwt.DecodeAccountClaims(a.JWT); err == nil {
			ac.Limits = old.Limits
		}
	}
	if len(a.RoleKeys) > 0 {
		if a.JWT == "" {
			l := lim.withDefaults()
			ac.Limits.Conn = l.Conns
			ac.Limits.Subs = l.Subs
			ac.Limits.Payload = l.Payload
			ac.Limits.JetStreamLimits = jwt.JetStreamLimits{DiskStorage: l.JSDisk, Streams: l.JSStreams,
				Consumer: jwt.NoLimit, MemoryStorage: 0}
		}
		roles := make([]string, 0, len(a.RoleKeys))
		for r := range a.RoleKeys {
			roles = append(roles, r)
		}
		sort.Strings(roles)
		for _, r := range roles {
			kp, err := nkeys.FromSeed([]byte(a.RoleKeys[r]))
			if err != nil {
				return fmt.Errorf("relay: %s signing key of %s: %w", r, a.Name, err)
			}
			pk, _ := kp.PublicKey()
			sc := jwt.NewUserScope()
			sc.Key, sc.Role, sc.Template = pk, r, roleTemplate(r)
			sc.Description = "deskdial " + r + " devices"
			ac.SigningKeys.AddScopedSigner(sc)
		}
	}
	for _, d := range a.Devices {
		if !d.Revoked.IsZero() {
			ac.RevokeAt(d.Nkey, d.Revoked)
		}
	}
	tok, err := ac.Encode(op)
	if err != nil {
		return fmt.Errorf("relay: sign account %s: %w", a.Name, err)
	}
	a.JWT = tok
	return nil
}

func (s *Store) save() error {
	b, err := json.MarshalIndent(s.d, "", "  ")
	if err != nil {
		return fmt.Errorf("relay: encode store: %w", err)
	}
	if err := config.WriteFileAtomic(filepath.Join(s.dir, StoreFile), b, 0o600); err != nil {
		return fmt.Errorf("relay: save store: %w", err)
	}
	creds, err := jwt.FormatUserConfig(s.d.SysUserJWT, []byte(s.d.SysUserSeed))
	if err != nil {
		return fmt.Errorf("relay: format system creds: %w", err)
	}
	if err := config.WriteFileAtomic(filepath.Join(s.dir, SysCreds), creds, 0o600); err != nil {
		return fmt.Errorf("relay: save system creds: %w", err)
	}
	if err := config.WriteFileAtomic(filepath.Join(s.dir, AccountsConf), s.accountsConf(), 0o600); err != nil {
		return fmt.Errorf("relay: save %s: %w", AccountsConf, err)
	}
	return nil
}

// accountsConf renders the operator, system account and resolver for the
// servers. Every account is preloaded, so a fresh node knows them all even
// before the cluster syncs it; newer JWTs pushed later win.
func (s *Store) accountsConf() []byte {
	var b strings.Builder
	b.WriteString("# Written by `deskdial admin`; do not edit. Copy it next to relay.conf on every node.\n")
	fmt.Fprintf(&b, "operator: %q\n", s.d.OperatorJWT)
	fmt.Fprintf(&b, "system_account: %s\n", s.d.Sys.Pub())
	b.WriteString("resolver: {\n  type: full\n  dir: \"./jwt\"\n  allow_delete: false\n  interval: \"2m\"\n  timeout: \"3s\"\n}\n")
	b.WriteString("resolver_preload: {\n")
	fmt.Fprintf(&b, "  %s: %q\n", s.d.Sys.Pub(), s.d.Sys.JWT)
	for _, a := range s.d.Accounts {
		fmt.Fprintf(&b, "  # %s\n  %s: %q\n", a.Name, a.Pub(), a.JWT)
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// AccountsConf returns the configuration fragment as written to disk.
func (s *Store) AccountsConf() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accountsConf()
}

// AddUser makes an account for a user.
func (s *Store) AddUser(name string, lim Limits) (Account, error) {
	if err := checkName("user", name); err != nil {
		return Account{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.find(name) != nil {
		return Account{}, fmt.Errorf("add user %s: %w", name, ErrExists)
	}
	a, err := newAccountKeys(name, true)
	if err != nil {
		return Account{}, err
	}
	if err := s.signAccount(a, lim); err != nil {
		return Account{}, err
	}
	s.d.Accounts = append(s.d.Accounts, a)
	if err := s.save(); err != nil {
		return Account{}, err
	}
	return *a, nil
}

func (s *Store) find(name string) *Account {
	for _, a := range s.d.Accounts {
		if strings.EqualFold(a.Name, name) || a.Pub() == name {
			return a
		}
	}
	return nil
}

// User returns a user's account.
func (s *Store) User(name string) (Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.find(name)
	if a == nil {
		return Account{}, fmt.Errorf("%w: %s", ErrNoUser, name)
	}
	return *a, nil
}

// Users lists the accounts, in the order they were made.
func (s *Store) Users() []Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Account, 0, len(s.d.Accounts))
	for _, a := range s.d.Accounts {
		out = append(out, *a)
	}
	return out
}

// AddDesktop issues credentials for a desktop of user: a fresh NATS login
// key, a user JWT signed with the desktop role key naming the desktop's
// deskdial ID, and the account's phone and pairing signing keys, so the
// desktop can issue its phones' credentials while pairing. The result is
// a .creds file nats.go reads as is (the extra blocks come after the seed).
func (s *Store) AddDesktop(user string, desktopID device.ID, label string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.find(user)
	if a == nil {
		return nil, fmt.Errorf("add desktop: %w: %s", ErrNoUser, user)
	}
	if label == "" {
		label = desktopID.Short()
	}
	ukp, err := nkeys.CreateUser()
	if err != nil {
		return nil, fmt.Errorf("relay: make login key: %w", err)
	}
	upub, _ := ukp.PublicKey()
	useed, _ := ukp.Seed()
	now := s.now()
	tok, err := issue(a.RoleKeys[RoleDesktop], a.Pub(), upub, desktopID.String(), now, CredsTTL)
	if err != nil {
		return nil, err
	}
	creds, err := jwt.FormatUserConfig(tok, useed)
	if err != nil {
		return nil, fmt.Errorf("relay: format creds: %w", err)
	}
	creds = append(creds, mint.RoleBlock(RolePhone, a.RoleKeys[RolePhone])...)
	creds = append(creds, mint.RoleBlock(RolePair, a.RoleKeys[RolePair])...)
	a.Devices = append(a.Devices, Device{Name: desktopID.String(), Label: label, Role: RoleDesktop, Nkey: upub, Issued: now})
	if err := s.save(); err != nil {
		return nil, err
	}
	return creds, nil
}

// Revoke revokes every login of the device named by its ID, label or login
// key in user's account, and returns the re-signed account JWT to push.
func (s *Store) Revoke(user, dev string) (string, []Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.find(user)
	if a == nil {
		return "", nil, fmt.Errorf("revoke: %w: %s", ErrNoUser, user)
	}
	match := func(d Device) bool {
		if d.Nkey == dev || strings.EqualFold(d.Label, dev) || d.Name == dev {
			return true
		}
		id, err := device.ParseID(dev)
		return err == nil && d.Name == id.String()
	}
	now := s.now()
	var hit []Device
	for i := range a.Devices {
		if match(a.Devices[i]) && a.Devices[i].Revoked.IsZero() {
			a.Devices[i].Revoked = now
			hit = append(hit, a.Devices[i])
		}
	}
	if len(hit) == 0 {
		return "", nil, fmt.Errorf("revoke %s in %s: %w", dev, a.Name, ErrNoDevice)
	}
	if err := s.signAccount(a, Limits{}); err != nil {
		return "", nil, err
	}
	if err := s.save(); err != nil {
		return "", nil, err
	}
	return a.JWT, hit, nil
}

// RevokeKey revokes a login key that is not in the store (a phone whose
// desktop issued its credentials): its nkey is in the paired phone's
// registry entry or the server's connection list.
func (s *Store) RevokeKey(user, nkey, label string) (string, error) {
	if !nkeys.IsValidPublicUserKey(nkey) {
		return "", fmt.Errorf("revoke: %w: %q is not a user key", ErrBadCreds, nkey)
	}
	s.mu.Lock()
	a := s.find(user)
	if a == nil {
		s.mu.Unlock()
		return "", fmt.Errorf("revoke: %w: %s", ErrNoUser, user)
	}
	a.Devices = append(a.Devices, Device{Name: nkey, Label: label, Role: RolePhone, Nkey: nkey, Issued: s.now(), Minted: true})
	s.mu.Unlock()
	jwtStr, _, err := s.Revoke(user, nkey)
	return jwtStr, err
}

// issue signs a user JWT for userPub with a role signing key.
func issue(roleSeed, accountPub, userPub, name string, now time.Time, ttl time.Duration) (string, error) {
	kp, err := nkeys.FromSeed([]byte(roleSeed))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoRoleKey, err)
	}
	uc := jwt.NewUserClaims(userPub)
	uc.Name = name
	uc.IssuerAccount = accountPub
	uc.IssuedAt = now.Unix()
	if ttl > 0 {
		uc.Expires = now.Add(ttl).Unix()
	}
	uc.SetScoped(true)
	tok, err := uc.Encode(kp)
	if err != nil {
		return "", fmt.Errorf("relay: sign user %s: %w", name, err)
	}
	return tok, nil
}
