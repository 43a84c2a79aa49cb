//go:build windows

package notify

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"git.sr.ht/~jackmordaunt/go-toast/v2/wintoast"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// underWine reports whether the test runs under Wine, whose ntdll
// exports wine_get_version.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// Under Wine there is no WinRT toast manager: New must say so with
// ErrNoServer (the tray then opens its prompt window), not return a
// notifier whose toasts nobody sees.
func TestWindowsNoToastsUnderWine(t *testing.T) {
	if !underWine() {
		t.Skip("Windows has toasts; this checks the fallback under Wine")
	}
	n, err := New(context.Background(), "deskdial", WithDesktopEntry("io.github.deskdial.test-wine"))
	if !errors.Is(err, ErrNoServer) {
		t.Fatalf("New under Wine = %v, %v; want ErrNoServer", n, err)
	}
	if !strings.Contains(err.Error(), toastManager) {
		t.Errorf("the error does not say what is missing: %v", err)
	}
	// Nothing is registered for toasts that cannot show.
	if k, err := registry.OpenKey(registry.CURRENT_USER, `Software\Classes\AppUserModelId\io.github.deskdial.test-wine`, registry.READ); err == nil {
		k.Close()
		t.Error("the AppUserModelID was registered although toasts are unavailable")
	}
}

func TestWindowsRegisterAUMID(t *testing.T) {
	const aumid = "io.github.deskdial.test-register"
	path := `Software\Classes\AppUserModelId\` + aumid
	t.Cleanup(func() { registry.DeleteKey(registry.CURRENT_USER, path) })
	for range 2 { // a second start writes the same values again
		if err := registerAUMID(aumid, "deskdial"); err != nil {
			t.Fatal(err)
		}
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.READ)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	for name, want := range map[string]string{"DisplayName": "deskdial", "CustomActivator": activatorCLSID} {
		if got, _, err := k.GetStringValue(name); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", name, got, err, want)
		}
	}
}

// A click on a toast's button reaches the app as Windows delivers it:
// a call of INotificationActivationCallback::Activate on the COM object
// (here called through its vtable, from a thread that is not Go's own
// goroutine's), with the arguments our XML gave the button. It comes out
// of Events as the same action the Linux backend reports; arguments that
// are not ours, or name a toast that is not ours, are ignored.
func TestWindowsToastClickBecomesEvent(t *testing.T) {
	installActivator()
	b := &toastBackend{aumid: defaultAUMID, pushes: make(chan push), ours: map[uint32]bool{3: true}}
	n := &Notifier{appName: "deskdial", events: make(chan Event, 4), impl: b}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()

	activate := func(args string) {
		t.Helper()
		aumid, _ := syscall.UTF16PtrFromString(defaultAUMID)
		a, err := syscall.UTF16PtrFromString(args)
		if err != nil {
			t.Fatal(err)
		}
		obj := wintoast.NotificationActivationCallback
		hr, _, _ := syscall.SyscallN(obj.VTable.Activate, uintptr(unsafe.Pointer(obj)),
			uintptr(unsafe.Pointer(aumid)), uintptr(unsafe.Pointer(a)), 0, 0)
		if hr != 0 {
			t.Fatalf("Activate returned %#x", hr)
		}
	}
	activate("https://example.com/")
	activate(toastArgs(9, "call"))                // not one of ours
	activate(toastArgsPrefix + "id=3&key=%1b[2J") // a control character
	activate(toastArgs(3, "call-on:phone 2"))

	select {
	case ev := <-n.Events():
		if ev != (Event{ID: 3, Action: "call-on:phone 2"}) {
			t.Fatalf("event %+v, want the click on toast 3's \"call-on:phone 2\"", ev)
		}
	case <-time.After(time.Minute):
		t.Fatal("the click did not come out of Events")
	}
	select {
	case ev := <-n.Events():
		t.Fatalf("an event from arguments that are not ours: %+v", ev)
	default:
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
