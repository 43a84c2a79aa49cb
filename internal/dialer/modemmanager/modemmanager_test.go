package modemmanager

import (
	"errors"
	"path/filepath"
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
	modem0 = dbus.ObjectPath("/org/freedesktop/ModemManager1/Modem/0")
)

type rig struct {
	addr string
	mock *testsupport.Mock
	conn *dbus.Conn
	d    *Dialer
}

// newRig starts the ModemManager mock (testdata/modemmanager.py, written
// after the published interfaces) on a private "system" bus.
func newRig(t *testing.T, params string, opts ...Option) *rig {
	t.Helper()
	tmpl, err := filepath.Abs("testdata/modemmanager.py")
	if err != nil {
		t.Fatal(err)
	}
	mock, conn := testsupport.DBusService(t, service, tmpl, params)
	r := &rig{addr: mock.Addr, mock: mock, conn: conn}
	r.d = New(append([]Option{WithBusAddress(r.addr)}, opts...)...)
	t.Cleanup(func() { r.d.Close() })
	return r
}

// network moves the call the way the modem would.
func (r *rig) network(t *testing.T, path dbus.ObjectPath, state int32, reason uint32) {
	t.Helper()
	if err := r.conn.Object(service, root).Call("org.freedesktop.DBus.Mock.SetCallState", 0, path, state, reason).Err; err != nil {
		t.Fatalf("SetCallState: %v", err)
	}
}

func (r *rig) calls(t *testing.T) []dbus.ObjectPath {
	t.Helper()
	var calls []dbus.ObjectPath
	if err := r.conn.Object(service, modem0).Call(ifVoice+".ListCalls", 0).Store(&calls); err != nil {
		t.Fatalf("ListCalls: %v", err)
	}
	return calls
}

func TestCapabilities(t *testing.T) {
	want := dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}
	if got := New().Capabilities(); got != want {
		t.Fatalf("Capabilities = %+v, want %+v", got, want)
	}
}

func TestCallLifecycleHangupFromDesktop(t *testing.T) {
	r := newRig(t, "")
	rec := testsupport.RecordMockCalls(t, r.conn)
	c := calltest.Ctx(t)
	if err := r.d.Check(c); err != nil {
		t.Fatalf("Check: %v", err)
	}
	dc := calltest.Dial(t, c, r.d, dialer.Request{ID: "id-1", Number: number, Mode: call.ModeCall, Expires: time.Now().Add(time.Minute)})
	path := dbus.ObjectPath(dc.Handle)
	created := testsupport.MockCalls(t, r.conn, service, modem0, "CreateCall")
	if len(created) != 1 {
		t.Fatalf("CreateCall calls: %v", created)
	}
	if props, _ := created[0][0].(map[string]dbus.Variant); props["number"].Value() != number || len(props) != 1 {
		t.Fatalf("CreateCall got %v, want {number: %s}", created[0][0], number)
	}
	var got string
	if err := r.conn.Object(service, path).Call(ifProps+".Get", 0, ifCall, "Number").Store(&got); err != nil || got != number {
		t.Fatalf("call Number = %q, %v", got, err)
	}
	if n := len(testsupport.MockCalls(t, r.conn, service, path, "Start")); n != 1 {
		t.Fatalf("Start called %d times, want 1", n)
	}

	ch := calltest.Watch(t, c, r.d, dc)
	calltest.States(t, c, ch, call.Dialing)
	r.network(t, path, callRingingOut, 0)
	calltest.States(t, c, ch, call.Alerting)
	r.network(t, path, callActive, 3)
	calltest.States(t, c, ch, call.Active)
	calltest.HangUp(t, c, r.d, dc, ch, true)
	calltest.Eventually(t, c, "Hangup reaches ModemManager", func() bool { return rec.Has(path, "Hangup") })
	// The finished call is deleted, as ModemManager clients should.
	calltest.Eventually(t, c, "call deleted", func() bool { return len(r.calls(t)) == 0 })
}

func TestBusyAndNetworkError(t *testing.T) {
	for _, tc := range []struct {
		reason uint32
		state  call.State
		text   string
	}{
		{reasonRefusedOrBusy, call.Ended, "busy or refused"},
		{reasonError, call.Failed, "wrong number or network error"},
	} {
		r := newRig(t, "")
		c := calltest.Ctx(t)
		dc := calltest.Dial(t, c, r.d, dialer.Request{ID: "id", Number: number, Mode: call.ModeCall})
		path := dbus.ObjectPath(dc.Handle)
		// The network answers before Watch starts: nothing may be lost.
		r.network(t, path, callRingingOut, 0)
		r.network(t, path, callTerminated, tc.reason)
		ch := calltest.Watch(t, c, r.d, dc)
		calltest.States(t, c, ch, call.Dialing, call.Alerting)
		ev := calltest.Next(t, c, ch)
		if ev.State != tc.state || !strings.Contains(ev.Reason, tc.text) || ev.Duration != 0 {
			t.Fatalf("reason %d: got %+v, want %s: %s", tc.reason, ev, tc.state, tc.text)
		}
		calltest.Closed(t, c, ch)
	}
}

func TestWatchByAnotherDialer(t *testing.T) {
	r := newRig(t, "")
	c := calltest.Ctx(t)
	dc := calltest.Dial(t, c, r.d, dialer.Request{ID: "id", Number: number, Mode: call.ModeCall})
	r.network(t, dbus.ObjectPath(dc.Handle), callActive, 3)
	d2 := New(WithBusAddress(r.addr), WithModem("0"))
	defer d2.Close()
	ch := calltest.Watch(t, c, d2, dc)
	calltest.States(t, c, ch, call.Active)
	r.network(t, dbus.ObjectPath(dc.Handle), callTerminated, reasonTerminated)
	if ev := calltest.Next(t, c, ch); ev.State != call.Ended || ev.Duration <= 0 {
		t.Fatalf("got %+v, want ended with a duration", ev)
	}
}

func TestServiceMissing(t *testing.T) {
	d := New(WithBusAddress(testsupport.DBusDaemon(t)))
	defer d.Close()
	calltest.ServiceMissing(t, d, "ModemManager is not running")
}

func TestModemNotReady(t *testing.T) {
	for _, tc := range []struct{ params, want string }{
		{`{"ModemState": 3}`, "disabled (enable it: mmcli -m 0 -e)"},
		{`{"ModemState": 2}`, "enter the SIM PIN"},
		{`{"ModemState": -1, "StateFailedReason": 2}`, "no SIM card"},
		{`{"ModemState": 7}`, "not registered"},
	} {
		r := newRig(t, tc.params)
		c := calltest.Ctx(t)
		err := r.d.Check(c)
		if !errors.Is(err, dialer.ErrUnavailable) || !errors.Is(err, ErrNoModem) || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: Check = %v, want unavailable: %s", tc.params, err, tc.want)
		}
		if _, err := r.d.Dial(c, dialer.Request{ID: "x", Number: number, Mode: call.ModeCall}); !errors.Is(err, dialer.ErrUnavailable) {
			t.Fatalf("Dial = %v, want ErrUnavailable", err)
		}
		if n := len(testsupport.MockCalls(t, r.conn, service, modem0, "CreateCall")); n != 0 {
			t.Fatalf("a modem that is not ready got %d CreateCall calls", n)
		}
	}
}

func TestChosenModem(t *testing.T) {
	r := newRig(t, "", WithModem("3"))
	c := calltest.Ctx(t)
	if err := r.d.Check(c); !errors.Is(err, ErrNoModem) || !strings.Contains(err.Error(), "has: 0") {
		t.Fatalf("Check = %v, want modem 3 not found, listing 0", err)
	}
	for _, m := range []string{"0", string(modem0)} {
		d := New(WithBusAddress(r.addr), WithModem(m))
		if err := d.Check(c); err != nil {
			t.Fatalf("Check with modem %s: %v", m, err)
		}
		d.Close()
	}
}

func TestCrashMidCall(t *testing.T) {
	r := newRig(t, "")
	dc := calltest.CrashMidCall(t, r.d, r.mock.Kill, "ModemManager stopped")
	if err := r.d.Hangup(calltest.Ctx(t), dc); !errors.Is(err, dialer.ErrUnavailable) {
		t.Fatalf("Hangup after crash = %v, want ErrUnavailable", err)
	}
}

func TestRefusesBadInput(t *testing.T) {
	r := newRig(t, "")
	calltest.RefusesBadInput(t, r.d, "+4930$(reboot)")
	if n := len(testsupport.MockCalls(t, r.conn, service, modem0, "CreateCall")); n != 0 {
		t.Fatalf("ModemManager got %d CreateCall calls for refused requests", n)
	}
}
