package localphone

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer/backends"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/testsupport"
)

const ag0 = dbus.ObjectPath("/org/pipewire/Telephony/ag0")

// bus starts a private dbus-daemon and returns its address and a
// connection of the test's own.
func bus(t *testing.T) (string, *dbus.Conn) {
	t.Helper()
	addr := testsupport.DBusDaemon(t)
	return addr, testsupport.DBusConn(t, addr)
}

// mock runs one of the hfp backend's dbusmock templates on the bus.
func mock(t *testing.T, addr string, _ *dbus.Conn, name, tmpl, params string) {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "dialer", "hfp", "testdata", tmpl))
	if err != nil {
		t.Fatal(err)
	}
	testsupport.DBusMock(t, addr, name, p, params)
}

func TestScan(t *testing.T) {
	sess, sconn := bus(t)
	sys, yconn := bus(t)
	opts := backends.Options{BusAddress: sys, SessionBusAddress: sess}
	found, problems := Scan(context.Background(), opts)
	if len(found) != 0 || len(problems) != 2 || !strings.HasPrefix(problems[0], "Bluetooth: hfp: no Bluetooth hands-free service") ||
		!strings.HasPrefix(problems[1], "KDE Connect: kdeconnect: neither KDE Connect nor GSConnect runs") {
		t.Fatalf("Scan with nothing there = %+v, %q", found, problems)
	}
	mock(t, sess, sconn, "org.pipewire.Telephony", "pipewire_telephony.py", "")
	mock(t, sys, yconn, "org.bluez", "bluez_telephony.py", `{"Telephony": false}`)
	found, problems = Scan(context.Background(), opts)
	want := Found{Kind: KindBluetooth, Backend: "hfp:Pixel 7", Name: "Pixel 7",
		Via: "PipeWire telephony (org.pipewire.Telephony on the session bus)", Places: true, Ready: true}
	if len(found) != 1 || found[0] != want || len(problems) != 1 {
		t.Fatalf("Scan = %+v, %q", found, problems)
	}
}

// TestLocalBluetoothPhone runs a desktop with its embedded server and a
// local Bluetooth phone in the same process: the phone pairs through the
// desktop's offer, a call from the desktop goes through the agent (which
// logs it and refuses what policy refuses) to PipeWire's Dial, and the
// phone shows offline as soon as Bluetooth drops it.
func TestLocalBluetoothPhone(t *testing.T) {
	sess, sconn := bus(t)
	sys, yconn := bus(t)
	mock(t, sess, sconn, "org.pipewire.Telephony", "pipewire_telephony.py", "")
	mock(t, sys, yconn, "org.bluez", "bluez_telephony.py", `{"Telephony": false}`)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	home, c := desktop(t, ctx)

	var mu sync.Mutex
	var entries []agent.Entry
	var reach []bool
	dir := filepath.Join(home, "local", "bluetooth")
	cfg := Config{
		Dir: dir, Backend: "hfp:Pixel 7", Name: "Pixel 7 (Bluetooth)",
		Options: backends.Options{BusAddress: sys, SessionBusAddress: sess},
		Offer:   func(ctx context.Context) (pairing.Offer, error) { return c.Offer(ctx) },
		Region:  "DE", Poll: 50 * time.Millisecond,
		OnEntry: func(e agent.Entry) { mu.Lock(); entries = append(entries, e); mu.Unlock() },
		OnReach: func(ok bool, _ string) { mu.Lock(); reach = append(reach, ok); mu.Unlock() },
	}
	rctx, rcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Run(rctx, cfg) }()
	defer func() {
		rcancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	online := func(want bool) func() bool { return isOnline(ctx, c, "Pixel 7 (Bluetooth)", want) }
	testsupport.WaitFor(t, "the local phone online at the desktop, calling through hfp", online(true))
	var phoneID = func() (id string) {
		list, _ := c.Phones(ctx)
		for _, p := range list {
			if p.Peer.Name == "Pixel 7 (Bluetooth)" {
				return p.Peer.ID.String()
			}
		}
		return ""
	}()
	peer := func() remote.PhoneInfo {
		list, _ := c.Phones(ctx)
		for _, p := range list {
			if p.Peer.ID.String() == phoneID {
				return p
			}
		}
		t.Fatal("the local phone is not paired")
		return remote.PhoneInfo{}
	}()

	h, err := c.Call(ctx, peer.Peer.ID, "030 1234567", call.ModeCall)
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	defer h.Close()
	var dials []struct {
		When uint64
		Args []dbus.Variant
	}
	testsupport.WaitFor(t, "PipeWire's Dial", func() bool {
		err := sconn.Object("org.pipewire.Telephony", ag0).Call("org.freedesktop.DBus.Mock.GetMethodCalls", 0, "Dial").Store(&dials)
		return err == nil && len(dials) > 0
	})
	if len(dials) != 1 || dials[0].Args[0].Value() != "+49301234567" {
		t.Fatalf("PipeWire received %v", dials)
	}
	// The same policy as a remote phone: a premium-rate number is refused
	// before it reaches the backend.
	if _, err := c.Call(ctx, peer.Peer.ID, "+49 900 1234567", call.ModeCall); !errors.Is(err, remote.ErrRefused) {
		t.Fatalf("premium-rate call = %v, want refused", err)
	}
	mu.Lock()
	var decisions []string
	for _, e := range entries {
		decisions = append(decisions, e.Decision)
	}
	mu.Unlock()
	if len(decisions) != 2 || decisions[0] != "accepted" || decisions[1] == "accepted" {
		t.Fatalf("agent decisions %v, want accepted then refused", decisions)
	}
	if b, err := os.ReadFile(filepath.Join(dir, agent.AuditFile)); err != nil || !strings.Contains(string(b), "+49301234567") {
		t.Fatalf("audit log: %v\n%s", err, b)
	}

	// Bluetooth drops the phone: offline at the desktop; back when it is.
	if err := sconn.Object("org.pipewire.Telephony", "/org/pipewire/Telephony").Call("org.freedesktop.DBus.Mock.RemoveAudioGateway", 0, ag0).Err; err != nil {
		t.Fatal(err)
	}
	testsupport.WaitFor(t, "the local phone offline at the desktop", online(false))
	if err := sconn.Object("org.pipewire.Telephony", "/org/pipewire/Telephony").Call("org.freedesktop.DBus.Mock.AddAudioGateway", 0, "00:11:22:33:44:55").Err; err != nil {
		t.Fatal(err)
	}
	testsupport.WaitFor(t, "the local phone online again", online(true))
	mu.Lock()
	defer mu.Unlock()
	if len(reach) != 3 || !reach[0] || reach[1] || !reach[2] {
		t.Fatalf("OnReach %v, want reachable, gone, reachable", reach)
	}
}

// desktop opens a desktop with its embedded server on a free port.
func desktop(t *testing.T, ctx context.Context) (string, *remote.Client) {
	t.Helper()
	home := t.TempDir()
	st := config.Default()
	st.Listen = "127.0.0.1:0"
	st.Region = "DE"
	desk, err := remote.OpenDesktop(config.Paths{Config: home, Data: home}, st, "", "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := remote.Open(ctx, desk, remote.StartService())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return home, c
}

// isOnline reports whether the desktop sees the phone called name online
// (calling through hfp) when want, or paired and offline when not.
func isOnline(ctx context.Context, c *remote.Client, name string, want bool) func() bool {
	return func() bool {
		list, err := c.Phones(ctx)
		if err != nil {
			return false
		}
		for _, p := range list {
			if p.Peer.Name == name {
				return p.Online == want && (!want || p.Presence.Backend == "hfp" && p.Presence.PlacesCalls)
			}
		}
		return false
	}
}

func TestSetFollowsTheChoice(t *testing.T) {
	sess, sconn := bus(t)
	sys, yconn := bus(t)
	mock(t, sess, sconn, "org.pipewire.Telephony", "pipewire_telephony.py", `{"Phones": ["00:11:22:33:44:55", "66:77:88:99:AA:BB"]}`)
	mock(t, sys, yconn, "org.bluez", "bluez_telephony.py",
		`{"Telephony": false, "Devices": [["00:11:22:33:44:55", "Pixel 7"], ["66:77:88:99:AA:BB", "Work iPhone"]]}`)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	home, c := desktop(t, ctx)
	s := &Set{ConfigDir: home, Base: Config{
		Options: backends.Options{BusAddress: sys, SessionBusAddress: sess},
		Offer:   func(ctx context.Context) (pairing.Offer, error) { return c.Offer(ctx) },
		Poll:    50 * time.Millisecond,
	}, OnError: func(b string, err error) { t.Errorf("%s: %v", b, err) }}
	defer s.Close()
	s.Sync(ctx, map[string]string{"hfp:Pixel 7": "Pixel", "hfp:Work iPhone": "Work"})
	testsupport.WaitFor(t, "Pixel online", isOnline(ctx, c, "Pixel", true))
	testsupport.WaitFor(t, "Work online", isOnline(ctx, c, "Work", true))
	s.Sync(ctx, map[string]string{"hfp:Pixel 7": "Pixel"})
	testsupport.WaitFor(t, "Work offline once no longer chosen", isOnline(ctx, c, "Work", false))
	if !isOnline(ctx, c, "Pixel", true)() {
		t.Fatal("Pixel went offline with the other phone")
	}
	s.Close()
	testsupport.WaitFor(t, "Pixel offline after Close", isOnline(ctx, c, "Pixel", false))
}

func TestNotALocalBackend(t *testing.T) {
	err := Run(context.Background(), Config{Dir: t.TempDir(), Backend: "adb", Name: "x"})
	if !errors.Is(err, ErrNotLocal) {
		t.Fatalf("Run(adb) = %v", err)
	}
}

func TestDirFor(t *testing.T) {
	a, b := DirFor("/c", "hfp:Pixel 7"), DirFor("/c", "hfp:pixel-7")
	if !strings.HasPrefix(a, "/c/local-phones/hfp-pixel-7-") || a == b {
		t.Fatalf("DirFor = %q, %q", a, b)
	}
	if d := DirFor("/c", "kdeconnect:../../etc"); filepath.Dir(d) != "/c/local-phones" {
		t.Fatalf("DirFor escapes: %q", d)
	}
}

func FuzzDirFor(f *testing.F) {
	for _, s := range []string{"hfp:Pixel 7", "kdeconnect:../../x", "", "hfp:" + strings.Repeat("é", 50)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		d := DirFor("/c", spec)
		if filepath.Dir(d) != "/c/local-phones" || strings.ContainsAny(filepath.Base(d), "/\\. ") {
			t.Fatalf("DirFor(%q) = %q", spec, d)
		}
	})
}

func TestScanTellsSameNamesApart(t *testing.T) {
	sess, sconn := bus(t)
	sys, yconn := bus(t)
	mock(t, sess, sconn, "org.pipewire.Telephony", "pipewire_telephony.py", `{"Phones": ["00:11:22:33:44:55", "66:77:88:99:AA:BB"]}`)
	mock(t, sys, yconn, "org.bluez", "bluez_telephony.py",
		`{"Telephony": false, "Devices": [["00:11:22:33:44:55", "iPhone"], ["66:77:88:99:AA:BB", "iPhone"]]}`)
	found, _ := Scan(context.Background(), backends.Options{BusAddress: sys, SessionBusAddress: sess})
	if len(found) != 2 || found[0].Backend != "hfp:00:11:22:33:44:55" || found[1].Backend != "hfp:66:77:88:99:AA:BB" {
		t.Fatalf("Scan = %+v, want the phones by address", found)
	}
}

func TestPruneForgetsPhonesNoLongerChosen(t *testing.T) {
	home := t.TempDir()
	keep, drop, never := "hfp:Pixel 7", "kdeconnect:Old phone", "hfp:Never ran"
	for _, spec := range []string{keep, drop} {
		if _, err := device.LoadOrCreate(DirFor(home, spec)); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(DirFor(home, never), 0o700) // made, but no identity yet
	dropID, ok := IDOf(home, drop)
	if !ok {
		t.Fatal("IDOf: no identity")
	}
	if _, ok := IDOf(home, "hfp:Nothing"); ok {
		t.Fatal("IDOf made up an identity for a phone that has none")
	}
	var unpaired []device.ID
	err := Prune(home, map[string]string{keep: "Pixel"}, func(id device.ID) error {
		unpaired = append(unpaired, id)
		return fmt.Errorf("unpair: %w", device.ErrNoPeer) // already gone from the desktop: fine
	})
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if len(unpaired) != 1 || unpaired[0] != dropID {
		t.Fatalf("unpaired %v, want %v", unpaired, dropID)
	}
	for spec, want := range map[string]bool{keep: true, drop: false, never: false} {
		if _, err := os.Stat(DirFor(home, spec)); (err == nil) != want {
			t.Errorf("%s: directory there = %v, want %v", spec, err == nil, want)
		}
	}
	// An unpair that fails keeps the directory, to try again.
	if _, err := device.LoadOrCreate(DirFor(home, drop)); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("registry unwritable")
	if err := Prune(home, nil, func(device.ID) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Prune = %v, want %v", err, boom)
	}
	if _, err := os.Stat(DirFor(home, drop)); err != nil {
		t.Fatal("the directory of a phone that could not be unpaired was deleted")
	}
	if err := Prune(t.TempDir(), nil, nil); err != nil {
		t.Fatalf("Prune with no local phones: %v", err)
	}
}
