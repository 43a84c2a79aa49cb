//go:build windows

package linkhandler

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// These tests write to HKEY_CURRENT_USER: they run under Wine in a
// throwaway prefix (internal/wintest), or on a Windows test machine.

func value(t *testing.T, key, name string) (string, bool) {
	t.Helper()
	k, err := registry.OpenKey(registry.CURRENT_USER, key, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	v, _, err := k.GetStringValue(name)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return v, true
}

func TestWindowsInstallThenUninstall(t *testing.T) {
	exe := `C:\Program Files\deskdial\deskdial.exe`
	if err := Install(exe, "--home", `C:\Users\ann\dd`); err != nil {
		t.Fatal(err)
	}
	want := `"C:\Program Files\deskdial\deskdial.exe" "--home" "C:\Users\ann\dd" "%1"`
	for _, key := range []string{`Software\Classes\tel`, `Software\Classes\callto`, `Software\Classes\deskdial.url`} {
		if v, _ := value(t, key+`\shell\open\command`, ""); v != want {
			t.Errorf("%s command = %q, want %q", key, v, want)
		}
		if _, ok := value(t, key, "URL Protocol"); !ok {
			t.Errorf("%s has no URL Protocol value", key)
		}
	}
	for _, s := range Schemes {
		if v, _ := value(t, `Software\deskdial\Capabilities\URLAssociations`, s); v != "deskdial.url" {
			t.Errorf("URLAssociations\\%s = %q", s, v)
		}
	}
	if v, _ := value(t, `Software\RegisteredApplications`, "deskdial"); v != `Software\deskdial\Capabilities` {
		t.Errorf("RegisteredApplications\\deskdial = %q", v)
	}

	// Another program takes callto: over; Uninstall must leave it alone.
	k, _, err := registry.CreateKey(registry.CURRENT_USER, `Software\Classes\callto\shell\open\command`, registry.SET_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	k.SetStringValue("", `"C:\Other\voip.exe" "%1"`)
	k.Close()

	if err := Uninstall(); err != nil {
		t.Fatal(err)
	}
	if _, ok := value(t, `Software\Classes\tel\shell\open\command`, ""); ok {
		t.Error("tel: still registered after Uninstall")
	}
	if v, _ := value(t, `Software\Classes\callto\shell\open\command`, ""); v != `"C:\Other\voip.exe" "%1"` {
		t.Errorf("the other program's callto: handler is gone: %q", v)
	}
	if _, ok := value(t, `Software\RegisteredApplications`, "deskdial"); ok {
		t.Error("still in RegisteredApplications")
	}
	if _, ok := value(t, `Software\deskdial\Capabilities`, "ApplicationName"); ok {
		t.Error("Capabilities still there")
	}
	if err := Uninstall(); err != nil {
		t.Fatalf("second Uninstall: %v", err)
	}
}

// A link holding quotes (which a program may pass unencoded) must not
// smuggle arguments in before the link: whatever it adds comes after it,
// and deskdial refuses a link followed by anything.
func TestWindowsHostileLinkStaysLast(t *testing.T) {
	cmd := Command(`C:\dd\deskdial.exe`, "--home", `C:\dd`)
	link := `tel:1" "call" "+4930123`
	line := strings.Replace(cmd, "%1", link, 1)
	args, err := windows.DecomposeCommandLine(line)
	if err != nil {
		t.Fatal(err)
	}
	if len(args) < 4 || args[1] != "--home" || args[2] != `C:\dd` || !strings.HasPrefix(args[3], "tel:") {
		t.Fatalf("args %q: the link does not directly follow deskdial's own arguments", args)
	}
	if len(args) == 4 {
		t.Fatalf("args %q: quoting did not split (test assumption)", args)
	}
}
