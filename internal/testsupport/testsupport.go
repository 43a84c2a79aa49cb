// Package testsupport holds the helpers the project's tests share: finding
// a tool the tests need, and waiting for a condition by polling with a
// deadline (never a bare sleep). A NATS server for tests is in
// internal/bus/bustest, next to the only package that speaks NATS.
package testsupport

import (
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// NeedTool returns the path of a tool the test needs. A missing tool
// skips the test on a developer machine but fails it under CI (CI set),
// where packaging/deps.sh --test must have installed it.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (packaging/deps.sh --test installs it)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// Deadline is how long WaitFor waits: long enough for a loaded shared
// machine, short enough that a hang is reported.
const Deadline = 30 * time.Second

// WaitFor polls ok until it holds, failing the test with what after
// Deadline.
func WaitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	WaitForWithin(t, Deadline, what, ok)
}

// WaitForWithin is WaitFor with another deadline.
func WaitForWithin(t testing.TB, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	// Quick at first, then at most every 50 ms: a check that starts a
	// process (xdotool, xclip, import) must not crowd out what it waits
	// for on a loaded machine.
	pause := 5 * time.Millisecond
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// Need fails the test under CI and skips it elsewhere when something the
// test drives (err says why it is missing) is not on this machine.
func Need(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is required under CI: %v", what, err)
	}
	t.Skipf("%s not available: %v", what, err)
}

// NeedSessionBus returns the address of the session bus the tests run
// under (dbus-run-session). Without one it skips the test on a developer
// machine and fails it under CI.
func NeedSessionBus(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but DBUS_SESSION_BUS_ADDRESS is not: run the tests under dbus-run-session")
		}
		t.Skip("no D-Bus session bus (run under dbus-run-session)")
	}
	return addr
}

// WaitForListen waits until something accepts TCP connections at addr
// (a server the test started), failing the test with what after Deadline.
func WaitForListen(t testing.TB, addr, what string) {
	t.Helper()
	WaitFor(t, what+" listening on "+addr, func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return false
		}
		_ = c.Close()
		return true
	})
}
