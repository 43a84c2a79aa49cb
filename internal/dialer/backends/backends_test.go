package backends

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
)

func TestOpen(t *testing.T) {
	log := filepath.Join(t.TempDir(), "dials.log")
	for _, tc := range []struct {
		spec, name string
		caps       dialer.Capabilities
	}{
		{"log:" + log, "log", dialer.Capabilities{PlacesCalls: true}},
		{"ofono", "ofono", dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}},
		{"ofono:/ril_0", "ofono", dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}},
		{"modemmanager:0", "modemmanager", dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}},
		{"adb", "adb", dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}},
		{"adb:192.168.1.20:5555", "adb", dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}},
		{"url", "url", dialer.Capabilities{}},
		{"hfp", "hfp", dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}},
		{"hfp:Pixel 7", "hfp", dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}},
		{"kdeconnect", "kdeconnect", dialer.Capabilities{}},
		{"kdeconnect:Pixel 7", "kdeconnect", dialer.Capabilities{}},
	} {
		d, err := Open(tc.spec, Options{})
		if err != nil {
			t.Fatalf("Open(%q): %v", tc.spec, err)
		}
		if d.Name() != tc.name || d.Capabilities() != tc.caps {
			t.Fatalf("Open(%q) = %s %+v, want %s %+v", tc.spec, d.Name(), d.Capabilities(), tc.name, tc.caps)
		}
	}
	for _, bad := range []string{"", "log", "skype", "url:x"} {
		if _, err := Open(bad, Options{}); err == nil {
			t.Fatalf("Open(%q) succeeded", bad)
		}
	}
	if _, err := Open("skype", Options{}); !errors.Is(err, ErrUnknown) {
		t.Fatalf("Open(skype) = %v, want ErrUnknown", err)
	}
}

// TestLogStillWorks keeps the log:FILE backend's behaviour through Open.
func TestLogStillWorks(t *testing.T) {
	log := filepath.Join(t.TempDir(), "dials.log")
	d, err := Open("log:"+log, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Dial(context.Background(), dialer.Request{ID: "1", Number: "+4930123456", Mode: call.ModeCall}); err != nil {
		t.Fatal(err)
	}
}

// TestOptionsReachBackends: an unreachable bus and a missing adb program
// come back as ErrUnavailable, which proves the options were applied.
func TestOptionsReachBackends(t *testing.T) {
	ctx := context.Background()
	for _, spec := range []string{"ofono", "modemmanager", "hfp", "kdeconnect"} {
		noBus := "unix:path=" + filepath.Join(t.TempDir(), "no-bus")
		d, _ := Open(spec, Options{BusAddress: noBus, SessionBusAddress: noBus})
		if err := d.Check(ctx); !errors.Is(err, dialer.ErrUnavailable) {
			t.Fatalf("%s Check on a missing bus = %v", spec, err)
		}
	}
	d, _ := Open("adb", Options{ADB: filepath.Join(t.TempDir(), "no-adb")})
	if err := d.Check(ctx); !errors.Is(err, dialer.ErrUnavailable) {
		t.Fatalf("adb Check without adb = %v", err)
	}
	var opened string
	d, _ = Open("url", Options{Opener: func(_ context.Context, uri string) error { opened = uri; return nil }})
	if _, err := d.Dial(ctx, dialer.Request{ID: "1", Number: "+4930123456", Mode: call.ModePrefill}); err != nil || opened != "tel:+4930123456" {
		t.Fatalf("url Dial = %v, opened %q", err, opened)
	}
}
