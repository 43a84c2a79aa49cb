// Package dbustest starts a private dbus-daemon and python3-dbusmock
// services for the tests of the dialer backends and of what runs them (the
// local phones, the tray). It is imported by tests only.
package dbustest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/testsupport"
)

// Python is Debian's interpreter, which has python3-dbusmock; a python3
// earlier on PATH may be another installation without it.
const Python = "/usr/bin/python3"

// Bus starts a private dbus-daemon that stands in for the system bus and
// returns its address. It is stopped when the test ends.
func Bus(t testing.TB) string {
	t.Helper()
	_, err := exec.LookPath("dbus-daemon")
	testsupport.Need(t, "dbus-daemon", err)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// dbus-daemon warns on stderr that it cannot raise its fd limit when
	// not run as a system service; that is noise here.
	cmd.Stderr = nil
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read dbus-daemon address: %v", err)
	}
	return strings.TrimSpace(line)
}

// Mock is a running python3-dbusmock process.
type Mock struct {
	cmd  *exec.Cmd
	Addr string
	Name string // the bus name it owns
	once sync.Once
}

// StartMock runs `python3 -m dbusmock --system ARGS...` on the bus at addr
// (exported as DBUS_SYSTEM_BUS_ADDRESS) and waits until it owns name.
func StartMock(t testing.TB, addr, name string, args ...string) *Mock {
	t.Helper()
	_, err := os.Stat(Python)
	testsupport.Need(t, "Debian python3", err)
	err = exec.Command(Python, "-c", "import dbusmock").Run()
	testsupport.Need(t, "python3-dbusmock", err)

	cmd := exec.Command(Python, append([]string{"-m", "dbusmock", "--system"}, args...)...)
	cmd.Env = append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS="+addr)
	cmd.Stdout = nil // dbusmock logs every call; GetMethodCalls is the record we use
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbusmock: %v", err)
	}
	m := &Mock{cmd: cmd, Addr: addr, Name: name}
	t.Cleanup(m.Kill)
	conn := Conn(t, addr)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var has bool
		err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
		if err == nil && has {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("dbusmock did not claim %s: %v", name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Service starts a private bus with a python3-dbusmock service on it that
// owns name (see StartMock for args), and opens the test's own connection
// to that bus.
func Service(t testing.TB, name string, args ...string) (*Mock, *dbus.Conn) {
	t.Helper()
	addr := Bus(t)
	return StartMock(t, addr, name, args...), Conn(t, addr)
}

// Kill ends the mock process abruptly, as a crashing service would.
func (m *Mock) Kill() {
	m.once.Do(func() {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
	})
}

// Conn opens a test connection to the bus at addr, closed at test end.
func Conn(t testing.TB, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect to test bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// MethodCalls returns the arguments of every call of method on the mock
// object at path (dbusmock's GetMethodCalls).
func MethodCalls(t testing.TB, conn *dbus.Conn, name string, path dbus.ObjectPath, method string) [][]any {
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

// Emit makes the mock object at path emit a signal.
func Emit(t testing.TB, conn *dbus.Conn, name string, path dbus.ObjectPath, iface, member, sig string, args ...any) {
	t.Helper()
	vs := make([]dbus.Variant, len(args))
	for i, a := range args {
		vs[i] = dbus.MakeVariant(a)
	}
	if err := conn.Object(name, path).Call("org.freedesktop.DBus.Mock.EmitSignal", 0, iface, member, sig, vs).Err; err != nil {
		t.Fatalf("EmitSignal %s.%s: %v", iface, member, err)
	}
}

// SetProp sets a property on a mock object (dbusmock emits PropertiesChanged).
func SetProp(t testing.TB, conn *dbus.Conn, name string, path dbus.ObjectPath, iface, prop string, value any) {
	t.Helper()
	if err := conn.Object(name, path).Call("org.freedesktop.DBus.Properties.Set", 0, iface, prop, dbus.MakeVariant(value)).Err; err != nil {
		t.Fatalf("set %s.%s: %v", iface, prop, err)
	}
}

// Recorder collects the MethodCalled signals every dbusmock object emits, so
// a test can see calls on objects that no longer exist.
type Recorder struct {
	mu    sync.Mutex
	calls []string // "PATH METHOD"
}

// Record starts recording on conn until the test ends.
func Record(t testing.TB, conn *dbus.Conn) *Recorder {
	t.Helper()
	if err := conn.AddMatchSignal(dbus.WithMatchInterface("org.freedesktop.DBus.Mock"), dbus.WithMatchMember("MethodCalled")); err != nil {
		t.Fatalf("match MethodCalled: %v", err)
	}
	ch := make(chan *dbus.Signal, 64)
	conn.Signal(ch)
	r := &Recorder{}
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
func (r *Recorder) Has(path dbus.ObjectPath, method string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.calls {
		if c == string(path)+" "+method {
			return true
		}
	}
	return false
}
