// Package device holds this device's identity (its ed25519 and x25519 keys,
// made on first run) and the registry of devices it is paired with.
package device

import (
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"

	"github.com/nats-io/nkeys"
)

// ErrBadID is returned when a device ID cannot be parsed or its check
// characters do not match (a typo).
var ErrBadID = errors.New("device: bad device ID")

// ID identifies a device. It is the first 20 bytes of the SHA-256 of the
// device's raw ed25519 public key, so nobody can pick an ID that belongs to
// someone else's key.
type ID [20]byte

// Layout of the canonical string: the 32 base32 characters of the ID are cut
// into 4 chunks of 8; each chunk is followed by one check character, giving 36
// characters, shown as 6 groups of 6 joined by '-'.
const (
	idDataChars  = 32
	idChunk      = 8
	idChunks     = idDataChars / idChunk
	idChars      = idDataChars + idChunks
	idGroup      = 6
	idStringLen  = idChars + idChars/idGroup - 1
	base32Letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// IDFromKey derives the ID of the device whose ed25519 public key is signPub
// (an nkeys user key, "U...").
func IDFromKey(signPub string) (ID, error) {
	raw, err := nkeys.Decode(nkeys.PrefixByteUser, []byte(signPub))
	if err != nil {
		return ID{}, fmt.Errorf("device: decode signing key: %w", err)
	}
	sum := sha256.Sum256(raw)
	var id ID
	copy(id[:], sum[:])
	return id, nil
}

// IsZero reports whether id is the zero value (no device).
func (id ID) IsZero() bool { return id == ID{} }

// String returns the canonical form, e.g. "MFRGGZ-DFMZTW-...": upper-case
// base32 with check characters, safe as a NATS subject token.
func (id ID) String() string {
	var out [idStringLen]byte
	id.canonical(&out)
	return string(out[:])
}

// Spells reports whether s is id's canonical form, as String returns it,
// without making the string: every message of a dial names devices.
func (id ID) Spells(s string) bool {
	if len(s) != idStringLen {
		return false
	}
	var out [idStringLen]byte
	id.canonical(&out)
	return string(out[:]) == s
}

// canonical writes the canonical form into out, built in arrays on the
// stack.
func (id ID) canonical(out *[idStringLen]byte) {
	var data [idDataChars]byte
	b32.Encode(data[:], id[:])
	var chars [idChars]byte
	n := 0
	for c := 0; c < idChunks; c++ {
		chunk := data[c*idChunk : (c+1)*idChunk]
		n += copy(chars[n:], chunk)
		chars[n] = checkChar(chunk)
		n++
	}
	n = 0
	for i, ch := range chars {
		if i > 0 && i%idGroup == 0 {
			out[n] = '-'
			n++
		}
		out[n] = ch
		n++
	}
}

// Short returns the first group of the canonical form, for display next to a
// device name.
func (id ID) Short() string { return id.String()[:idGroup] }

// MarshalText implements encoding.TextMarshaler with the canonical form.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with the forgiving parser.
func (id *ID) UnmarshalText(b []byte) error {
	p, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = p
	return nil
}

// ParseID reads an ID the way people type it: any case, with or without
// spaces and dashes, and with the digits 0, 1 and 8 read as the letters O, I
// and B they are easily mistaken for (base32 has no 0, 1, 8 or 9). The check
// characters must match: every single-character typo and every swap of two
// neighbouring characters is caught.
func ParseID(s string) (ID, error) {
	if len(s) > 4*idStringLen {
		return ID{}, fmt.Errorf("%w: too long", ErrBadID)
	}
	var chars [idChars]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c == '0':
			c = 'O'
		case c == '1':
			c = 'I'
		case c == '8':
			c = 'B'
		}
		if symbolValue(c) < 0 {
			return ID{}, fmt.Errorf("%w: %q is not a letter or a digit 2-7", ErrBadID, rune(s[i]))
		}
		if n < idChars {
			chars[n] = c
		}
		n++
	}
	if n != idChars {
		return ID{}, fmt.Errorf("%w: has %d characters, want %d", ErrBadID, n, idChars)
	}
	var data [idDataChars]byte
	for c := 0; c < idChunks; c++ {
		chunk := chars[c*(idChunk+1) : (c+1)*(idChunk+1)]
		if checkChar(chunk[:idChunk]) != chunk[idChunk] {
			first := c*(idChunk+1) + 1
			return ID{}, fmt.Errorf("%w: typo in characters %d-%d (check character does not match)", ErrBadID, first, first+idChunk)
		}
		copy(data[c*idChunk:], chunk[:idChunk])
	}
	var raw [len(ID{})]byte
	if k, err := b32.Decode(raw[:], data[:]); err != nil || k != len(raw) {
		return ID{}, fmt.Errorf("%w: not base32", ErrBadID)
	}
	return ID(raw), nil
}

// symbolValue is the base32 value of an upper-case symbol, or -1.
func symbolValue(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= '2' && c <= '7':
		return int(c-'2') + 26
	}
	return -1
}

// checkChar computes a Damm check character over GF(32).
//
// Syncthing uses Luhn mod 32, but Luhn misses the swap of the symbols with
// values 0 and 31 ("A7" <-> "7A"). Damm's scheme with the quasigroup
// x*y = 2x + y over GF(2^5) is totally anti-symmetric, so it catches every
// single substitution and every adjacent transposition, also one that
// involves the check character itself.
func checkChar[S ~string | ~[]byte](chunk S) byte {
	state := 0
	for i := 0; i < len(chunk); i++ {
		state = gfDouble(state) ^ symbolValue(chunk[i])
	}
	// The check character c makes the final state 2*state + c = 0.
	return base32Letter[gfDouble(state)]
}

// gfDouble multiplies x by the generator 2 in GF(2^5) with the irreducible
// polynomial x^5 + x^2 + 1.
func gfDouble(x int) int {
	x <<= 1
	if x&0x20 != 0 {
		x ^= 0x25
	}
	return x
}
