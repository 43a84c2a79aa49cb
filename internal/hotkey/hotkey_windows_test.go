//go:build windows

package hotkey

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// These tests run under Wine in CI (internal/wintest) and on Windows. The
// other program is DESKDIAL_WINHELPER (internal/wintest/testdata/winhelper).

func helperPath(t *testing.T) string {
	t.Helper()
	h := os.Getenv("DESKDIAL_WINHELPER")
	if h == "" {
		t.Skip("DESKDIAL_WINHELPER is not set; internal/wintest sets it")
	}
	return h
}

func TestWindowsHotkeyFiresOncePerPress(t *testing.T) {
	helper := helperPath(t)
	spec, err := Parse("ctrl+alt+d")
	if err != nil {
		t.Fatal(err)
	}
	h, err := Register(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	// Ctrl (2) + Alt (1), the D key.
	if out, err := exec.Command(helper, "press", "0x3", "0x44").CombinedOutput(); err != nil {
		t.Fatalf("press: %v\n%s", err, out)
	}
	select {
	case <-h.Events():
	case <-time.After(20 * time.Second):
		t.Fatal("the hotkey did not fire on Ctrl+Alt+D")
	}
	// Another key does not fire it.
	if out, err := exec.Command(helper, "press", "0x3", "0x45").CombinedOutput(); err != nil {
		t.Fatalf("press: %v\n%s", err, out)
	}
	if out, err := exec.Command(helper, "press", "0x3", "0x44").CombinedOutput(); err != nil {
		t.Fatalf("press: %v\n%s", err, out)
	}
	select {
	case <-h.Events():
	case <-time.After(20 * time.Second):
		t.Fatal("the hotkey did not fire on the second press")
	}
	select {
	case <-h.Events():
		t.Fatal("Ctrl+Alt+E fired Ctrl+Alt+D")
	default:
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-h.Events(); ok {
		t.Fatal("Events still open after Close")
	}
}

func TestWindowsHotkeyTakenByAnotherProgram(t *testing.T) {
	helper := helperPath(t)
	cmd := exec.Command(helper, "hold", "0x3", "0x4B") // Ctrl+Alt+K
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "held" {
		stdin.Close()
		cmd.Wait()
		t.Fatalf("helper did not take the key: %q", line)
	}
	spec, _ := Parse("Ctrl+Alt+K")
	_, err = Register(context.Background(), spec)
	if !errors.Is(err, ErrTaken) {
		t.Fatalf("Register of a held key: %v, want ErrTaken", err)
	}
	if want := "hotkey: Ctrl+Alt+K is already used by another program"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	stdin.Close()
	cmd.Wait()
	// Once the other program let go, the key is ours.
	h, err := Register(context.Background(), spec)
	if err != nil {
		t.Fatalf("Register after the other program quit: %v", err)
	}
	h.Close()
}

func TestWindowsEveryKeyHasAVirtualKey(t *testing.T) {
	for name, d := range keys {
		if _, ok := vkFor(d.keysym); !ok {
			t.Errorf("%s (%s): no virtual key", name, d.keysym)
		}
	}
}

func TestWindowsHotkeyEndsWithContext(t *testing.T) {
	spec, _ := Parse("Ctrl+Alt+F9")
	ctx, cancel := context.WithCancel(context.Background())
	h, err := Register(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, ok := <-h.Events():
		if ok {
			t.Fatal("a press arrived instead of the close")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Events not closed after the context ended")
	}
	// The key is free again.
	h2, err := Register(context.Background(), spec)
	if err != nil {
		t.Fatalf("Register again: %v", err)
	}
	h2.Close()
}
