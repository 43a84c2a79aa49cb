package trayapp

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer/backends"
	"github.com/deskdial/deskdial/internal/localphone"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/testsupport"
	"github.com/deskdial/deskdial/internal/testsupport/dbustest"
)

const (
	pwName = "org.pipewire.Telephony"
	pwRoot = dbus.ObjectPath("/org/pipewire/Telephony")
	pwAG   = dbus.ObjectPath("/org/pipewire/Telephony/ag0")
)

func pwTemplate(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "dialer", "hfp", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLocalPhonesFollowTheSettings runs the tray's local-phones part
// against a desktop with its embedded server, PipeWire's telephony service
// (python3-dbusmock) on a private session bus and BlueZ's device names on
// a private system bus. What the user would notice, through the adapter
// the tray's menu reads: the phone chosen in the settings is a phone of
// this desktop that "will call", offline as soon as Bluetooth drops it;
// calls to it keep the settings' rate limit and can be hung up; removed
// from the settings, it is unpaired and its keys are gone; removed in the
// pairing window, it is no longer chosen.
func TestLocalPhonesFollowTheSettings(t *testing.T) {
	sess, sys := dbustest.Bus(t), dbustest.Bus(t)
	dbustest.StartMock(t, sess, pwName, "--template", pwTemplate(t, "pipewire_telephony.py"))
	dbustest.StartMock(t, sys, "org.bluez", "--template", pwTemplate(t, "bluez_telephony.py"), "-p", `{"Telephony": false}`)
	pw := dbustest.Conn(t, sess)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	home := t.TempDir()
	store, err := config.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	const spec = "hfp:Pixel 7"
	if err := store.Modify(func(s *config.Settings) {
		s.Listen, s.Region, s.RatePerMinute = "127.0.0.1:0", "DE", 1
		s.LocalPhones = map[string]string{spec: "Pixel 7"}
	}); err != nil {
		t.Fatal(err)
	}
	d, err := remote.OpenDesktop(config.Paths{Config: home, Data: home}, store.Get(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := remote.Open(ctx, d, remote.StartService())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := &remotePort{c: c, caps: map[string]desktop.Phone{}}

	var mu sync.Mutex
	var reach []bool
	l := newLocalPhones(localDeps{Dir: home, Store: store,
		Offer:  func(ctx context.Context) (pairing.Offer, error) { return c.Offer(ctx) },
		Unpair: func(id device.ID) error { return c.Unpair(ctx, id) },
		Reach:  func(ok bool) { mu.Lock(); reach = append(reach, ok); mu.Unlock() },
		Base: localphone.Config{Options: backends.Options{BusAddress: sys, SessionBusAddress: sess},
			Poll: 50 * time.Millisecond},
	})
	l.synced = make(chan struct{}, 8)
	done := make(chan error, 1)
	rctx, stop := context.WithCancel(ctx)
	go func() { done <- l.Run(rctx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	phone := func() (desktop.Phone, bool) {
		list, err := port.Phones(ctx)
		if err != nil {
			return desktop.Phone{}, false
		}
		for _, p := range list {
			if p.Name == "Pixel 7" {
				return p, true
			}
		}
		return desktop.Phone{}, false
	}
	online := func(want bool) func() bool {
		return func() bool { p, ok := phone(); return ok && p.Online == want }
	}
	testsupport.WaitFor(t, "the chosen phone online at the desktop", online(true))
	p, _ := phone()
	if !p.PlacesCalls || !p.CanHangup {
		t.Fatalf("the Bluetooth phone shows as %+v, want it to place calls and hang up", p)
	}
	id, ok := localphone.IDOf(home, spec)
	if !ok || id.String() != p.ID {
		t.Fatalf("the desktop's phone %s is not the local phone's identity %v", p.ID, id)
	}

	// A call through the same adapter the Call prompt uses: it reaches
	// PipeWire, its states come back, Hang up ends it.
	rec := dbustest.Record(t, pw)
	h, err := port.Call(ctx, p.ID, "030 1234567", desktop.ModeCall)
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	testsupport.WaitFor(t, "PipeWire's Dial", func() bool {
		return len(dbustest.MethodCalls(t, pw, pwName, pwAG, "Dial")) == 1
	})
	if got := dbustest.MethodCalls(t, pw, pwName, pwAG, "Dial")[0][0]; got != "+49301234567" {
		t.Fatalf("PipeWire dialled %v", got)
	}
	waitPhase(t, h, desktop.PhaseDialing)
	if err := h.Hangup(ctx); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	waitPhase(t, h, desktop.PhaseEnded)
	testsupport.WaitFor(t, "Hang up on the desktop to reach PipeWire's call", func() bool { return rec.Has(pwAG+"/call0", "Hangup") })
	// The settings' rate limit (1 a minute) is the agent's: a second call
	// is refused, as it would be by a phone across the room.
	var refused *desktop.RefusedError
	if _, err := port.Call(ctx, p.ID, "030 7654321", desktop.ModeCall); !errors.As(err, &refused) {
		t.Fatalf("second call in a minute = %v, want refused", err)
	}

	// Bluetooth drops the phone: offline at once; back when it is.
	mock := pw.Object(pwName, pwRoot)
	if err := mock.Call("org.freedesktop.DBus.Mock.RemoveAudioGateway", 0, pwAG).Err; err != nil {
		t.Fatal(err)
	}
	testsupport.WaitFor(t, "the phone offline once Bluetooth drops it", online(false))
	if err := mock.Call("org.freedesktop.DBus.Mock.AddAudioGateway", 0, "00:11:22:33:44:55").Err; err != nil {
		t.Fatal(err)
	}
	testsupport.WaitFor(t, "the phone online again", online(true))
	mu.Lock()
	if len(reach) < 3 || !reach[0] || reach[1] || !reach[2] {
		t.Errorf("told of reach %v, want online, offline, online", reach)
	}
	mu.Unlock()

	// Removed from the settings: unpaired at the desktop, keys deleted.
	drain(l.synced)
	if err := store.Modify(func(s *config.Settings) { s.LocalPhones = nil }); err != nil {
		t.Fatal(err)
	}
	l.SettingsChanged()
	<-l.synced
	if _, ok := phone(); ok {
		t.Fatal("a phone removed from the settings is still paired")
	}
	if _, err := os.Stat(localphone.DirFor(home, spec)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the removed phone's directory is still there: %v", err)
	}

	// Chosen again it pairs again; removed in the pairing window, it is
	// no longer chosen, so it does not pair itself back.
	if err := store.Modify(func(s *config.Settings) { s.LocalPhones = map[string]string{spec: "Pixel 7"} }); err != nil {
		t.Fatal(err)
	}
	l.SettingsChanged()
	testsupport.WaitFor(t, "the phone chosen again online", online(true))
	p, _ = phone()
	pp := pairingPort{c: c, d: d, removed: l.Removed}
	drain(l.synced)
	if err := pp.Remove(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	<-l.synced
	if got := store.Get().LocalPhones; len(got) != 0 {
		t.Fatalf("removed in the pairing window, still chosen: %v", got)
	}
	if _, ok := phone(); ok {
		t.Fatal("the phone removed in the pairing window paired itself back")
	}
}

func waitPhase(t *testing.T, h desktop.CallHandle, want desktop.Phase) {
	t.Helper()
	deadline := time.After(testsupport.Deadline)
	for {
		select {
		case u, ok := <-h.Updates():
			if !ok {
				t.Fatalf("the call's updates ended before %v", want)
			}
			if u.Phase == want {
				return
			}
		case <-deadline:
			t.Fatalf("the call never reached %v", want)
		}
	}
}

func drain(ch chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
