// Package dbustest is the old name of testsupport's D-Bus helpers, kept
// only for the callers not yet moved over.
//
// Deprecated: use testsupport.DBusDaemon, DBusMock, DBusConn, MockCalls and
// RecordMockCalls.
package dbustest

import (
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/testsupport"
)

// Bus is testsupport.DBusDaemon.
//
// Deprecated: use testsupport.DBusDaemon.
func Bus(t testing.TB) string {
	t.Helper()
	return testsupport.DBusDaemon(t)
}

// StartMock is testsupport.DBusMock with dbusmock's own arguments
// ("--template", FILE and, optionally, "-p", JSON).
//
// Deprecated: use testsupport.DBusMock.
func StartMock(t testing.TB, addr, name string, args ...string) *testsupport.Mock {
	t.Helper()
	var template, params string
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--template":
			template = args[i+1]
		case "-p":
			params = args[i+1]
		default:
			t.Fatalf("dbustest.StartMock: argument %q: only --template and -p are understood", args[i])
		}
	}
	if template == "" || len(args)%2 != 0 {
		t.Fatalf("dbustest.StartMock(%q): want --template FILE [-p JSON]", args)
	}
	return testsupport.DBusMock(t, addr, name, template, params)
}

// Conn is testsupport.DBusConn.
//
// Deprecated: use testsupport.DBusConn.
func Conn(t testing.TB, addr string) *dbus.Conn {
	t.Helper()
	return testsupport.DBusConn(t, addr)
}

// MethodCalls is testsupport.MockCalls.
//
// Deprecated: use testsupport.MockCalls.
func MethodCalls(t testing.TB, conn *dbus.Conn, name string, path dbus.ObjectPath, method string) [][]any {
	t.Helper()
	return testsupport.MockCalls(t, conn, name, path, method)
}

// Record is testsupport.RecordMockCalls.
//
// Deprecated: use testsupport.RecordMockCalls.
func Record(t testing.TB, conn *dbus.Conn) *testsupport.MockRecorder {
	t.Helper()
	return testsupport.RecordMockCalls(t, conn)
}
