//go:build windows

package autostart

import (
	"testing"

	"golang.org/x/sys/windows/registry"
)

// Runs under Wine in CI (internal/wintest) and on Windows; it writes the
// real HKCU Run key.

func TestWindowsEnableThenDisable(t *testing.T) {
	if on, err := Enabled(); err != nil || on {
		t.Fatalf("fresh: Enabled = %v, %v", on, err)
	}
	if err := Enable(`C:\Program Files\deskdial\deskdial.exe`, WithArgs("--home", `C:\Users\ann\dd`)); err != nil {
		t.Fatal(err)
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := k.GetStringValue("deskdial")
	k.Close()
	if want := `"C:\Program Files\deskdial\deskdial.exe" --home C:\Users\ann\dd`; err != nil || v != want {
		t.Fatalf("Run value = %q, %v; want %q", v, err, want)
	}
	if on, err := Enabled(); err != nil || !on {
		t.Fatalf("after Enable: Enabled = %v, %v", on, err)
	}
	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	if on, err := Enabled(); err != nil || on {
		t.Fatalf("after Disable: Enabled = %v, %v", on, err)
	}
	if err := Disable(); err != nil {
		t.Fatalf("second Disable: %v", err)
	}
}
