package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/launch"
	"github.com/deskdial/deskdial/internal/testsupport"
	"github.com/godbus/dbus/v5"
)

// The end-to-end tests run the real programs: deskdial, built without cgo
// as released, and the tray program next to it, where deskdial looks for it
// first. They are built once per test binary: linking Fyne, nats-server and
// SQLite takes seconds.
var testBin struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// deskdialBin returns the path of the built deskdial command; the tray
// program is next to it.
func deskdialBin(t *testing.T) string {
	t.Helper()
	testBin.once.Do(func() {
		testBin.dir, testBin.err = os.MkdirTemp("", "deskdial-bin-")
		if testBin.err != nil {
			return
		}
		testBin.path = filepath.Join(testBin.dir, "deskdial")
		lean := exec.Command("go", "build", "-ldflags", "-s -w", "-o", testBin.path, ".")
		lean.Env = append(os.Environ(), "CGO_ENABLED=0")
		if testBin.out, testBin.err = lean.CombinedOutput(); testBin.err != nil {
			return
		}
		tray := exec.Command("go", "build", "-ldflags", "-s -w", "-o", filepath.Join(testBin.dir, launch.TrayProgram), "../cmd/deskdial-tray")
		testBin.out, testBin.err = tray.CombinedOutput()
	})
	if testBin.err != nil {
		t.Fatalf("build deskdial: %v\n%s", testBin.err, testBin.out)
	}
	return testBin.path
}

// trayBin returns the path of the built tray program, next to deskdial.
func trayBin(t *testing.T) string {
	t.Helper()
	return filepath.Join(filepath.Dir(deskdialBin(t)), launch.TrayProgram)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testBin.dir != "" {
		os.RemoveAll(testBin.dir)
	}
	os.Exit(code)
}

// startNotificationMock runs python3-dbusmock's notification server with
// the actions capability on the session bus until the test ends.
func startNotificationMock(t *testing.T, conn *dbus.Conn) mockNotify {
	t.Helper()
	start(t, nil, "/usr/bin/python3", "-m", "dbusmock", "--session", "-t", "notification_daemon",
		"-p", `{"capabilities":"body actions"}`)
	testsupport.WaitForWithin(t, 20*time.Second, "the notification server", func() bool {
		var has bool
		conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.Notifications").Store(&has)
		return has
	})
	return mockNotify{conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")}
}

// startNATS runs Debian's nats-server on a free loopback port with extra
// arguments until the test ends, and returns its URL once it accepts
// connections. Missing nats-server fails under CI and skips elsewhere.
func startNATS(t *testing.T, extra ...string) string {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nats-server is not installed (packaging/deps.sh installs it)")
		}
		t.Skip("nats-server not installed")
	}
	addr := dpFreeAddr(t)
	host, port, _ := net.SplitHostPort(addr)
	ns := exec.Command(bin, append([]string{"-a", host, "-p", port}, extra...)...)
	if err := ns.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ns.Process.Kill(); _ = ns.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "nats://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatal("nats-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
