package x11conn

import (
	"errors"
	"os"
	"testing"
	"unsafe"

	"github.com/deskdial/deskdial/internal/x11test"
)

func TestMain(m *testing.M) { x11test.Main(m, "x11conn") }

// display opens an X connection for one test, one of ours (Open) or
// another X user's, and afterwards leaves Xlib's default handler as the
// previous one again.
func display(t *testing.T, ours bool) unsafe.Pointer {
	t.Helper()
	x11test.NeedX(t)
	open, close := openDisplay, closeDisplay
	if ours {
		open, close = Open, Close
	}
	d := open()
	if d == nil {
		t.Fatal("cannot open the X display")
	}
	t.Cleanup(func() {
		close(d)
		installDefault()
		Trap()
	})
	return d
}

func TestErrorOnOurDisplayIsKept(t *testing.T) {
	d := display(t, true)
	// Another X user's handler is the previous one: an error passed on
	// shows up there instead of ending the test binary.
	installRecorder()
	Trap()
	badWindowRequest(d)
	badAtomRequest(d)
	if code := TakeError(d); code != badWindow {
		t.Fatalf("first error on our display: code %d, want BadWindow (%d)", code, badWindow)
	}
	if code := TakeError(d); code != 0 {
		t.Fatalf("TakeError did not clear: code %d", code)
	}
	if calls, code := recorded(); calls != 0 {
		t.Fatalf("an error on our display reached the previous handler (%d calls, code %d)", calls, code)
	}
	badAtomRequest(d) // the connection still works and records anew
	if code := TakeError(d); code != badAtom {
		t.Fatalf("error after TakeError: code %d, want BadAtom (%d)", code, badAtom)
	}
}

// TestSurvivesDefaultHandlerPutBack: GLFW put Xlib's default handler,
// which exits the process, back while we were not looking; Trap before
// the request keeps the error ours and the process alive.
func TestSurvivesDefaultHandlerPutBack(t *testing.T) {
	d := display(t, true)
	installDefault()
	Trap()
	badWindowRequest(d)
	if code := TakeError(d); code != badWindow {
		t.Fatalf("code %d, want BadWindow (%d)", code, badWindow)
	}
}

func TestErrorOnOtherDisplayReachesPreviousHandler(t *testing.T) {
	ours := display(t, true)
	theirs := display(t, false)
	installRecorder()
	Trap()
	badWindowRequest(theirs)
	if calls, code := recorded(); calls != 1 || code != badWindow {
		t.Fatalf("previous handler saw %d errors, last code %d; want 1 BadWindow (%d)", calls, code, badWindow)
	}
	if code := TakeError(ours); code != 0 {
		t.Fatalf("another display's error was recorded as ours: code %d", code)
	}
	if code := TakeError(theirs); code != 0 {
		t.Fatalf("an unregistered display has an error recorded: code %d", code)
	}
}

// TestHandlersChainedInALoop: a handler that passes errors to the one it
// replaced (ours), trapped over in turn, chains back to ours; the error
// goes round once and stops instead of recursing until the stack ends.
func TestHandlersChainedInALoop(t *testing.T) {
	display(t, true)
	theirs := display(t, false)
	installLoop()
	Trap()
	badWindowRequest(theirs)
	if n := loopCalls(); n != 1 {
		t.Fatalf("the other handler ran %d times, want 1", n)
	}
}

// TestRegisteredTwice: XCloseDisplay frees the Display and the next
// XOpenDisplay (the other package's) can get the same address before the
// first owner unregisters it; that unregister must leave the new
// connection ours.
func TestRegisteredTwice(t *testing.T) {
	d := display(t, true)
	if err := register(d); err != nil {
		t.Fatal(err)
	}
	unregister(d)
	installRecorder()
	Trap()
	badWindowRequest(d)
	if calls, _ := recorded(); calls != 0 {
		t.Fatal("the display left the table with one registration still open")
	}
	if code := TakeError(d); code != badWindow {
		t.Fatalf("code %d, want BadWindow (%d)", code, badWindow)
	}
}

func TestTableFull(t *testing.T) {
	fakes, free := fakeDisplays(200)
	var added []unsafe.Pointer
	t.Cleanup(func() {
		for _, p := range added {
			unregister(p)
		}
		free()
	})
	for _, p := range fakes {
		if err := register(p); err != nil {
			if !errors.Is(err, ErrFull) {
				t.Fatalf("register: %v, want ErrFull", err)
			}
			if len(added) < 32 {
				t.Fatalf("table full after %d displays", len(added))
			}
			return
		}
		added = append(added, p)
	}
	t.Fatalf("register accepted %d displays without running out", len(added))
}

func TestWait(t *testing.T) {
	d := display(t, true)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	w.Write([]byte{'q'})
	if got := Wait(d, int(r.Fd())); got != Woken {
		t.Fatalf("with the wake pipe written: Wait = %d, want Woken", got)
	}
	r.Read(make([]byte, 1))
	propertyEvent(d)
	if got := Wait(d, int(r.Fd())); got != Events {
		t.Fatalf("with an event sent: Wait = %d, want Events", got)
	}
}
