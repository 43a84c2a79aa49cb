package kdeconnect

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/internal/calltest"
	"github.com/deskdial/deskdial/internal/dialer/internal/dbusx"
	"github.com/deskdial/deskdial/internal/testsupport"
)

const (
	number = "+4930123456"
	kdeID  = "a1b2c3d4_e5f6_4711_8899_aabbccddeeff"
	gsPath = dbus.ObjectPath(gsRoot + "/Device/a1b2c3d4e5f6")
)

func startMock(t *testing.T, addr, name, tmpl, params string) {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", tmpl))
	if err != nil {
		t.Fatal(err)
	}
	testsupport.DBusMock(t, addr, name, p, params)
}

func req(id string) dialer.Request {
	return dialer.Request{ID: id, Number: number, Mode: call.ModeCall}
}

func TestCapabilitiesArePrefillOnly(t *testing.T) {
	if got := New().Capabilities(); got != (dialer.Capabilities{}) {
		t.Fatalf("Capabilities = %+v, want prefill only", got)
	}
}

func TestKDEConnectSharesTelURL(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		t.Run("legacy="+strconv.FormatBool(legacy), func(t *testing.T) {
			addr := testsupport.DBusDaemon(t)
			params := ""
			if legacy {
				params = `{"Legacy": true}`
			}
			startMock(t, addr, kdeService, "kdeconnect.py", params)
			conn := testsupport.DBusConn(t, addr)
			d := New(WithBusAddress(addr))
			defer d.Close()
			c := calltest.Ctx(t)
			ds, err := d.Devices(c)
			if err != nil || len(ds) != 1 || ds[0].Name != "Pixel 7" || ds[0].ID != kdeID || !ds[0].Ready() || ds[0].Service != KDEConnect {
				t.Fatalf("Devices = %+v, %v", ds, err)
			}
			if u, err := d.Using(c); err != nil || u != "Pixel 7 through KDE Connect" {
				t.Fatalf("Using = %q, %v", u, err)
			}
			dc := calltest.Dial(t, c, d, dialer.Request{ID: "id-1", Number: "*#06#", Mode: call.ModePrefill})
			if dc.Handle != "tel:%2A%2306%23" {
				t.Fatalf("Dial = %+v", dc)
			}
			calltest.Dial(t, c, d, req("id-2"))
			got := testsupport.MockCalls(t, conn, kdeService, kdeDaemonPath+"/devices/"+kdeID+"/share", "shareUrl")
			if len(got) != 2 || got[0][0] != "tel:%2A%2306%23" || got[1][0] != "tel:"+number {
				t.Fatalf("KDE Connect received shareUrl %v", got)
			}
			ch := calltest.Watch(t, c, d, dc)
			calltest.States(t, c, ch, call.Prefilled)
			calltest.Closed(t, c, ch)
			if err := d.Hangup(c, dc); !errors.Is(err, dialer.ErrUnsupported) {
				t.Fatalf("Hangup = %v, want unsupported", err)
			}
		})
	}
}

func TestKDEConnectDeviceProblems(t *testing.T) {
	for _, tc := range []struct {
		name, devices, want string
	}{
		{"unpaired", `{"id": "p1", "name": "Pixel 7", "type": "smartphone", "reachable": true, "paired": false, "share": true}`, "not paired with this computer: pair it in KDE Connect"},
		{"unreachable", `{"id": "p1", "name": "Pixel 7", "type": "smartphone", "reachable": false, "paired": true, "share": true}`, "not reachable: open KDE Connect on the phone"},
		{"share off", `{"id": "p1", "name": "Pixel 7", "type": "smartphone", "reachable": true, "paired": true, "share": false}`, "the Share plugin is off for Pixel 7"},
		{"laptop only", `{"id": "l1", "name": "ThinkPad", "type": "laptop", "reachable": true, "paired": true, "share": true}`, "no phone is paired"},
		{"none", ``, "no phone is paired in KDE Connect or GSConnect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := testsupport.DBusDaemon(t)
			startMock(t, addr, kdeService, "kdeconnect.py", `{"Devices": [`+tc.devices+`]}`)
			conn := testsupport.DBusConn(t, addr)
			d := New(WithBusAddress(addr))
			defer d.Close()
			c := calltest.Ctx(t)
			_, err := d.Dial(c, req("x"))
			if !errors.Is(err, dialer.ErrUnavailable) || !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Dial = %v, want %q", err, tc.want)
			}
			// Where the share object exists (the laptop), it received nothing.
			for _, id := range []string{"p1", "l1"} {
				var calls []struct {
					When uint64
					Args []dbus.Variant
				}
				err := conn.Object(kdeService, dbus.ObjectPath(kdeDaemonPath+"/devices/"+id+"/share")).
					Call("org.freedesktop.DBus.Mock.GetMethodCalls", 0, "shareUrl").Store(&calls)
				if err == nil && len(calls) > 0 {
					t.Fatalf("the number was shared with %s despite the problem: %v", id, calls)
				}
			}
		})
	}
}

func TestChoosingADevice(t *testing.T) {
	addr := testsupport.DBusDaemon(t)
	startMock(t, addr, kdeService, "kdeconnect.py", `{"Devices": [
		{"id": "p1", "name": "Pixel 7", "type": "smartphone", "reachable": true, "paired": true, "share": true},
		{"id": "p2", "name": "Work phone", "type": "smartphone", "reachable": true, "paired": true, "share": true}]}`)
	conn := testsupport.DBusConn(t, addr)
	c := calltest.Ctx(t)
	d := New(WithBusAddress(addr))
	defer d.Close()
	if err := d.Check(c); err == nil || !strings.Contains(err.Error(), "kdeconnect:DEVICE") {
		t.Fatalf("Check with two phones = %v, want a request to choose", err)
	}
	d2 := New(WithBusAddress(addr), WithDevice("work PHONE"))
	defer d2.Close()
	calltest.Dial(t, c, d2, req("id-3"))
	if got := testsupport.MockCalls(t, conn, kdeService, kdeDaemonPath+"/devices/p2/share", "shareUrl"); len(got) != 1 {
		t.Fatalf("work phone received %v", got)
	}
	d3 := New(WithBusAddress(addr), WithDevice("Nokia"))
	defer d3.Close()
	if err := d3.Check(c); !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), `no device called "Nokia"`) || !strings.Contains(err.Error(), `"Work phone"`) {
		t.Fatalf("Check for a device not there = %v", err)
	}
}

func TestGSConnectSharesTelURL(t *testing.T) {
	addr := testsupport.DBusDaemon(t)
	startMock(t, addr, gsService, "gsconnect.py", "")
	conn := testsupport.DBusConn(t, addr)
	d := New(WithBusAddress(addr))
	defer d.Close()
	c := calltest.Ctx(t)
	ds, err := d.Devices(c)
	if err != nil || len(ds) != 1 || ds[0].Name != "Galaxy S24" || ds[0].Service != GSConnect || !ds[0].Ready() {
		t.Fatalf("Devices = %+v, %v", ds, err)
	}
	calltest.Dial(t, c, d, req("id-4"))
	got := testsupport.MockCalls(t, conn, gsService, gsPath, "Activate")
	if len(got) != 1 || got[0][0] != "shareUri" {
		t.Fatalf("GSConnect received Activate %v", got)
	}
	params, _ := got[0][1].([]dbus.Variant)
	if len(params) != 1 || params[0].Value() != "tel:"+number {
		t.Fatalf("Activate parameters %#v, want [tel:%s]", got[0][1], number)
	}
}

func TestGSConnectShareOff(t *testing.T) {
	addr := testsupport.DBusDaemon(t)
	startMock(t, addr, gsService, "gsconnect.py", `{"Devices": [{"id": "g1", "name": "Galaxy", "type": "phone", "connected": true, "paired": true, "share": false}]}`)
	d := New(WithBusAddress(addr))
	defer d.Close()
	if err := d.Check(calltest.Ctx(t)); !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "Share plugin is off for Galaxy") {
		t.Fatalf("Check = %v", err)
	}
}

func TestNoDaemon(t *testing.T) {
	d := New(WithBusAddress(testsupport.DBusDaemon(t)))
	defer d.Close()
	err := d.Check(calltest.Ctx(t))
	if !errors.Is(err, dialer.ErrUnavailable) || !errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "start KDE Connect") {
		t.Fatalf("Check = %v, want no daemon", err)
	}
}

// TestNoSessionBus: run where no session bus is (a system service, a
// login over ssh), the error says where KDE Connect runs and what to do.
func TestNoSessionBus(t *testing.T) {
	d := New(WithBusAddress("unix:path=" + filepath.Join(t.TempDir(), "none")))
	defer d.Close()
	err := d.Check(calltest.Ctx(t))
	if !errors.Is(err, dialer.ErrUnavailable) || !errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "--session-bus") ||
		!strings.Contains(err.Error(), "docs/phones.md") {
		t.Fatalf("Check = %v, want no daemon reachable, with what to do", err)
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{kdeID: true, "abc_DEF_9": true, "abc-DEF": false, "": false, "../x": false, "a/b": false, "a b": false, strings.Repeat("a", 129): false} {
		if validID(id) != want {
			t.Errorf("validID(%q) = %v", id, !want)
		}
	}
}

// kdeconnectd finds the daemon: Debian's kdeconnect package puts it in the
// architecture's libexec directory; other systems may have it on PATH.
func kdeconnectd() (string, error) {
	if m, _ := filepath.Glob("/usr/lib/*/libexec/kdeconnectd"); len(m) > 0 {
		return m[0], nil
	}
	for _, p := range []string{"/usr/libexec/kdeconnectd", "/usr/lib/libexec/kdeconnectd"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return exec.LookPath("kdeconnectd")
}

// TestRealKDEConnectDaemon runs Debian's kdeconnectd headless on a private
// session bus, inside a network namespace with only loopback (it announces
// itself by UDP broadcast on port 1716; nothing may leave this machine), and
// reads its (empty) device list through the real interface.
func TestRealKDEConnectDaemon(t *testing.T) {
	daemon, err := kdeconnectd()
	testsupport.Need(t, "kdeconnectd (Debian package kdeconnect)", err)
	_, err = exec.LookPath("unshare")
	testsupport.Need(t, "unshare", err)
	unshare := []string{"unshare", "-n"}
	if os.Getuid() != 0 {
		unshare = []string{"unshare", "-r", "-n"} // a user namespace lets a user own a network namespace
	}
	err = exec.Command(unshare[0], append(unshare[1:], "true")...).Run()
	testsupport.Need(t, "a network namespace of its own (unshare -n)", err)

	dir := t.TempDir()
	// The bus listens on a socket file, which reaches the daemon in its
	// network namespace (an abstract socket would not).
	addr := testsupport.DBusDaemon(t)
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(filepath.Join(home, "run"), 0o700); err != nil {
		t.Fatal(err)
	}
	script := `ip link set lo up 2>/dev/null; exec "$0"`
	cmd := exec.Command(unshare[0], append(unshare[1:], "sh", "-c", script, daemon)...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+addr, "QT_QPA_PLATFORM=offscreen",
		"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"), "XDG_RUNTIME_DIR="+filepath.Join(home, "run"), "DISPLAY=", "WAYLAND_DISPLAY=")
	cmd.Stdout, cmd.Stderr = nil, nil // the daemon's log is noise here
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kdeconnectd: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	c := calltest.Ctx(t)
	conn := testsupport.DBusConn(t, addr)
	calltest.Eventually(t, c, "kdeconnectd owns "+kdeService, func() bool { return dbusx.HasOwner(c, conn, kdeService) })
	// The daemon (sh exec'd it) is in a network namespace of its own.
	mine, _ := os.Readlink("/proc/self/ns/net")
	its, err := os.Readlink("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/ns/net")
	if err != nil || its == mine {
		t.Fatalf("kdeconnectd's network namespace %q (%v) is this machine's %q", its, err, mine)
	}
	d := New(WithBusAddress(addr))
	defer d.Close()
	ds, err := d.Devices(c)
	if err != nil || len(ds) != 0 {
		t.Fatalf("Devices of a fresh KDE Connect = %+v, %v; want none", ds, err)
	}
	if err := d.Check(c); !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "pair it with this computer") {
		t.Fatalf("Check = %v, want no phone paired", err)
	}
}

func FuzzValidID(f *testing.F) {
	for _, s := range []string{kdeID, "a1b2c3d4e5f6", "../x", "a/b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if validID(id) && !dbus.ObjectPath(kdeDaemonPath+"/devices/"+id+"/share").IsValid() {
			t.Fatalf("validID accepts %q, which makes no object path", id)
		}
	})
}
