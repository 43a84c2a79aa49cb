package testsupport

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
)

// Python is Debian's interpreter, which has python3-dbusmock; a python3
// earlier on PATH may be another installation without it.
const Python = "/usr/bin/python3"

// busConfig is a bus of the test's own: a socket file (reachable from
// another network namespace, where dbus-daemon's default abstract socket is
// not), no service directories (so no installed service, a notification
// daemon or KDE Connect, is started by activation behind a test's back),
// and a policy that lets the test own any name and watch every message.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%SOCKET%</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// DBusDaemon starts a dbus-daemon of the test's own, standing in for the
// session or the system bus, and returns its address. It stops when the
// test ends.
func DBusDaemon(t testing.TB) string {
	t.Helper()
	daemon := NeedTool(t, "dbus-daemon")
	// Not t.TempDir: its path holds the test's name and can pass the
	// 108 bytes a socket's path may have.
	dir, err := os.MkdirTemp("", "bus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(strings.ReplaceAll(busConfig, "%SOCKET%", filepath.Join(dir, "socket"))), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// Its warnings (no fd limit to raise outside a system service) are
	// noise here: cmd.Stderr stays nil.
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

// DBusConn opens a connection of the test's own to the bus at addr, closed
// when the test ends.
func DBusConn(t testing.TB, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect to the test's bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// Mock is a running python3-dbusmock service.
type Mock struct {
	cmd  *exec.Cmd
	Addr string // the bus it is on
	Name string // the bus name it owns
	once sync.Once
}

// DBusMock runs a python3-dbusmock template on the bus at addr until it
// owns name, and stops it when the test ends. template is a file (written
// after the service's published interface) or the name of one of
// dbusmock's own templates ("ofono"); params, if not empty, is the
// template's parameters as JSON. The template says whether it stands for a
// system- or a session-bus service; either way it is on addr.
func DBusMock(t testing.TB, addr, name, template, params string) *Mock {
	t.Helper()
	_, err := os.Stat(Python)
	Need(t, "Debian's python3", err)
	Need(t, "python3-dbusmock (packaging/deps.sh --test installs it)", exec.Command(Python, "-c", "import dbusmock").Run())
	args := []string{"-m", "dbusmock", "--template", template}
	if params != "" {
		args = append(args, "-p", params)
	}
	cmd := exec.Command(Python, args...)
	cmd.Env = append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS="+addr, "DBUS_SESSION_BUS_ADDRESS="+addr)
	cmd.Stdout = nil // dbusmock logs every call; MockCalls is the record the tests read
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbusmock: %v", err)
	}
	m := &Mock{cmd: cmd, Addr: addr, Name: name}
	t.Cleanup(m.Kill)
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect to the test's bus: %v", err)
	}
	defer conn.Close()
	WaitFor(t, "dbusmock ("+template+") owning "+name, func() bool {
		var has bool
		err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
		return err == nil && has
	})
	return m
}

// DBusService starts a bus of the test's own with the template on it (see
// DBusMock), and opens the test's connection to that bus: the set-up of a
// test of one D-Bus service's client.
func DBusService(t testing.TB, name, template, params string) (*Mock, *dbus.Conn) {
	t.Helper()
	addr := DBusDaemon(t)
	return DBusMock(t, addr, name, template, params), DBusConn(t, addr)
}

// Kill ends the mock abruptly, as a crashing service would.
func (m *Mock) Kill() {
	m.once.Do(func() {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
	})
}

// MockCalls returns the arguments of every call of method on the mock
// object at path (dbusmock's GetMethodCalls).
func MockCalls(t testing.TB, conn *dbus.Conn, name string, path dbus.ObjectPath, method string) [][]any {
	t.Helper()
	var calls []struct {
		When uint64
		Args []dbus.Variant
	}
	if err := conn.Object(name, path).Call("org.freedesktop.DBus.Mock.GetMethodCalls", 0, method).Store(&calls); err != nil {
		t.Fatalf("GetMethodCalls %s: %v", method, err)
	}
	var out [][]any
	for _, c := range calls {
		var args []any
		for _, v := range c.Args {
			args = append(args, v.Value())
		}
		out = append(out, args)
	}
	return out
}

// MockEmit makes the mock object at path emit a signal.
func MockEmit(t testing.TB, conn *dbus.Conn, name string, path dbus.ObjectPath, iface, member, sig string, args ...any) {
	t.Helper()
	vs := make([]dbus.Variant, len(args))
	for i, a := range args {
		vs[i] = dbus.MakeVariant(a)
	}
	if err := conn.Object(name, path).Call("org.freedesktop.DBus.Mock.EmitSignal", 0, iface, member, sig, vs).Err; err != nil {
		t.Fatalf("EmitSignal %s.%s: %v", iface, member, err)
	}
}

// MockSetProperty sets a property of a mock object (dbusmock emits
// PropertiesChanged).
func MockSetProperty(t testing.TB, conn *dbus.Conn, name string, path dbus.ObjectPath, iface, prop string, value any) {
	t.Helper()
	if err := conn.Object(name, path).Call("org.freedesktop.DBus.Properties.Set", 0, iface, prop, dbus.MakeVariant(value)).Err; err != nil {
		t.Fatalf("set %s.%s: %v", iface, prop, err)
	}
}

// MockRecorder collects the MethodCalled signals every dbusmock object
// emits, so a test sees calls on objects that no longer exist.
type MockRecorder struct {
	mu    sync.Mutex
	calls []string // "PATH METHOD"
}

// RecordMockCalls starts recording on conn until the test ends.
func RecordMockCalls(t testing.TB, conn *dbus.Conn) *MockRecorder {
	t.Helper()
	if err := conn.AddMatchSignal(dbus.WithMatchInterface("org.freedesktop.DBus.Mock"), dbus.WithMatchMember("MethodCalled")); err != nil {
		t.Fatalf("match MethodCalled: %v", err)
	}
	ch := make(chan *dbus.Signal, 64)
	conn.Signal(ch)
	r := &MockRecorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for sig := range ch {
			if sig.Name != "org.freedesktop.DBus.Mock.MethodCalled" || len(sig.Body) == 0 {
				continue
			}
			m, _ := sig.Body[0].(string)
			r.mu.Lock()
			r.calls = append(r.calls, string(sig.Path)+" "+m)
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() { conn.RemoveSignal(ch); close(ch); <-done })
	return r
}

// Has reports whether method was called on the object at path.
func (r *MockRecorder) Has(path dbus.ObjectPath, method string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.calls {
		if c == string(path)+" "+method {
			return true
		}
	}
	return false
}
