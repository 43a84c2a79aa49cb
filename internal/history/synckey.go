package history

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/nacl/secretbox"
)

// SyncKey is the secret the user's desktops share to sync history. The
// server that stores the sync bucket never sees it: values are sealed with
// a key derived from it, and bucket keys are HMACs under another.
type SyncKey [32]byte

// NewSyncKey makes a random sync key.
func NewSyncKey() (SyncKey, error) {
	var k SyncKey
	if _, err := rand.Read(k[:]); err != nil {
		return k, fmt.Errorf("make sync key: %w", err)
	}
	return k, nil
}

// String encodes the key as unpadded base64url (43 characters), the form
// it travels in between paired devices.
func (k SyncKey) String() string { return base64.RawURLEncoding.EncodeToString(k[:]) }

// ParseSyncKey reads a key written by String. It forgives surrounding
// space, line breaks and padding picked up by copy and paste.
func ParseSyncKey(s string) (SyncKey, error) {
	var k SyncKey
	s = strings.Join(strings.Fields(s), "")
	s = strings.TrimRight(s, "=")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		// Standard base64 is a common slip when a key is pasted elsewhere.
		b, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil {
		return k, fmt.Errorf("%w: not base64", ErrBadSyncKey)
	}
	if len(b) != len(k) {
		return k, fmt.Errorf("%w: %d bytes, want %d", ErrBadSyncKey, len(b), len(k))
	}
	copy(k[:], b)
	return k, nil
}

// syncKeys are the keys derived from a SyncKey. Separate derivations keep
// the sealing key and the key-naming key independent.
type syncKeys struct {
	seal [32]byte
	mac  []byte
}

// deriveKeys uses HKDF-SHA256 from the standard library (crypto/hkdf,
// the same construction golang.org/x/crypto/hkdf provides).
func deriveKeys(k SyncKey) (syncKeys, error) {
	var out syncKeys
	seal, err := hkdf.Key(sha256.New, k[:], nil, "deskdial history seal v1", 32)
	if err != nil {
		return out, fmt.Errorf("derive sync keys: %w", err)
	}
	copy(out.seal[:], seal)
	out.mac, err = hkdf.Key(sha256.New, k[:], nil, "deskdial history keys v1", 32)
	if err != nil {
		return out, fmt.Errorf("derive sync keys: %w", err)
	}
	return out, nil
}

// kvKey names an entry in the bucket: the kind in clear (so a device can
// watch just recents), the reference (a phone number or a contact UID)
// only as a truncated HMAC.
func (ks syncKeys) kvKey(kind, ref string) string {
	m := hmac.New(sha256.New, ks.mac)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(ref))
	return kind + "." + hex.EncodeToString(m.Sum(nil)[:16])
}

const sealVersion = 1

// seal encrypts and authenticates plain: version byte, 24-byte random
// nonce, then the secretbox.
func (ks syncKeys) sealValue(plain []byte) ([]byte, error) {
	var nonce [24]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	out := append([]byte{sealVersion}, nonce[:]...)
	return secretbox.Seal(out, plain, &nonce, &ks.seal), nil
}

func (ks syncKeys) openValue(sealed []byte) ([]byte, error) {
	if len(sealed) < 1+24+secretbox.Overhead {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrSealed, len(sealed))
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: version %d", ErrSealed, sealed[0])
	}
	var nonce [24]byte
	copy(nonce[:], sealed[1:25])
	plain, ok := secretbox.Open(nil, sealed[25:], &nonce, &ks.seal)
	if !ok {
		return nil, fmt.Errorf("%w: wrong key or tampered", ErrSealed)
	}
	return plain, nil
}

var errWrongKey = errors.New("history: entry sealed for another key name")
