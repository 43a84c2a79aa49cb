package remote

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/protocol"
)

// TestPhoneInfoKnown: an online phone is described by its presence, an
// offline one by what it said when it paired; a backend that is no
// backend name is not taken from the pairing.
func TestPhoneInfoKnown(t *testing.T) {
	caps, _ := json.Marshal(map[string]any{"backend": "adb", "places_calls": true})
	on := PhoneInfo{Peer: device.Peer{Name: "Pixel", Caps: caps}, Online: true, Presence: protocol.Presence{Backend: "url"}}
	if k := on.Known(); k.Backend != "url" || k.PlacesCalls {
		t.Errorf("online: %+v", k)
	}
	off := PhoneInfo{Peer: device.Peer{Name: "Pixel", Caps: caps}}
	if k := off.Known(); k.Backend != "adb" || !k.PlacesCalls {
		t.Errorf("offline: %+v", k)
	}
	bad, _ := json.Marshal(map[string]any{"backend": "adb\x1b[2J", "places_calls": true})
	if k := (PhoneInfo{Peer: device.Peer{Caps: bad}}).Known(); k.Backend != "" {
		t.Errorf("a bad backend name kept: %+v", k)
	}
}

// TestListPhones: the phones are listed through the running deskdial.
func TestListPhones(t *testing.T) {
	w := newWorld(t, worldOpts{serve: true})
	list, err := w.desk.ListPhones(context.Background())
	if err != nil || len(list) != 1 || !list[0].Online || list[0].Peer.Name != "Pixel" || list[0].Known().Backend != "log" {
		t.Fatalf("phones %+v %v", list, err)
	}
}

// TestUnpairPhoneWithNothingRunning: with no deskdial running the phone
// is forgotten in the registry.
func TestUnpairPhoneWithNothingRunning(t *testing.T) {
	d := newDesktop(t, "")
	p := addPeer(t, d, "Pixel", device.RolePhone)
	if err := d.UnpairPhone(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Registry.Get(p.ID); ok {
		t.Fatal("the phone is still paired")
	}
}
