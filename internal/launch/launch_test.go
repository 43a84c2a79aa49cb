package launch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/instance"
)

func TestArgs(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	got, err := Args(Globals{Home: "h", Server: "tls://relay.example:4222", Creds: "desk.creds", CA: ""}, []string{"tel:+49301234567"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--home", filepath.Join(dir, "h"), "--server", "tls://relay.example:4222",
		"--creds", filepath.Join(dir, "desk.creds"), "--", "tel:+49301234567"}
	if !slices.Equal(got, want) {
		t.Errorf("Args = %q, want %q", got, want)
	}
	if got, _ := Args(Globals{}, nil); len(got) != 0 {
		t.Errorf("no flags, no links: %q", got)
	}
}

func TestIsLink(t *testing.T) {
	for s, want := range map[string]bool{"tel:+4930": true, "TEL:+4930": true, "callto:x": true, "sip:a@b": true,
		"tel": false, "phones": false, "--home": false, "": false, "telx:1": false} {
		if IsLink(s) != want {
			t.Errorf("IsLink(%q) = %v", s, !want)
		}
	}
}

// The tray program is looked up on PATH when it is not next to the running
// program (here the test binary, which has none next to it); missing, the
// error names it and what to do.
func TestFindTray(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("executable bits")
	}
	empty := t.TempDir()
	t.Setenv("PATH", empty)
	_, err := FindTray()
	if !errors.Is(err, ErrNoTray) || !strings.Contains(err.Error(), TrayProgram+" is not next to deskdial nor on PATH") ||
		!strings.Contains(err.Error(), "install it") {
		t.Fatalf("without a tray program: %v", err)
	}
	onPath := t.TempDir()
	p := filepath.Join(onPath, TrayProgram)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", empty+string(os.PathListSeparator)+onPath)
	if got, err := FindTray(); err != nil || got != p {
		t.Fatalf("FindTray = %q, %v; want %q", got, err, p)
	}
}

// Hand reaches a running tray (a real instance server) with the show
// request or each link, and says false when none runs.
func TestHand(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if ok, err := Hand(ctx, dir, nil); ok || err != nil {
		t.Fatalf("no tray running: %v, %v", ok, err)
	}
	srv, err := instance.Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(rctx) }()
	defer func() { cancel(); <-done }()
	var got []string
	taken := make(chan struct{})
	go func() {
		for m := range srv.Messages() {
			got = append(got, m)
			if len(got) == 3 {
				close(taken)
			}
		}
	}()
	if ok, err := Hand(ctx, dir, nil); !ok || err != nil {
		t.Fatalf("show: %v, %v", ok, err)
	}
	if ok, err := Hand(ctx, dir, []string{"tel:+49301", "callto:+49302"}); !ok || err != nil {
		t.Fatalf("links: %v, %v", ok, err)
	}
	select {
	case <-taken:
	case <-time.After(time.Minute):
		t.Fatal("the tray did not take the messages")
	}
	if want := []string{instance.ShowMessage, "tel:+49301", "callto:+49302"}; !slices.Equal(got, want) {
		t.Errorf("the tray got %q, want %q", got, want)
	}
}
