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

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer/backends"
	"github.com/deskdial/deskdial/internal/localphone"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/testsupport"
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
	sess, sys := testsupport.DBusDaemon(t), testsupport.DBusDaemon(t)
	testsupport.DBusMock(t, sess, pwName, pwTemplate(t, "pipewire_telephony.py"), "")
	testsupport.DBusMock(t, sys, "org.bluez", pwTemplate(t, "bluez_telephony.py"), `{"Telephony": false}`)
	pw := testsupport.DBusConn(t, sess)

	const spec = "hfp:Pixel 7"
	r := newLocalRig(t, backends.Options{BusAddress: sys, SessionBusAddress: sess}, map[string]string{spec: "Pixel 7"})
	ctx, home, store, c, d, port, l := r.ctx, r.home, r.store, r.c, r.d, r.port, r.l
	reached := func() []bool { r.mu.Lock(); defer r.mu.Unlock(); return append([]bool(nil), r.reach...) }

	phone := func() (desktop.Phone, bool) { return r.phone("Pixel 7") }
	online := func(want bool) func() bool { return r.online("Pixel 7", want) }
	testsupport.WaitFor(t, "the chosen phone online at the desktop", online(true))
	p, _ := phone()
	if !p.PlacesCalls || !p.CanHangup {
		t.Fatalf("the Bluetooth phone shows as %+v, want it to place calls and hang up", p)
	}
	id, ok := localphone.IDOf(home, spec)
	if !ok || id != p.ID {
		t.Fatalf("the desktop's phone %s is not the local phone's identity %v", p.ID, id)
	}

	// A call through the same adapter the Call prompt uses: it reaches
	// PipeWire, its states come back, Hang up ends it.
	rec := testsupport.RecordMockCalls(t, pw)
	h, err := port.Call(ctx, p.ID, "030 1234567", call.ModeCall)
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	testsupport.WaitFor(t, "PipeWire's Dial", func() bool {
		return len(testsupport.MockCalls(t, pw, pwName, pwAG, "Dial")) == 1
	})
	if got := testsupport.MockCalls(t, pw, pwName, pwAG, "Dial")[0][0]; got != "+49301234567" {
		t.Fatalf("PipeWire dialled %v", got)
	}
	waitPhase(t, h, call.Dialing)
	if err := h.Hangup(ctx); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	waitPhase(t, h, call.Ended)
	testsupport.WaitFor(t, "Hang up on the desktop to reach PipeWire's call", func() bool { return rec.Has(pwAG+"/call0", "Hangup") })
	// The settings' rate limit (1 a minute) is the agent's: a second call
	// is refused, as it would be by a phone across the room.
	var refused *desktop.RefusedError
	if _, err := port.Call(ctx, p.ID, "030 7654321", call.ModeCall); !errors.As(err, &refused) {
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
	if reach := reached(); len(reach) < 3 || !reach[0] || reach[1] || !reach[2] {
		t.Errorf("told of reach %v, want online, offline, online", reach)
	}

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

// localRig is a desktop with its embedded server and the tray's
// local-phones part running for it, with the settings in a real file.
type localRig struct {
	ctx   context.Context
	home  string
	store *config.Store
	c     *remote.Client
	d     *remote.Desktop
	port  *remotePort
	l     *localPhones
	mu    sync.Mutex
	reach []bool
}

func newLocalRig(t *testing.T, opts backends.Options, chosen map[string]string) *localRig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	r := &localRig{ctx: ctx, home: t.TempDir()}
	var err error
	if r.store, err = config.Open(r.home); err != nil {
		t.Fatal(err)
	}
	if err := r.store.Modify(func(s *config.Settings) {
		s.Listen, s.Region, s.RatePerMinute = "127.0.0.1:0", "DE", 1
		s.LocalPhones = chosen
	}); err != nil {
		t.Fatal(err)
	}
	if r.d, err = remote.OpenDesktop(config.Paths{Config: r.home, Data: r.home}, r.store.Get(), "", ""); err != nil {
		t.Fatal(err)
	}
	if r.c, err = remote.Open(ctx, r.d, remote.StartService()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.c.Close)
	r.port = &remotePort{c: r.c, caps: map[device.ID]desktop.Phone{}}
	r.l = newLocalPhones(localDeps{Dir: r.home, Store: r.store,
		Offer:  func(ctx context.Context) (pairing.Offer, error) { return r.c.Offer(ctx) },
		Unpair: func(id device.ID) error { return r.c.Unpair(ctx, id) },
		Reach:  func(ok bool) { r.mu.Lock(); r.reach = append(r.reach, ok); r.mu.Unlock() },
		Base:   localphone.Config{Options: opts, Poll: 50 * time.Millisecond},
	})
	r.l.synced = make(chan struct{}, 8)
	done := make(chan error, 1)
	rctx, stop := context.WithCancel(ctx)
	go func() { done <- r.l.Run(rctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return r
}

// phone is the desktop's phone called name, as the tray's menu reads it.
func (r *localRig) phone(name string) (desktop.Phone, bool) {
	list, err := r.port.Phones(r.ctx)
	if err != nil {
		return desktop.Phone{}, false
	}
	for _, p := range list {
		if p.Name == name {
			return p, true
		}
	}
	return desktop.Phone{}, false
}

func (r *localRig) online(name string, want bool) func() bool {
	return func() bool { p, ok := r.phone(name); return ok && p.Online == want }
}

// A phone in KDE Connect chosen in the settings is a phone of this desktop
// that "will open the dialer", with no Hang up; a call hands the phone a
// tel: link through KDE Connect's share plugin.
func TestLocalKDEConnectPhoneOpensTheDialer(t *testing.T) {
	sess := testsupport.DBusDaemon(t)
	tmpl, err := filepath.Abs(filepath.Join("..", "dialer", "kdeconnect", "testdata", "kdeconnect.py"))
	if err != nil {
		t.Fatal(err)
	}
	testsupport.DBusMock(t, sess, "org.kde.kdeconnect", tmpl, "")
	kde := testsupport.DBusConn(t, sess)
	r := newLocalRig(t, backends.Options{SessionBusAddress: sess, BusAddress: testsupport.DBusDaemon(t)},
		map[string]string{"kdeconnect:Pixel 7": "Pixel (KDE Connect)"})
	testsupport.WaitFor(t, "the KDE Connect phone online", r.online("Pixel (KDE Connect)", true))
	p, _ := r.phone("Pixel (KDE Connect)")
	if p.PlacesCalls || p.CanHangup {
		t.Fatalf("the KDE Connect phone shows as %+v, want it to open the dialer, no Hang up", p)
	}
	h, err := r.port.Call(r.ctx, p.ID, "030 1234567", call.ModePrefill)
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	waitPhase(t, h, call.Prefilled)
	share := dbus.ObjectPath("/modules/kdeconnect/devices/a1b2c3d4_e5f6_4711_8899_aabbccddeeff/share")
	got := testsupport.MockCalls(t, kde, "org.kde.kdeconnect", share, "shareUrl")
	if len(got) != 1 || got[0][0] != "tel:+49301234567" {
		t.Fatalf("KDE Connect received shareUrl %v", got)
	}
}

func waitPhase(t *testing.T, h desktop.CallHandle, want call.State) {
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
