package urlopen

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// stub writes an opener script that records its arguments, one per line.
func stub(t *testing.T, exit int) (script, record string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the stub opener is a POSIX shell script")
	}
	dir := t.TempDir()
	record = filepath.Join(dir, "opened")
	script = filepath.Join(dir, "opener")
	body := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '" + record + "'\n"
	if exit != 0 {
		body += "echo 'no method available for opening it' >&2\nexit " + string(rune('0'+exit)) + "\n"
	}
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, record
}

func opened(t *testing.T, record string) string {
	t.Helper()
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatalf("the opener did not run: %v", err)
	}
	return string(b)
}

func TestCapabilities(t *testing.T) {
	if got := New().Capabilities(); got != (dialer.Capabilities{}) {
		t.Fatalf("Capabilities = %+v, want prefill only", got)
	}
}

func TestOpensTelURI(t *testing.T) {
	script, record := stub(t, 0)
	d := New(WithCommand(script, "--flag"))
	ctx := context.Background()
	if err := d.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	dc, err := d.Dial(ctx, dialer.Request{ID: "id", Number: "+4930123456", Mode: call.ModeCall, Expires: time.Now().Add(time.Minute)})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if _, err := d.Dial(ctx, dialer.Request{ID: "id2", Number: "*#06#", Mode: call.ModePrefill}); err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if got, want := opened(t, record), "--flag\ntel:+4930123456\n--flag\ntel:%2A%2306%23\n"; got != want {
		t.Fatalf("opener got %q, want %q", got, want)
	}
	ch, err := d.Watch(ctx, dc)
	if err != nil {
		t.Fatal(err)
	}
	var states []call.State
	for ev := range ch {
		states = append(states, ev.State)
	}
	if len(states) != 1 || states[0] != call.Prefilled {
		t.Fatalf("Watch states %v, want [prefilled]", states)
	}
	if err := d.Hangup(ctx, dc); !errors.Is(err, dialer.ErrUnsupported) {
		t.Fatalf("Hangup = %v, want ErrUnsupported", err)
	}
}

// TestRealXdgOpen runs the real xdg-open, which with no desktop environment
// hands the URI to $BROWSER: our stub.
func TestRealXdgOpen(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("xdg-open is the Linux default")
	}
	testsupport.NeedTool(t, "xdg-open")
	script, record := stub(t, 0)
	home := t.TempDir()
	for k, v := range map[string]string{
		"BROWSER": script, "HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"XDG_DATA_HOME": filepath.Join(home, ".local/share"), "XDG_DATA_DIRS": filepath.Join(home, "none"),
		"XDG_CURRENT_DESKTOP": "", "DE": "", "DISPLAY": "", "WAYLAND_DISPLAY": "",
		"KDE_FULL_SESSION": "", "GNOME_DESKTOP_SESSION_ID": "", "DESKTOP_SESSION": "",
	} {
		t.Setenv(k, v)
	}
	d := New()
	if _, err := d.Dial(context.Background(), dialer.Request{ID: "id", Number: "+4930123456", Mode: call.ModePrefill}); err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if got := opened(t, record); got != "tel:+4930123456\n" {
		t.Fatalf("xdg-open passed %q", got)
	}
}

func TestOpenerFails(t *testing.T) {
	script, _ := stub(t, 3)
	d := New(WithCommand(script))
	_, err := d.Dial(context.Background(), dialer.Request{ID: "id", Number: "+4930123456", Mode: call.ModePrefill})
	if err == nil || !strings.Contains(err.Error(), "no method available") {
		t.Fatalf("Dial = %v, want the opener's message", err)
	}
}

func TestMissingOpener(t *testing.T) {
	d := New(WithCommand(filepath.Join(t.TempDir(), "nothing-here")))
	if err := d.Check(context.Background()); !errors.Is(err, dialer.ErrUnavailable) {
		t.Fatalf("Check = %v, want ErrUnavailable", err)
	}
	if _, err := d.Dial(context.Background(), dialer.Request{ID: "id", Number: "+4930123456"}); !errors.Is(err, dialer.ErrUnavailable) {
		t.Fatalf("Dial = %v, want ErrUnavailable", err)
	}
}

func TestInjectedOpenerAndBadInput(t *testing.T) {
	var got []string
	d := New(WithOpener(func(_ context.Context, uri string) error { got = append(got, uri); return nil }))
	ctx := context.Background()
	if _, err := d.Dial(ctx, dialer.Request{ID: "id", Number: "+4930123456"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"1; rm -rf /", "$(id)", "tel:+49", ""} {
		if _, err := d.Dial(ctx, dialer.Request{ID: "id", Number: bad}); !errors.Is(err, dialer.ErrInvalidNumber) {
			t.Fatalf("Dial(%q) = %v, want ErrInvalidNumber", bad, err)
		}
	}
	if _, err := d.Dial(ctx, dialer.Request{ID: "id", Number: "+4930123456", Expires: time.Now().Add(-time.Second)}); err == nil {
		t.Fatal("expired request was opened")
	}
	if len(got) != 1 || got[0] != "tel:+4930123456" {
		t.Fatalf("opener got %q", got)
	}
}
