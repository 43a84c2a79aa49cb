package hotkey

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/x11test"
)

func xdotool(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v: %s", args, err, out)
	}
}

func register(t *testing.T, spec string) *Hotkey {
	t.Helper()
	s, err := Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Register(context.Background(), s)
	if err != nil {
		t.Fatalf("Register(%s): %v", s, err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// presses waits until the hotkey has handled every key event the X
// server generated so far (xdotool closes its display with a round trip
// before it exits), then reports how many presses it counted.
func presses(h *Hotkey) int64 {
	g := h.impl.(*x11Grab)
	g.roundTrip()
	return g.presses.Load()
}

func waitEvent(t *testing.T, h *Hotkey) {
	t.Helper()
	select {
	case _, ok := <-h.Events():
		if !ok {
			t.Fatalf("%s: events closed", h.Spec())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not fire within 10 s", h.Spec())
	}
}

func TestFiresOncePerPress(t *testing.T) {
	x11test.NeedX(t)
	h := register(t, "Ctrl+Alt+D")
	xdotool(t, "key", "ctrl+alt+d")
	waitEvent(t, h)
	if n := presses(h); n != 1 {
		t.Fatalf("one press fired %d times", n)
	}
	xdotool(t, "key", "a", "ctrl+alt+e", "alt+d", "ctrl+d", "ctrl+alt+shift+d")
	if n := presses(h); n != 1 {
		t.Fatalf("other keys fired the hotkey: %d presses counted", n)
	}
	select {
	case <-h.Events():
		t.Fatal("an event is waiting although no further press of Ctrl+Alt+D happened")
	default:
	}
	xdotool(t, "key", "ctrl+alt+d")
	waitEvent(t, h)
	if n := presses(h); n != 2 {
		t.Fatalf("second press: %d presses counted, want 2", n)
	}
}

func TestFiresWithLocks(t *testing.T) {
	x11test.NeedX(t)
	h := register(t, "Ctrl+Alt+D")
	for _, lock := range [][]string{{"Num_Lock"}, {"Caps_Lock"}, {"Num_Lock", "Caps_Lock"}} {
		for _, k := range lock {
			xdotool(t, "key", k)
		}
		before := presses(h)
		xdotool(t, "key", "ctrl+alt+d")
		waitEvent(t, h)
		if n := presses(h) - before; n != 1 {
			t.Errorf("with %v on: %d presses counted, want 1", lock, n)
		}
		for _, k := range lock { // switch the locks off again
			xdotool(t, "key", k)
		}
	}
}

func TestSuperShiftFunctionKey(t *testing.T) {
	x11test.NeedX(t)
	h := register(t, "Super+Shift+F9")
	xdotool(t, "key", "super+shift+F9")
	waitEvent(t, h)
	xdotool(t, "key", "shift+F9", "super+F9")
	if n := presses(h); n != 1 {
		t.Fatalf("%d presses counted, want 1", n)
	}
}

func TestTakenByAnotherConnection(t *testing.T) {
	x11test.NeedX(t)
	first := register(t, "Ctrl+Alt+D")
	s, _ := Parse("ctrl+alt+d")
	// Another X user in the process (GLFW under Fyne, see x11conn.Trap) left
	// Xlib's default, process-ending handler installed in the meantime.
	resetErrorHandler()
	// Register opens a connection of its own, so to the X server this is
	// another client, as another program would be.
	_, err := Register(context.Background(), s)
	if !errors.Is(err, ErrTaken) {
		t.Fatalf("second grab: %v, want ErrTaken", err)
	}
	if err.Error() != "hotkey: Ctrl+Alt+D is already used by another program" {
		t.Errorf("message %q", err)
	}
	// The process survived the BadAccess and the first grab still works.
	xdotool(t, "key", "ctrl+alt+d")
	waitEvent(t, first)
	// Once released, the key can be taken again.
	first.Close()
	again := register(t, "Ctrl+Alt+D")
	xdotool(t, "key", "ctrl+alt+d")
	waitEvent(t, again)
}

func TestTakenByAnotherProcess(t *testing.T) {
	x11test.NeedX(t)
	if os.Getenv("DESKDIAL_HOTKEY_HOLDER") != "" {
		return
	}
	// Another process holds the key: a copy of this test binary in holder
	// mode (see TestMain).
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DESKDIAL_HOTKEY_HOLDER=Ctrl+Alt+F7")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	buf := make([]byte, 3)
	if _, err := stdout.Read(buf); err != nil || string(buf) != "ok\n" {
		t.Fatalf("holder did not grab: %q %v", buf, err)
	}
	s, _ := Parse("ctrl+alt+f7")
	if _, err := Register(context.Background(), s); !errors.Is(err, ErrTaken) {
		t.Fatalf("grab held by another process: %v, want ErrTaken", err)
	}
}

// TestMain gives this package's tests an X server of their own when a
// display is available (or CI is set): `make test` runs every package
// under one Xvfb at the same time, and other packages' key presses and
// grabs would otherwise reach ours (and ours theirs).
//
// It doubles as the holder process for TestTakenByAnotherProcess: it
// grabs the key, says "ok" and holds it until stdin closes.
func TestMain(m *testing.M) {
	if spec := os.Getenv("DESKDIAL_HOTKEY_HOLDER"); spec != "" {
		s, err := Parse(spec)
		if err != nil {
			os.Exit(2)
		}
		h, err := Register(context.Background(), s)
		if err != nil {
			os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("ok\n")
		b := make([]byte, 1)
		os.Stdin.Read(b)
		h.Close()
		os.Exit(0)
	}
	x11test.Main(m, "hotkey")
}

func TestCloseDoesNotWaitForAKey(t *testing.T) {
	x11test.NeedX(t)
	s, _ := Parse("Ctrl+Alt+D")
	h, err := Register(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked with no key pressed")
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-h.Events(); ok {
		t.Fatal("Events not closed after Close")
	}
}

func TestContextEndsGrab(t *testing.T) {
	x11test.NeedX(t)
	s, _ := Parse("Ctrl+Alt+D")
	ctx, cancel := context.WithCancel(context.Background())
	h, err := Register(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-h.impl.done():
	case <-time.After(10 * time.Second):
		t.Fatal("grab outlived its context")
	}
	for range h.Events() { // closed once the grab is gone
	}
	h2, err := Register(context.Background(), s)
	if err != nil {
		t.Fatalf("key still held after the context ended: %v", err)
	}
	h2.Close()
}

func TestNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	s, _ := Parse("Ctrl+Alt+D")
	if _, err := Register(context.Background(), s); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("without a display: %v, want ErrUnsupported", err)
	}
}
