package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/testsupport"
	"github.com/godbus/dbus/v5"
)

// TestEndToEndBluetoothPhone runs a desktop and `deskdial phone --backend
// hfp` as separate processes, the phone side reaching a phone through
// PipeWire's telephony service (python3-dbusmock, following PipeWire's
// published interface) on a private session bus, and BlueZ's device names
// on a private system bus. The number typed on the desktop reaches the
// service's Dial, and the call's states come back to the desktop.
func TestEndToEndBluetoothPhone(t *testing.T) {
	sess, sys := privateBus(t), privateBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", sess)
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", sys)
	startTemplateMock(t, sess, "org.pipewire.Telephony", "hfp/testdata/pipewire_telephony.py", "")
	startTemplateMock(t, sys, "org.bluez", "hfp/testdata/bluez_telephony.py", `{"Telephony": false}`)
	pw, err := dbus.Connect(sess)
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	const ag = "/org/pipewire/Telephony/ag0"

	desk, phone := dpHome(t, dpFreeAddr(t)), dpHome(t, "")
	srv := dpStart(t, desk, "serve")
	srv.waitFor("is serving on")
	uri := strings.TrimSpace(dpMustRun(t, desk, "pair", "--print"))
	ph := dpStart(t, phone, "phone", "--pair", uri, "--name", "Laptop", "--backend", "hfp")
	ph.waitFor("backend hfp: numbers go to Pixel 7 through PipeWire telephony (org.pipewire.Telephony on the session bus)")
	ph.waitFor("Connected to")
	if out := dpMustRun(t, desk, "phones"); !strings.Contains(out, "Laptop") || !strings.Contains(out, "calls (hfp)") {
		t.Fatalf("phones: %q", out)
	}

	call := dpStart(t, desk, "call", "030 1234567", "--wait")
	var dials []struct {
		When uint64
		Args []dbus.Variant
	}
	testsupport.WaitForWithin(t, 20*time.Second, "PipeWire's Dial", func() bool {
		err := pw.Object("org.pipewire.Telephony", ag).Call("org.freedesktop.DBus.Mock.GetMethodCalls", 0, "Dial").Store(&dials)
		return err == nil && len(dials) > 0
	})
	if len(dials) != 1 || len(dials[0].Args) != 1 || dials[0].Args[0].Value() != "+49301234567" {
		t.Fatalf("PipeWire received Dial %v, want +49301234567", dials)
	}
	call.waitFor("Sent to Laptop: accepted, calling +49301234567")
	mock := pw.Object("org.pipewire.Telephony", "/org/pipewire/Telephony")
	for _, st := range []string{"alerting", "active"} {
		if err := mock.Call("org.freedesktop.DBus.Mock.SetCallState", 0, dbus.ObjectPath(ag+"/call0"), st).Err; err != nil {
			t.Fatal(err)
		}
	}
	call.waitFor("Laptop: active")
	if err := mock.Call("org.freedesktop.DBus.Mock.SetCallState", 0, dbus.ObjectPath(ag+"/call0"), "disconnected").Err; err != nil {
		t.Fatal(err)
	}
	call.waitFor("Laptop: ended")
	if out := call.out.String(); !strings.Contains(out, "Laptop: dialing\nLaptop: alerting\nLaptop: active\nLaptop: ended") {
		t.Fatalf("the desktop saw:\n%s", out)
	}
	audit := filepath.Join(phone, "audit.log")
	if got := dpLines(t, audit); len(got) == 0 {
		t.Fatal("the phone agent logged nothing")
	}
}
