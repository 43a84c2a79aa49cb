package relay

import (
	"errors"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/device"
)

// TestRevokeDevice: a phone the store never issued is revoked by its
// login key, or by its name where it is paired, and named by what it was
// found by; a device found nowhere says how phones are named.
func TestRevokeDevice(t *testing.T) {
	st, err := Init(t.TempDir(), "acme", []string{"tls://relay.example.org:4222"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddUser("alice", Limits{}); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	reg, err := device.OpenRegistry(home)
	if err != nil {
		t.Fatal(err)
	}
	pixel, _ := device.LoadOrCreate(t.TempDir())
	if err := reg.Add(device.Peer{ID: pixel.ID, Name: "Pixel", Role: device.RolePhone, SignPub: pixel.SignPub, CurvePub: pixel.CurvePub}); err != nil {
		t.Fatal(err)
	}
	tok, hit, err := st.RevokeDevice("alice", "pixel", reg)
	if err != nil || tok == "" || len(hit) != 1 || hit[0].Role != RolePhone || hit[0].Label != "Pixel" ||
		hit[0].Name != pixel.ID.Short() || hit[0].Nkey != pixel.SignPub {
		t.Fatalf("by name: %q %+v %v", tok, hit, err)
	}
	other, _ := device.LoadOrCreate(t.TempDir())
	_, hit, err = st.RevokeDevice("alice", other.SignPub, nil)
	if err != nil || len(hit) != 1 || hit[0].Name != other.SignPub || hit[0].Label != "" {
		t.Fatalf("by login key: %+v %v", hit, err)
	}
	_, _, err = st.RevokeDevice("alice", "Nokia", reg)
	if !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "login key") {
		t.Fatalf("found nowhere: %v", err)
	}
	if _, _, err := st.RevokeDevice("bob", "Pixel", reg); !errors.Is(err, ErrNoUser) {
		t.Fatalf("no such user: %v", err)
	}
	revoked := 0
	for _, u := range st.Users() {
		for _, d := range u.Devices {
			if !d.Revoked.IsZero() {
				revoked++
			}
		}
	}
	if revoked != 2 {
		t.Fatalf("%d devices revoked in the store, want 2", revoked)
	}
}
