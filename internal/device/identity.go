package device

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nats-io/nkeys"

	"github.com/deskdial/deskdial/internal/config"
)

// SeedFile is the name of the file, inside the config directory, that holds
// this device's private keys.
const SeedFile = "device.seed"

var (
	// ErrSeedExposed is returned when the seed file can be read by other
	// users: the keys in it must be treated as leaked.
	ErrSeedExposed = errors.New("device: seed file is readable by other users")
	// ErrBadSeed is returned when the seed file cannot be understood.
	ErrBadSeed = errors.New("device: bad seed file")
)

// Identity is this device: its ID, its public keys and, unexported, the
// seeds of its private keys.
type Identity struct {
	ID       ID
	SignPub  string // ed25519 public key, nkeys user key "U..."
	CurvePub string // x25519 public key, nkeys curve key "X..."

	sign  nkeys.KeyPair
	curve nkeys.KeyPair
	priv  ed25519.PrivateKey // cached: nkeys re-derives it on every Sign
}

type seedFile struct {
	Version int    `json:"version"`
	Sign    string `json:"sign_seed"`  // "SU..."
	Curve   string `json:"curve_seed"` // "SX..."
}

// LoadOrCreate returns the identity kept in dir, making new keys on first
// run. The seed file is written with mode 0600; an existing seed file that
// others can read is refused (ErrSeedExposed) rather than silently used.
func LoadOrCreate(dir string) (*Identity, error) {
	path := filepath.Join(dir, SeedFile)
	id, err := load(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return id, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("device: create %s: %w", dir, err)
	}
	fresh, data, err := generate()
	if err != nil {
		return nil, err
	}
	// Write to a temporary name, then link it into place: link fails if
	// another process made the identity first, and then both use that one.
	tmp := path + ".new-" + fresh.ID.Short()
	if err := config.WriteFileAtomic(tmp, data, 0o600); err != nil {
		return nil, fmt.Errorf("device: save identity: %w", err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return load(path)
		}
		// Some file systems cannot hard-link; fall back to a rename,
		// which is atomic but may replace a concurrent winner.
		if rerr := os.Rename(tmp, path); rerr != nil {
			return nil, fmt.Errorf("device: save identity: %w", rerr)
		}
	}
	return fresh, nil
}

func generate() (*Identity, []byte, error) {
	sign, err := nkeys.CreateUser()
	if err != nil {
		return nil, nil, fmt.Errorf("device: make signing key: %w", err)
	}
	curve, err := nkeys.CreateCurveKeys()
	if err != nil {
		return nil, nil, fmt.Errorf("device: make curve key: %w", err)
	}
	ss, _ := sign.Seed()
	cs, _ := curve.Seed()
	id, err := FromSeeds(ss, cs)
	if err != nil {
		return nil, nil, err
	}
	data, err := json.MarshalIndent(seedFile{Version: 1, Sign: string(ss), Curve: string(cs)}, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("device: encode seeds: %w", err)
	}
	return id, append(data, '\n'), nil
}

func load(path string) (*Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("device: open identity: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("device: open identity: %w", err)
	}
	if err := checkPrivate(st); err != nil {
		return nil, fmt.Errorf("%w: %s has mode %04o; run `chmod 600 %s` if only you could read it, or delete it to make new keys (then pair again)",
			ErrSeedExposed, path, st.Mode().Perm(), path)
	}
	var sf seedFile
	dec := json.NewDecoder(f)
	if err := dec.Decode(&sf); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadSeed, path, err)
	}
	if sf.Version != 1 {
		return nil, fmt.Errorf("%w: %s: unknown version %d", ErrBadSeed, path, sf.Version)
	}
	id, err := FromSeeds([]byte(sf.Sign), []byte(sf.Curve))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadSeed, path, err)
	}
	return id, nil
}

// FromSeeds builds an identity from nkeys seeds: a user seed ("SU...") and a
// curve seed ("SX..."). LoadOrCreate is the usual way; this is for tests and
// test vectors.
func FromSeeds(signSeed, curveSeed []byte) (*Identity, error) {
	sign, err := nkeys.FromSeed(signSeed)
	if err != nil {
		return nil, fmt.Errorf("%w: signing seed: %v", ErrBadSeed, err)
	}
	if pfx, _, _ := nkeys.DecodeSeed(signSeed); pfx != nkeys.PrefixByteUser {
		return nil, fmt.Errorf("%w: signing seed is not a user seed", ErrBadSeed)
	}
	curve, err := nkeys.FromCurveSeed(curveSeed)
	if err != nil {
		return nil, fmt.Errorf("%w: curve seed: %v", ErrBadSeed, err)
	}
	_, raw, err := nkeys.DecodeSeed(signSeed)
	if err != nil {
		return nil, fmt.Errorf("%w: signing seed: %v", ErrBadSeed, err)
	}
	signPub, err := sign.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSeed, err)
	}
	curvePub, err := curve.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSeed, err)
	}
	id, err := IDFromKey(signPub)
	if err != nil {
		return nil, err
	}
	return &Identity{
		ID: id, SignPub: signPub, CurvePub: curvePub,
		sign: sign, curve: curve, priv: ed25519.NewKeyFromSeed(raw),
	}, nil
}

// PublicKey is the identity's nkey (its ed25519 key, "U..."): with Sign,
// an identity logs in to a NATS server by itself (bus.Nkey).
func (d *Identity) PublicKey() string { return d.SignPub }

// Sign signs msg with the device's ed25519 key.
func (d *Identity) Sign(msg []byte) ([]byte, error) {
	return ed25519.Sign(d.priv, msg), nil
}

// SignKP returns the signing key pair, e.g. for NATS nkey authentication.
func (d *Identity) SignKP() nkeys.KeyPair { return d.sign }

// CurveKP returns the x25519 key pair used to seal messages.
func (d *Identity) CurveKP() nkeys.KeyPair { return d.curve }

// Verify checks an ed25519 signature made by the device with signing key
// signPub ("U...").
func Verify(signPub string, msg, sig []byte) error {
	raw, err := nkeys.Decode(nkeys.PrefixByteUser, []byte(signPub))
	if err != nil {
		return fmt.Errorf("device: decode signing key: %w", err)
	}
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(ed25519.PublicKey(raw), msg, sig) {
		return ErrBadSignature
	}
	return nil
}

// ErrBadSignature is returned by Verify.
var ErrBadSignature = errors.New("device: bad signature")
