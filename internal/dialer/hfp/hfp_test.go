package hfp

import (
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/internal/calltest"
	"github.com/deskdial/deskdial/internal/testsupport"
)

const (
	number = "+4930123456"
	phone  = "00:11:22:33:44:55"
	ag0    = dbus.ObjectPath(pwRoot + "/ag0")
	tel0   = dbus.ObjectPath("/org/bluez/hci0/dev_00_11_22_33_44_55/telephony0")
)

// rig is a private session bus and a private "system" bus, with the mock
// services a test asks for on them, and a Dialer pointed at both.
type rig struct {
	sess, sys         string
	sessConn, sysConn *dbus.Conn
	pw, bz            *testsupport.Mock
	d                 *Dialer
}

func template(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newRig starts PipeWire's telephony mock on the session bus unless pw is
// "-", and BlueZ's on the system bus unless bz is "-"; the strings are the
// mocks' parameters (JSON).
func newRig(t *testing.T, pw, bz string, opts ...Option) *rig {
	t.Helper()
	r := &rig{sess: testsupport.DBusDaemon(t), sys: testsupport.DBusDaemon(t)}
	r.sessConn, r.sysConn = testsupport.DBusConn(t, r.sess), testsupport.DBusConn(t, r.sys)
	if pw != "-" {
		r.pw = testsupport.DBusMock(t, r.sess, pwService, template(t, "pipewire_telephony.py"), pw)
	}
	if bz != "-" {
		r.bz = testsupport.DBusMock(t, r.sys, bzService, template(t, "bluez_telephony.py"), bz)
	}
	r.d = New(append([]Option{WithSessionBus(r.sess), WithSystemBus(r.sys)}, opts...)...)
	t.Cleanup(func() { r.d.Close() })
	return r
}

func (r *rig) pwState(t *testing.T, dc dialer.Call, state string) {
	t.Helper()
	_, p, _ := parseHandle(dc.Handle)
	if err := r.sessConn.Object(pwService, pwRoot).Call("org.freedesktop.DBus.Mock.SetCallState", 0, p, state).Err; err != nil {
		t.Fatalf("SetCallState %s: %v", state, err)
	}
}

func (r *rig) bzState(t *testing.T, dc dialer.Call, state string) {
	t.Helper()
	_, p, _ := parseHandle(dc.Handle)
	if err := r.sysConn.Object(bzService, "/").Call("org.freedesktop.DBus.Mock.SetCallState", 0, p, state).Err; err != nil {
		t.Fatalf("SetCallState %s: %v", state, err)
	}
}

func req(id string) dialer.Request {
	return dialer.Request{ID: id, Number: number, Mode: call.ModeCall, Expires: time.Now().Add(time.Minute)}
}

// settled fails unless the goroutines are back to base once the dialer is
// closed: no watch, subscription or connection outlives its call.
func settled(t *testing.T, r *rig, base int) {
	t.Helper()
	r.d.Close()
	c := calltest.Ctx(t)
	calltest.Eventually(t, c, "goroutines back to where they were", func() bool {
		return runtime.NumGoroutine() <= base
	})
}

// matchRules returns how many match rules the dialer's connection to a bus
// has there, from dbus-daemon's statistics.
func matchRules(t *testing.T, r *rig, system bool) uint32 {
	t.Helper()
	c, err := r.d.conn(system)
	if err != nil {
		t.Fatal(err)
	}
	test := r.sessConn
	if system {
		test = r.sysConn
	}
	var stats map[string]dbus.Variant
	err = test.Object("org.freedesktop.DBus", "/org/freedesktop/DBus").Call("org.freedesktop.DBus.Debug.Stats.GetConnectionStats", 0, c.Names()[0]).Store(&stats)
	if err != nil {
		t.Fatalf("GetConnectionStats: %v", err)
	}
	n, ok := stats["MatchRules"].Value().(uint32)
	if !ok {
		t.Fatalf("no MatchRules in %v", stats)
	}
	return n
}

func TestCapabilities(t *testing.T) {
	want := dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}
	if got := New().Capabilities(); got != want {
		t.Fatalf("Capabilities = %+v, want %+v", got, want)
	}
}

func TestPipeWireCallEndedByTheOtherSide(t *testing.T) {
	// PipeWire 1.5.81 and later: Dial returns nothing, the call is announced.
	r := newRig(t, "", `{"Telephony": false}`)
	c := calltest.Ctx(t)
	if err := r.d.Check(c); err != nil {
		t.Fatalf("Check: %v", err)
	}
	ps, err := r.d.Phones(c)
	if err != nil || len(ps) != 1 || ps[0].Name != "Pixel 7" || ps[0].Address != phone || ps[0].Path != ag0 || !strings.Contains(ps[0].Service, "PipeWire") {
		t.Fatalf("Phones = %+v, %v; want Pixel 7 through PipeWire", ps, err)
	}
	if u, err := r.d.Using(c); err != nil || u != "Pixel 7 through PipeWire telephony (org.pipewire.Telephony on the session bus)" {
		t.Fatalf("Using = %q, %v", u, err)
	}
	dc := calltest.Dial(t, c, r.d, req("id-1"))
	if dc.ID != "id-1" || dc.Handle != "pipewire:"+string(ag0)+"/call0" {
		t.Fatalf("Dial = %+v", dc)
	}
	got := testsupport.MockCalls(t, r.sessConn, pwService, ag0, "Dial")
	if len(got) != 1 || len(got[0]) != 1 || got[0][0] != number {
		t.Fatalf("PipeWire received Dial %v, want [[%s]]", got, number)
	}
	// A state change before Watch starts is not lost.
	r.pwState(t, dc, "alerting")
	ch := calltest.Watch(t, c, r.d, dc)
	calltest.States(t, c, ch, call.Dialing, call.Alerting)
	r.pwState(t, dc, "active")
	calltest.States(t, c, ch, call.Active)
	r.pwState(t, dc, "disconnected")
	ev := calltest.Next(t, c, ch)
	if ev.State != call.Ended || ev.Duration <= 0 || ev.Reason != "the call ended" {
		t.Fatalf("end = %+v, want ended with a duration", ev)
	}
	calltest.Closed(t, c, ch)
}

func TestPipeWire14HangupFromDesktop(t *testing.T) {
	// PipeWire 1.4: Dial answers with the call's path.
	r := newRig(t, `{"DialReturnsCall": true}`, "-")
	c := calltest.Ctx(t)
	rec := testsupport.RecordMockCalls(t, r.sessConn)
	base := runtime.NumGoroutine()
	rules := matchRules(t, r, false)
	dc := calltest.Dial(t, c, r.d, req("id-2"))
	ch := calltest.Watch(t, c, r.d, dc)
	calltest.States(t, c, ch, call.Dialing)
	r.pwState(t, dc, "active")
	calltest.States(t, c, ch, call.Active)
	calltest.HangUp(t, c, r.d, dc, ch, true)
	_, p, _ := parseHandle(dc.Handle)
	calltest.Eventually(t, c, "the mock call received Hangup", func() bool { return rec.Has(p, "Hangup") })
	if left := r.d.calls(c, r.sessConn, pipewireSession, ag0); len(left) != 0 {
		t.Fatalf("calls left on the phone: %v", left)
	}
	// A call that is over hangs up without error.
	if err := r.d.Hangup(c, dc); err != nil {
		t.Fatalf("second Hangup: %v", err)
	}
	if n := matchRules(t, r, false); n != rules {
		t.Fatalf("match rules on the session bus: %d after the call, %d before", n, rules)
	}
	// Without BlueZ the phone shows by its address.
	if ps, _ := r.d.Phones(c); len(ps) != 1 || ps[0].Name != phone {
		t.Fatalf("Phones without BlueZ = %+v", ps)
	}
	settled(t, r, base)
}

func TestBlueZTelephony(t *testing.T) {
	r := newRig(t, "-", "")
	c := calltest.Ctx(t)
	ps, err := r.d.Phones(c)
	if err != nil || len(ps) != 1 || ps[0].Name != "Pixel 7" || ps[0].Path != tel0 || !strings.Contains(ps[0].Service, "BlueZ") {
		t.Fatalf("Phones = %+v, %v", ps, err)
	}
	dc := calltest.Dial(t, c, r.d, req("id-3"))
	if dc.Handle != "bluez:"+string(tel0)+"/call1" {
		t.Fatalf("Dial = %+v", dc)
	}
	got := testsupport.MockCalls(t, r.sysConn, bzService, tel0, "Dial")
	if len(got) != 1 || got[0][0] != "tel:"+number {
		t.Fatalf("BlueZ received Dial %v, want [[tel:%s]]", got, number)
	}
	ch := calltest.Watch(t, c, r.d, dc)
	calltest.States(t, c, ch, call.Dialing)
	r.bzState(t, dc, "alerting")
	calltest.States(t, c, ch, call.Alerting)
	r.bzState(t, dc, "active")
	calltest.States(t, c, ch, call.Active)
	calltest.HangUp(t, c, r.d, dc, ch, true)
}

func TestBlueZDeclined(t *testing.T) {
	r := newRig(t, "-", "")
	c := calltest.Ctx(t)
	dc := calltest.Dial(t, c, r.d, req("id-4"))
	ch := calltest.Watch(t, c, r.d, dc)
	calltest.States(t, c, ch, call.Dialing)
	r.bzState(t, dc, "disconnected")
	if ev := calltest.Next(t, c, ch); ev.State != call.Ended || ev.Duration != 0 || !strings.Contains(ev.Reason, "did not connect") {
		t.Fatalf("declined call: %+v", ev)
	}
}

func TestPhoneGoneMidCall(t *testing.T) {
	for _, tc := range []struct {
		name, pw, bz string
		drop         func(t *testing.T, r *rig)
	}{
		{"PipeWire", "", "-", func(t *testing.T, r *rig) {
			if err := r.sessConn.Object(pwService, pwRoot).Call("org.freedesktop.DBus.Mock.RemoveAudioGateway", 0, ag0).Err; err != nil {
				t.Fatal(err)
			}
		}},
		{"BlueZ", "-", "", func(t *testing.T, r *rig) {
			if err := r.sysConn.Object(bzService, "/").Call("org.freedesktop.DBus.Mock.DisconnectDevice", 0, phone).Err; err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.pw, tc.bz)
			c := calltest.Ctx(t)
			base := runtime.NumGoroutine()
			dc := calltest.Dial(t, c, r.d, req("id-5"))
			ch := calltest.Watch(t, c, r.d, dc)
			calltest.States(t, c, ch, call.Dialing)
			if tc.pw != "-" {
				r.pwState(t, dc, "active")
			} else {
				r.bzState(t, dc, "active")
			}
			calltest.States(t, c, ch, call.Active)
			tc.drop(t, r)
			ev := calltest.Next(t, c, ch)
			if ev.State != call.Failed || !strings.Contains(ev.Reason, "disconnected from this computer during the call") {
				t.Fatalf("phone gone: %+v", ev)
			}
			calltest.Closed(t, c, ch)
			_, err := r.d.Dial(c, req("id-6"))
			if !errors.Is(err, dialer.ErrUnavailable) {
				t.Fatalf("Dial with the phone gone = %v, want unavailable", err)
			}
			settled(t, r, base)
		})
	}
}

func TestServiceStopsMidCall(t *testing.T) {
	r := newRig(t, "", "-")
	c := calltest.Ctx(t)
	dc := calltest.Dial(t, c, r.d, req("id-7"))
	ch := calltest.Watch(t, c, r.d, dc)
	calltest.States(t, c, ch, call.Dialing)
	r.pw.Kill()
	if ev := calltest.Next(t, c, ch); ev.State != call.Failed || ev.Reason != "PipeWire stopped during the call" {
		t.Fatalf("PipeWire gone: %+v", ev)
	}
	calltest.Closed(t, c, ch)
}

func TestNoService(t *testing.T) {
	r := newRig(t, "-", "-")
	c := calltest.Ctx(t)
	err := r.d.Check(c)
	if !errors.Is(err, dialer.ErrUnavailable) || !errors.Is(err, ErrNoService) || !strings.Contains(err.Error(), "docs/phones.md") {
		t.Fatalf("Check = %v, want no service with a pointer to the docs", err)
	}
	if _, err := r.d.Dial(c, req("x")); !errors.Is(err, ErrNoService) {
		t.Fatalf("Dial = %v", err)
	}
}

func TestNoSessionBus(t *testing.T) {
	// deskdial phone run where no session bus is (a system service): the
	// error says PipeWire's service could not be looked for, and why.
	sys := testsupport.DBusDaemon(t)
	d := New(WithSystemBus(sys), WithSessionBus("unix:path="+filepath.Join(t.TempDir(), "none")))
	defer d.Close()
	err := d.Check(calltest.Ctx(t))
	if !errors.Is(err, ErrNoService) || !strings.Contains(err.Error(), "connect to the session bus") || !strings.Contains(err.Error(), "session bus of the user") {
		t.Fatalf("Check = %v", err)
	}
}

func TestNoSystemBus(t *testing.T) {
	// A container or a minimal system without dbus-daemon: the error
	// says which services were looked for and where to read how to set
	// them up, as when the bus is there but they are not.
	sess := testsupport.DBusDaemon(t)
	d := New(WithSessionBus(sess), WithSystemBus("unix:path="+filepath.Join(t.TempDir(), "none")))
	defer d.Close()
	err := d.Check(calltest.Ctx(t))
	if !errors.Is(err, ErrNoService) || !strings.Contains(err.Error(), "connect to the system bus") ||
		!strings.Contains(err.Error(), "BlueZ telephony") || !strings.Contains(err.Error(), `see "hfp: any phone over Bluetooth" in docs/phones.md`) ||
		strings.Contains(err.Error(), "session bus of the user") {
		t.Fatalf("Check = %v, want what was looked for, why it could not be, and the docs", err)
	}
}

func TestBlueZWithoutTelephonyIsNoService(t *testing.T) {
	// bluetoothd without -E has devices but no Telephony1.
	r := newRig(t, "-", `{"Telephony": false}`)
	if err := r.d.Check(calltest.Ctx(t)); !errors.Is(err, ErrNoService) {
		t.Fatalf("Check = %v, want no service", err)
	}
}

func TestNoPhone(t *testing.T) {
	r := newRig(t, `{"Phones": []}`, "-")
	err := r.d.Check(calltest.Ctx(t))
	if !errors.Is(err, ErrNoPhone) || !strings.Contains(err.Error(), "Bluetooth settings") {
		t.Fatalf("Check = %v, want no phone, saying where to connect one", err)
	}
}

func TestChoosingAPhone(t *testing.T) {
	params := `{"Devices": [["00:11:22:33:44:55", "Pixel 7"], ["66:77:88:99:AA:BB", "Work iPhone"]]}`
	r := newRig(t, "-", params)
	c := calltest.Ctx(t)
	if err := r.d.Check(c); err == nil || !strings.Contains(err.Error(), "hfp:NAME") || !strings.Contains(err.Error(), `"Work iPhone"`) {
		t.Fatalf("Check with two phones = %v, want a request to choose", err)
	}
	d := New(WithSessionBus(r.sess), WithSystemBus(r.sys), WithPhone("work iphone"))
	defer d.Close()
	dc := calltest.Dial(t, c, d, req("id-8"))
	if !strings.HasPrefix(dc.Handle, "bluez:/org/bluez/hci0/dev_66_77_88_99_AA_BB/") {
		t.Fatalf("called through %s, want the work iPhone", dc.Handle)
	}
	d2 := New(WithSessionBus(r.sess), WithSystemBus(r.sys), WithPhone("Nokia"))
	defer d2.Close()
	if err := d2.Check(c); !errors.Is(err, ErrNoPhone) || !strings.Contains(err.Error(), `no phone called "Nokia"`) {
		t.Fatalf("Check for a phone not there = %v", err)
	}
}

func TestDialErrors(t *testing.T) {
	r := newRig(t, `{"DialError": "org.pipewire.Telephony.Error.CME"}`, "-")
	c := calltest.Ctx(t)
	base := runtime.NumGoroutine()
	rules := matchRules(t, r, false)
	for i := 0; i < 5; i++ {
		_, err := r.d.Dial(c, req("id-9"))
		if !errors.Is(err, ErrRefused) {
			t.Fatalf("Dial = %v, want refused", err)
		}
	}
	if _, err := r.d.Dial(c, dialer.Request{ID: "p", Number: number, Mode: call.ModePrefill}); !errors.Is(err, dialer.ErrUnsupported) {
		t.Fatalf("prefill = %v, want unsupported", err)
	}
	if _, err := r.d.Dial(c, dialer.Request{ID: "b", Number: "+49 30; ATH", Mode: call.ModeCall}); !errors.Is(err, dialer.ErrInvalidNumber) {
		t.Fatalf("bad number = %v, want invalid", err)
	}
	if n := len(testsupport.MockCalls(t, r.sessConn, pwService, ag0, "Dial")); n != 5 {
		t.Fatalf("PipeWire received %d dials, want 5 (none for prefill or a bad number)", n)
	}
	if n := matchRules(t, r, false); n != rules {
		t.Fatalf("match rules: %d after failed dials, %d before", n, rules)
	}
	if s := r.d.pending.Take(ag0 + "/call0"); s != nil {
		t.Fatal("a failed dial left a subscription behind")
	}
	settled(t, r, base)
}

func TestBusyPhone(t *testing.T) {
	r := newRig(t, `{"DialError": "org.pipewire.Telephony.Error.InvalidState"}`, "-")
	_, err := r.d.Dial(calltest.Ctx(t), req("id-10"))
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("Dial = %v, want refused: busy", err)
	}
}

func TestWatchAfterRestart(t *testing.T) {
	r := newRig(t, "", "-")
	c := calltest.Ctx(t)
	dc := calltest.Dial(t, c, r.d, req("id-11"))
	r.pwState(t, dc, "active")
	d2 := New(WithSessionBus(r.sess), WithSystemBus(r.sys))
	defer d2.Close()
	ch := calltest.Watch(t, c, d2, dc)
	calltest.States(t, c, ch, call.Active)
	calltest.HangUp(t, c, d2, dc, ch, false)
}

func TestPipeWireInOfonoMode(t *testing.T) {
	// bluez5.telephony.provide-ofono: PipeWire owns org.ofono on the system
	// bus; its modems have none of oFono's properties.
	r := newRig(t, "-", "-")
	testsupport.DBusMock(t, r.sys, ofService, template(t, "pipewire_ofono.py"), "")
	c := calltest.Ctx(t)
	ps, err := r.d.Phones(c)
	if err != nil || len(ps) != 1 || ps[0].Path != ag0 || !strings.Contains(ps[0].Service, "oFono mode") {
		t.Fatalf("Phones = %+v, %v", ps, err)
	}
	dc := calltest.Dial(t, c, r.d, req("id-12"))
	if dc.Handle != "pipewire-ofono:"+string(ag0)+"/call0" {
		t.Fatalf("Dial = %+v", dc)
	}
	if got := testsupport.MockCalls(t, r.sysConn, ofService, ag0, "Dial"); len(got) != 1 || got[0][0] != number {
		t.Fatalf("Dial received %v", got)
	}
	ch := calltest.Watch(t, c, r.d, dc)
	calltest.States(t, c, ch, call.Dialing)
	calltest.HangUp(t, c, r.d, dc, ch, false)
}

func TestOfonoHandsFree(t *testing.T) {
	// Debian's dbusmock oFono template has a modem of this computer
	// ("hardware"), which is no Bluetooth phone.
	r := newRig(t, "-", "-")
	testsupport.DBusMock(t, r.sys, ofService, "ofono", "")
	c := calltest.Ctx(t)
	err := r.d.Check(c)
	if !errors.Is(err, ErrNoPhone) || !strings.Contains(err.Error(), "oFono") {
		t.Fatalf("Check = %v, want no phone through oFono", err)
	}
	// oFono's hands-free modem for a phone: Type "hfp", the phone's name.
	testsupport.MockSetProperty(t, r.sysConn, ofService, "/ril_0", "org.ofono.Modem", "Type", "hfp")
	if err := r.sysConn.Object(ofService, "/ril_0").Call("org.freedesktop.DBus.Mock.AddProperty", 0, "org.ofono.Modem", "Name", dbus.MakeVariant("Pixel 7")).Err; err != nil {
		t.Fatal(err)
	}
	ps, err := r.d.Phones(c)
	if err != nil || len(ps) != 1 || ps[0].Name != "Pixel 7" || !ps[0].Ready || !strings.Contains(ps[0].Service, "oFono") {
		t.Fatalf("Phones = %+v, %v", ps, err)
	}
	dc := calltest.Dial(t, c, r.d, req("id-13"))
	if dc.Handle != "ofono:/ril_0/voicecall01" {
		t.Fatalf("Dial = %+v", dc)
	}
	if got := testsupport.MockCalls(t, r.sysConn, ofService, "/", "Dial"); len(got) != 1 || got[0][0] != number {
		t.Fatalf("oFono received Dial %v", got)
	}
	ch := calltest.Watch(t, c, r.d, dc)
	calltest.States(t, c, ch, call.Dialing)
	calltest.HangUp(t, c, r.d, dc, ch, false)
}

func FuzzParseHandle(f *testing.F) {
	for _, s := range []string{"pipewire:/org/pipewire/Telephony/ag0/call0", "bluez:/a/b", "ofono:/ril_0/voicecall01", "x:/", ":", "pipewire:", "pipewire:relative"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		fl, p, err := parseHandle(h)
		if err != nil {
			return
		}
		if !p.IsValid() || fl.kind+":"+string(p) != h {
			t.Fatalf("parseHandle(%q) = %s, %q", h, fl.kind, p)
		}
	})
}
