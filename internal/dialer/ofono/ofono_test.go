package ofono

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/internal/calltest"
	"github.com/deskdial/deskdial/internal/testsupport"
)

const number = "+4930123456"

// rig is a private "system" bus with Debian's dbusmock oFono template on it.
type rig struct {
	addr string
	mock *testsupport.Mock
	conn *dbus.Conn // the test's own view of the bus
	d    *Dialer
}

func newRig(t *testing.T, opts ...Option) *rig {
	t.Helper()
	mock, conn := testsupport.DBusService(t, service, "ofono", "")
	r := &rig{addr: mock.Addr, mock: mock, conn: conn}
	r.d = New(append([]Option{WithBusAddress(r.addr)}, opts...)...)
	t.Cleanup(func() { r.d.Close() })
	return r
}

// setState moves the mock call the way ofonod does: property, then signal.
func (r *rig) setState(t *testing.T, path dbus.ObjectPath, state string) {
	t.Helper()
	testsupport.MockSetProperty(t, r.conn, service, path, ifCall, "State", state)
	testsupport.MockEmit(t, r.conn, service, path, ifCall, "PropertyChanged", "sv", "State", state)
}

func TestCapabilities(t *testing.T) {
	want := dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}
	if got := New().Capabilities(); got != want {
		t.Fatalf("Capabilities = %+v, want %+v", got, want)
	}
}

func TestCallLifecycleHangupFromDesktop(t *testing.T) {
	r := newRig(t)
	c := calltest.Ctx(t)
	if err := r.d.Check(c); err != nil {
		t.Fatalf("Check: %v", err)
	}
	dc := calltest.Dial(t, c, r.d, dialer.Request{ID: "id-1", Number: number, Mode: call.ModeCall, Expires: time.Now().Add(time.Minute)})
	if dc.ID != "id-1" || dc.Handle != "/ril_0/voicecall01" {
		t.Fatalf("Dial = %+v", dc)
	}
	// The template's Dial is logged on the mock's main object.
	got := testsupport.MockCalls(t, r.conn, service, "/", "Dial")
	if len(got) != 1 || got[0][0] != number || got[0][1] != "" {
		t.Fatalf("oFono received Dial %v, want [[%s \"\"]]", got, number)
	}

	ch := calltest.Watch(t, c, r.d, dc)
	path := dbus.ObjectPath(dc.Handle)
	calltest.States(t, c, ch, call.Dialing)
	r.setState(t, path, "alerting")
	calltest.States(t, c, ch, call.Alerting)
	r.setState(t, path, "active")
	calltest.States(t, c, ch, call.Active)
	calltest.HangUp(t, c, r.d, dc, ch, true)
	var calls []struct {
		Path  dbus.ObjectPath
		Props map[string]dbus.Variant
	}
	if err := r.conn.Object(service, "/ril_0").Call(ifVoiceCalls+".GetCalls", 0).Store(&calls); err != nil || len(calls) != 0 {
		t.Fatalf("calls left on the modem: %v %v", calls, err)
	}
	// Hanging up a call that is over is not an error.
	if err := r.d.Hangup(c, dc); err != nil {
		t.Fatalf("second Hangup: %v", err)
	}
}

func TestRemoteHangupCarriesReason(t *testing.T) {
	r := newRig(t)
	c := calltest.Ctx(t)
	dc := calltest.Dial(t, c, r.d, dialer.Request{ID: "id-2", Number: number, Mode: call.ModeCall})
	path := dbus.ObjectPath(dc.Handle)
	// States change before Watch starts: nothing may be lost.
	r.setState(t, path, "alerting")
	r.setState(t, path, "active")
	ch := calltest.Watch(t, c, r.d, dc)
	calltest.States(t, c, ch, call.Dialing, call.Alerting, call.Active)
	testsupport.MockEmit(t, r.conn, service, path, ifCall, "DisconnectReason", "s", "remote")
	r.setState(t, path, "disconnected")
	ev := calltest.Next(t, c, ch)
	if ev.State != call.Ended || ev.Reason != "the other side hung up" || ev.Duration <= 0 {
		t.Fatalf("got %+v, want ended by the other side with a duration", ev)
	}
	calltest.Closed(t, c, ch)
}

func TestWatchAfterRestartReadsCurrentState(t *testing.T) {
	r := newRig(t)
	c := calltest.Ctx(t)
	dc := calltest.Dial(t, c, r.d, dialer.Request{ID: "id-3", Number: number, Mode: call.ModeCall})
	r.setState(t, dbus.ObjectPath(dc.Handle), "active")
	// A fresh dialer (the agent restarted) watching the same call.
	d2 := New(WithBusAddress(r.addr))
	defer d2.Close()
	ch := calltest.Watch(t, c, d2, dc)
	calltest.States(t, c, ch, call.Active)
	calltest.HangUp(t, c, d2, dc, ch, false)
}

func TestServiceMissing(t *testing.T) {
	d := New(WithBusAddress(testsupport.DBusDaemon(t)))
	defer d.Close()
	calltest.ServiceMissing(t, d, "oFono is not running")
}

func TestModemOffOrOffline(t *testing.T) {
	for _, prop := range []string{"Powered", "Online"} {
		t.Run(prop, func(t *testing.T) {
			r := newRig(t)
			c := calltest.Ctx(t)
			if err := r.conn.Object(service, "/ril_0").Call("org.ofono.Modem.SetProperty", 0, prop, dbus.MakeVariant(false)).Err; err != nil {
				t.Fatal(err)
			}
			err := r.d.Check(c)
			want := map[string]string{"Powered": "powered off", "Online": "offline"}[prop]
			if !errors.Is(err, dialer.ErrUnavailable) || !errors.Is(err, ErrNoModem) || !strings.Contains(err.Error(), want) {
				t.Fatalf("Check = %v, want unavailable: %s", err, want)
			}
			if _, err := r.d.Dial(c, dialer.Request{ID: "x", Number: number, Mode: call.ModeCall}); !errors.Is(err, dialer.ErrUnavailable) {
				t.Fatalf("Dial = %v, want ErrUnavailable", err)
			}
			if n := len(testsupport.MockCalls(t, r.conn, service, "/", "Dial")); n != 0 {
				t.Fatalf("a switched-off modem got %d Dial calls", n)
			}
		})
	}
}

func TestChosenModem(t *testing.T) {
	r := newRig(t, WithModem("/ril_9"))
	c := calltest.Ctx(t)
	err := r.d.Check(c)
	if !errors.Is(err, ErrNoModem) || !strings.Contains(err.Error(), "/ril_0") {
		t.Fatalf("Check = %v, want not found listing /ril_0", err)
	}
	ok := New(WithBusAddress(r.addr), WithModem("/ril_0"))
	defer ok.Close()
	if err := ok.Check(c); err != nil {
		t.Fatalf("Check with /ril_0: %v", err)
	}
}

func TestCrashMidCall(t *testing.T) {
	r := newRig(t)
	calltest.CrashMidCall(t, r.d, r.mock.Kill, "oFono stopped")
}

func TestRefusesBadInput(t *testing.T) {
	r := newRig(t)
	calltest.RefusesBadInput(t, r.d, "+49 30; reboot")
	if n := len(testsupport.MockCalls(t, r.conn, service, "/", "Dial")); n != 0 {
		t.Fatalf("oFono got %d Dial calls for refused requests", n)
	}
}

// BenchmarkDial measures Dial (GetModems + VoiceCallManager.Dial) against
// the dbusmock oFono template on a private bus.
func BenchmarkDial(b *testing.B) {
	addr := testsupport.DBusDaemon(b)
	testsupport.DBusMock(b, addr, service, "ofono", "")
	d := New(WithBusAddress(addr))
	defer d.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dc, err := d.Dial(ctx, dialer.Request{ID: "b", Number: number, Mode: call.ModeCall})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := d.Hangup(ctx, dc); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
