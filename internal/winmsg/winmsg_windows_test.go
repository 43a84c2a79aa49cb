//go:build windows

package winmsg

import (
	"errors"
	"testing"
	"time"
)

// These tests run under Wine in CI (internal/wintest builds this package's
// test binary for Windows and runs it) and on Windows.

const wmPing = 0x8000 + 2 // WM_APP+2: a message of the test's own

func post(t *testing.T, hwnd uintptr, m uint32, w uintptr) {
	t.Helper()
	if r, _, err := procPostMessageW.Call(hwnd, uintptr(m), w, 0); r == 0 {
		t.Fatalf("PostMessage: %v", err)
	}
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not happen", what)
	}
}

// A message posted to the window reaches handle on the window's thread,
// in order; Close undoes setup's registration and ends the loop, and a
// second Close is harmless.
func TestWindowsMessagesReachHandle(t *testing.T) {
	got := make(chan uintptr, 4)
	undone := make(chan struct{})
	var setupHWND uintptr
	w, err := Open(func(hwnd uintptr) (func(), error) {
		setupHWND = hwnd
		return func() { close(undone) }, nil
	}, func(m Msg) bool {
		if m.Message == wmPing {
			got <- m.WParam
		}
		return false
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if w.HWND() == 0 || w.HWND() != setupHWND {
		t.Fatalf("HWND %#x, setup saw %#x", w.HWND(), setupHWND)
	}
	post(t, w.HWND(), wmPing, 1)
	post(t, w.HWND(), wmPing, 2)
	for _, want := range []uintptr{1, 2} {
		select {
		case v := <-got:
			if v != want {
				t.Fatalf("message %d arrived, want %d", v, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("message %d did not arrive", want)
		}
	}
	w.Close()
	wait(t, undone, "setup's undo")
	wait(t, w.Done(), "the window's end")
	if err := w.Err(); err != nil {
		t.Fatalf("Err after Close: %v", err)
	}
	w.Close()
}

// handle asking to stop ends the window on its own: Done closes, with no
// error, without Close.
func TestWindowsHandleStops(t *testing.T) {
	w, err := Open(func(uintptr) (func(), error) { return nil, nil }, func(m Msg) bool { return m.Message == wmPing })
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	post(t, w.HWND(), wmPing, 0)
	wait(t, w.Done(), "the window's end")
	if err := w.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
	w.Close()
}

// An error from setup is Open's error, and the window is gone.
func TestWindowsSetupErrorIsOpens(t *testing.T) {
	refused := errors.New("refused")
	if _, err := Open(func(uintptr) (func(), error) { return nil, refused }, func(Msg) bool { return false }); !errors.Is(err, refused) {
		t.Fatalf("Open = %v, want setup's error", err)
	}
}
