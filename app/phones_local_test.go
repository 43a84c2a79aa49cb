package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/testsupport"
)

// privateBus starts a dbus-daemon of the test's own and returns its address.
func privateBus(t *testing.T) string { return testsupport.DBusDaemon(t) }

// startTemplateMock runs a python3-dbusmock template from the dialer
// backends' test data on the bus at addr until it owns name.
func startTemplateMock(t *testing.T, addr, name, template, params string) {
	t.Helper()
	tmpl, err := filepath.Abs(filepath.Join("..", "internal", "dialer", template))
	if err != nil {
		t.Fatal(err)
	}
	testsupport.DBusMock(t, addr, name, tmpl, params)
}

func TestPhonesLocalNothingThere(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", privateBus(t))
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", privateBus(t))
	t.Setenv("DESKDIAL_HOME", t.TempDir())
	out, code := runDeskdial(t, "phones", "--local")
	if code != 0 {
		t.Fatalf("phones --local: exit %d: %s", code, out)
	}
	if _, code := runDeskdial(t, "phones", "--json"); code != exitUsage {
		t.Fatalf("phones --json without --local: exit %d, want %d", code, exitUsage)
	}
	for _, want := range []string{
		"This computer reaches no phone by itself.",
		"Bluetooth: hfp: no Bluetooth hands-free service",
		"KDE Connect: kdeconnect: neither KDE Connect nor GSConnect runs in this session: start KDE Connect",
		`see "hfp: any phone over Bluetooth" in docs/phones.md`,
		`see "kdeconnect: KDE Connect and GSConnect" in docs/phones.md`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "docs/phones.md"); n != 2 {
		t.Errorf("the docs are named %d times, want once for each way:\n%s", n, out)
	}
}

func TestPhonesLocalListsBluetoothAndKDEConnect(t *testing.T) {
	sess, sys := privateBus(t), privateBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", sess)
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", sys)
	t.Setenv("DESKDIAL_HOME", t.TempDir())
	startTemplateMock(t, sess, "org.pipewire.Telephony", "hfp/testdata/pipewire_telephony.py", "")
	startTemplateMock(t, sys, "org.bluez", "hfp/testdata/bluez_telephony.py", `{"Telephony": false}`)
	startTemplateMock(t, sess, "org.kde.kdeconnect", "kdeconnect/testdata/kdeconnect.py",
		`{"Devices": [{"id": "p1", "name": "Pixel 7", "type": "smartphone", "reachable": true, "paired": true, "share": true},
		{"id": "p2", "name": "Old phone", "type": "smartphone", "reachable": false, "paired": true, "share": true}]}`)
	out, code := runDeskdial(t, "phones", "--local")
	if code != 0 {
		t.Fatalf("phones --local: exit %d: %s", code, out)
	}
	var js struct {
		Phones []struct {
			Name, Kind, Backend string
			PlacesCalls         bool `json:"places_calls"`
			Ready               bool
		}
		Problems []string
	}
	jout, code := runDeskdial(t, "phones", "--local", "--json")
	if err := json.Unmarshal([]byte(jout), &js); code != 0 || err != nil || len(js.Phones) != 3 || len(js.Problems) != 0 ||
		js.Phones[0].Kind != "bluetooth" || js.Phones[0].Backend != "hfp:Pixel 7" || !js.Phones[0].PlacesCalls || !js.Phones[0].Ready ||
		js.Phones[2].Name != "Old phone" || js.Phones[2].Ready {
		t.Fatalf("phones --local --json: exit %d, %v: %+v\n%s", code, err, js, jout)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "PHONE") {
		t.Fatalf("want a header and three phones:\n%s", out)
	}
	for i, want := range [][]string{
		{"Pixel 7", "Bluetooth, PipeWire telephony (org.pipewire.Telephony on the session bus)", "ready: calls", "'hfp:Pixel 7'"},
		{"Pixel 7", "KDE Connect", "ready: opens the phone's dialer", "'kdeconnect:Pixel 7'"},
		{"Old phone", "KDE Connect", "not ready: Old phone is not reachable", "'kdeconnect:Old phone'"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i+1], w) {
				t.Errorf("line %d lacks %q: %s", i+1, w, lines[i+1])
			}
		}
	}
}
