package testsupport

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// Python is Debian's interpreter, which has python3-dbusmock; a python3
// earlier on PATH may be another installation without it.
const Python = "/usr/bin/python3"

// DBusDaemon starts a dbus-daemon of the test's own, standing in for the
// session or the system bus, and returns its address. It stops when the
// test ends.
func DBusDaemon(t testing.TB) string {
	t.Helper()
	cmd := exec.Command(NeedTool(t, "dbus-daemon"), "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read dbus-daemon's address: %v", err)
	}
	return strings.TrimSpace(line)
}

// DBusMock runs the python3-dbusmock template file on the bus at addr (as
// a system-bus service: the templates say which bus they stand for) until
// it owns name. It stops when the test ends.
func DBusMock(t testing.TB, addr, name, template, params string) {
	t.Helper()
	if err := exec.Command(Python, "-c", "import dbusmock").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3-dbusmock is missing (packaging/deps.sh --test installs it)")
		}
		t.Skip("python3-dbusmock not installed")
	}
	args := []string{"-m", "dbusmock", "--system", "--template", template}
	if params != "" {
		args = append(args, "-p", params)
	}
	cmd := exec.Command(Python, args...)
	cmd.Env = append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS="+addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	WaitFor(t, name+" on the bus", func() bool {
		var has bool
		err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
		return err == nil && has
	})
}
