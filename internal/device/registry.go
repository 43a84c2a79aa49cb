package device

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/deskdial/deskdial/internal/config"
)

// PeersFile is the name of the registry file inside the config directory.
const PeersFile = "peers.json"

// Role says what a paired device does.
type Role string

// Roles.
const (
	RoleDesktop Role = "desktop"
	RolePhone   Role = "phone"
)

var (
	// ErrNoPeer is returned when no paired device matches.
	ErrNoPeer = errors.New("device: no such paired device")
	// ErrAmbiguous is returned when a name matches more than one device.
	ErrAmbiguous = errors.New("device: name matches more than one paired device")
	// ErrBadPeer is returned by Add for a peer whose fields do not fit together.
	ErrBadPeer = errors.New("device: bad peer")
	// ErrBadRegistry is returned when the registry file cannot be read.
	ErrBadRegistry = errors.New("device: bad registry file")
)

// MaxNameLen is the longest device name, in characters.
const MaxNameLen = 64

// Peer is a device this one is paired with.
type Peer struct {
	ID       ID              `json:"id"`
	Name     string          `json:"name"`
	Role     Role            `json:"role"`
	SignPub  string          `json:"sign_pub"`
	CurvePub string          `json:"curve_pub"`
	AddedAt  time.Time       `json:"added_at"`
	Caps     json.RawMessage `json:"caps,omitempty"`
	Server   string          `json:"server,omitempty"`  // the desktop's server, as learned at pairing
	CertFP   string          `json:"cert_fp,omitempty"` // SHA-256 of the server's TLS certificate, hex
	// Pairing names the pairing that added the device: the id of the
	// offer it went through (16 hex digits), the same on both sides and
	// new each time. A notice about the pairing (the phone unpaired) names
	// it, so a notice kept from an earlier pairing is told apart. Empty
	// for devices paired before it was stored.
	Pairing string `json:"pairing,omitempty"`
}

// Validate checks that the peer's ID belongs to its signing key, its keys
// are well formed, and its name is printable.
func (p Peer) Validate() error {
	id, err := IDFromKey(p.SignPub)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadPeer, err)
	}
	if id != p.ID {
		return fmt.Errorf("%w: ID %s does not belong to key %s", ErrBadPeer, p.ID, p.SignPub)
	}
	if !validCurveKey(p.CurvePub) {
		return fmt.Errorf("%w: bad curve key %q", ErrBadPeer, p.CurvePub)
	}
	if p.Role != RoleDesktop && p.Role != RolePhone {
		return fmt.Errorf("%w: unknown role %q", ErrBadPeer, p.Role)
	}
	if err := ValidateName(p.Name); err != nil {
		return fmt.Errorf("%w: %v", ErrBadPeer, err)
	}
	if !validPairing(p.Pairing) {
		return fmt.Errorf("%w: bad pairing id %q", ErrBadPeer, p.Pairing)
	}
	return nil
}

// validPairing: empty, or 16 lower-case hex digits.
func validPairing(s string) bool {
	if s == "" {
		return true
	}
	if len(s) != 16 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// ValidateName checks a device name: 1 to MaxNameLen printable characters.
func ValidateName(name string) error {
	if name == "" || strings.TrimSpace(name) != name {
		return errors.New("name must not be empty or start or end with a space")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLen {
		return fmt.Errorf("name must be at most %d characters of text", MaxNameLen)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("name contains the unprintable character %U", r)
		}
	}
	return nil
}

type registryFile struct {
	Version int    `json:"version"`
	Peers   []Peer `json:"peers"`
}

// Registry is the list of paired devices, kept in peers.json. Every change
// is written atomically, so a crash leaves either the old or the new list.
// Changes re-read the file first, so a change made by another deskdial
// process in between is kept. Safe for concurrent use.
type Registry struct {
	path  string
	mu    sync.RWMutex
	peers map[ID]Peer
}

// OpenRegistry loads the registry in dir; a missing file is an empty
// registry.
func OpenRegistry(dir string) (*Registry, error) {
	r := &Registry{path: filepath.Join(dir, PeersFile), peers: map[ID]Peer{}}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload re-reads the file, to pick up changes made by another process.
func (r *Registry) Reload() error {
	peers, err := r.read()
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.peers = peers
	r.mu.Unlock()
	return nil
}

func (r *Registry) read() (map[ID]Peer, error) {
	peers := map[ID]Peer{}
	data, err := os.ReadFile(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return peers, nil
	}
	if err != nil {
		return nil, fmt.Errorf("device: read registry: %w", err)
	}
	var f registryFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadRegistry, r.path, err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("%w: %s: unknown version %d", ErrBadRegistry, r.path, f.Version)
	}
	for _, p := range f.Peers {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadRegistry, r.path, err)
		}
		if len(p.Caps) > 0 {
			// The file is indented for people; hand out compact JSON.
			var c bytes.Buffer
			if err := json.Compact(&c, p.Caps); err == nil {
				p.Caps = c.Bytes()
			}
		}
		peers[p.ID] = p
	}
	return peers, nil
}

// update re-reads the file, applies fn and writes the result. r.mu is held
// throughout so changes from this process are serialised.
func (r *Registry) update(fn func(map[ID]Peer) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	peers, err := r.read()
	if err != nil {
		return err
	}
	if err := fn(peers); err != nil {
		return err
	}
	f := registryFile{Version: 1, Peers: sortedPeers(peers)}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("device: encode registry: %w", err)
	}
	if err := config.WriteFileAtomic(r.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("device: save registry: %w", err)
	}
	r.peers = peers
	return nil
}

func sortedPeers(m map[ID]Peer) []Peer {
	out := make([]Peer, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].AddedAt.Equal(out[j].AddedAt) {
			return out[i].AddedAt.Before(out[j].AddedAt)
		}
		return strings.Compare(out[i].ID.String(), out[j].ID.String()) < 0
	})
	return out
}

// List returns the paired devices, oldest first.
func (r *Registry) List() []Peer {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return sortedPeers(r.peers)
}

// Get returns the paired device with the given ID.
func (r *Registry) Get(id ID) (Peer, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.peers[id]
	return p, ok
}

// ByCurveKey returns the paired device whose x25519 key is curvePub: the
// receiver of a sealed message uses it to learn who sent it.
func (r *Registry) ByCurveKey(curvePub string) (Peer, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, p := range r.peers {
		if p.CurvePub == curvePub {
			return p, true
		}
	}
	return Peer{}, false
}

// Add stores p, replacing a device with the same ID (pairing again).
func (r *Registry) Add(p Peer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return r.update(func(m map[ID]Peer) error {
		m[p.ID] = p
		return nil
	})
}

// Remove forgets a paired device.
func (r *Registry) Remove(id ID) error {
	return r.update(func(m map[ID]Peer) error {
		if _, ok := m[id]; !ok {
			return fmt.Errorf("remove %s: %w", id, ErrNoPeer)
		}
		delete(m, id)
		return nil
	})
}

// Rename changes the name a paired device is shown with.
func (r *Registry) Rename(id ID, name string) error {
	if err := ValidateName(name); err != nil {
		return fmt.Errorf("%w: %v", ErrBadPeer, err)
	}
	return r.update(func(m map[ID]Peer) error {
		p, ok := m[id]
		if !ok {
			return fmt.Errorf("rename %s: %w", id, ErrNoPeer)
		}
		p.Name = name
		m[id] = p
		return nil
	})
}

// Find looks a paired device up the way a user names it: by ID (forgiving,
// see ParseID), by exact name, or by a name or ID prefix that only one
// device has. Case does not matter for names.
func (r *Registry) Find(nameOrID string) (Peer, error) {
	q := strings.TrimSpace(nameOrID)
	if q == "" {
		return Peer{}, fmt.Errorf("find device: empty name: %w", ErrNoPeer)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if id, err := ParseID(q); err == nil {
		if p, ok := r.peers[id]; ok {
			return p, nil
		}
		return Peer{}, fmt.Errorf("find device %s: %w", id.Short(), ErrNoPeer)
	}
	peers := sortedPeers(r.peers)
	var exact, prefix []Peer
	lq := strings.ToLower(q)
	uq := strings.ToUpper(q)
	for _, p := range peers {
		ln := strings.ToLower(p.Name)
		switch {
		case ln == lq:
			exact = append(exact, p)
		case strings.HasPrefix(ln, lq), len(uq) >= 4 && strings.HasPrefix(p.ID.String(), uq):
			prefix = append(prefix, p)
		}
	}
	pick := exact
	if len(pick) == 0 {
		pick = prefix
	}
	switch len(pick) {
	case 0:
		return Peer{}, fmt.Errorf("find device %q: %w", q, ErrNoPeer)
	case 1:
		return pick[0], nil
	}
	names := make([]string, len(pick))
	for i, p := range pick {
		names[i] = fmt.Sprintf("%s (%s)", p.Name, p.ID.Short())
	}
	return Peer{}, fmt.Errorf("find device %q: %w: %s", q, ErrAmbiguous, strings.Join(names, ", "))
}
