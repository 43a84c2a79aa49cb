package clipwatch

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/deskdial/deskdial/internal/x11test"
)

// xclip puts text on sel the way a user's program would, and keeps
// serving it in the background until another program takes the selection.
func xclip(t testing.TB, sel, text string) {
	t.Helper()
	cmd := exec.Command("xclip", "-selection", sel, "-quiet")
	cmd.Stdin = strings.NewReader(text)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start xclip: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
}

func TestCopyArrivesOnce(t *testing.T) {
	x11test.NeedX(t)
	w := start(t)
	if w.Mechanism() != "xfixes" {
		t.Fatalf("mechanism %q, want xfixes", w.Mechanism())
	}
	const text = "Ring me: +49 30 1234567\nThanks, Ana"
	xclip(t, "clipboard", text)
	c := next(t, w)
	if c.Text != text || c.Selection != Clipboard || c.Sensitive {
		t.Fatalf("change %+v, want the copied text on CLIPBOARD", c)
	}
	// The next change is the next copy, not a repeat of the first.
	xclip(t, "clipboard", "second copy")
	if c := next(t, w); c.Text != "second copy" {
		t.Fatalf("after one copy came %+v", c)
	}
	// The user copying the same text again is a new copy.
	xclip(t, "clipboard", "second copy")
	if c := next(t, w); c.Text != "second copy" {
		t.Fatalf("re-copy came as %+v", c)
	}
	xclip(t, "primary", "selected +1 415 555 0100")
	if c := next(t, w); c.Text != "selected +1 415 555 0100" || c.Selection != Primary {
		t.Fatalf("primary selection came as %+v", c)
	}
}

func TestReadOnDemand(t *testing.T) {
	x11test.NeedX(t)
	w := start(t, WithSelections(Clipboard))
	xclip(t, "primary", "+44 20 7946 0958")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got string
	for deadline := time.Now().Add(10 * time.Second); got == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var err error
		got, err = w.Read(ctx, Primary)
		if err != nil {
			t.Fatal(err)
		}
	}
	if got != "+44 20 7946 0958" {
		t.Fatalf("Read(Primary) = %q", got)
	}
	// PRIMARY is not watched here, so it produced no event.
	xclip(t, "clipboard", "marker")
	if c := next(t, w); c.Text != "marker" {
		t.Fatalf("unwatched PRIMARY was reported: %+v", c)
	}
}

func TestOwnWriteNotReported(t *testing.T) {
	x11test.NeedX(t)
	w := start(t)
	ctx := context.Background()
	if err := w.Write(ctx, "+49 30 1234567"); err != nil {
		t.Fatal(err)
	}
	// Other programs get the text: a real xclip reads it back.
	out, err := exec.Command("xclip", "-selection", "clipboard", "-o").Output()
	if err != nil || string(out) != "+49 30 1234567" {
		t.Fatalf("xclip -o = %q, %v", out, err)
	}
	if got, err := w.Read(ctx, Clipboard); err != nil || got != "+49 30 1234567" {
		t.Fatalf("Read after Write = %q, %v", got, err)
	}
	// The first event after our write is somebody else's copy.
	xclip(t, "clipboard", "someone else")
	if c := next(t, w); c.Text != "someone else" {
		t.Fatalf("own write was reported: %+v", c)
	}
	// The other program owns it now: Read asks it.
	if got, err := w.Read(ctx, Clipboard); err != nil || got != "someone else" {
		t.Fatalf("Read = %q, %v", got, err)
	}
}

func TestPasswordManagerCopy(t *testing.T) {
	x11test.NeedX(t)
	w := start(t)
	// A second watcher is a different X client; with the extra target it
	// plays a password manager (KeePassXC, KDE Wallet) copying a secret.
	vault := start(t, func(o *options) {
		o.extraTarget, o.extraValue = "x-kde-passwordManagerHint", "secret"
	}, WithSelections())
	if err := vault.Write(context.Background(), "+4930123456-is-my-pin"); err != nil {
		t.Fatal(err)
	}
	c := next(t, w)
	if !c.Sensitive || c.Text != "" || c.Selection != Clipboard {
		t.Fatalf("password-manager copy came as %+v, want Sensitive and no text", c)
	}
	if _, err := w.Read(context.Background(), Clipboard); !errors.Is(err, ErrSensitive) {
		t.Fatalf("Read of a secret: %v, want ErrSensitive", err)
	}
	// An ordinary copy by the same kind of client is not sensitive.
	plain := start(t, WithSelections())
	if err := plain.Write(context.Background(), "+49 30 7654321"); err != nil {
		t.Fatal(err)
	}
	if c := next(t, w); c.Sensitive || c.Text != "+49 30 7654321" {
		t.Fatalf("plain copy came as %+v", c)
	}
}

func TestHugePasteIsCut(t *testing.T) {
	x11test.NeedX(t)
	w := start(t, WithMaxBytes(1<<20))
	// 3 MiB of two-byte characters: xclip sends it with INCR, and the
	// cap falls inside a character.
	huge := "+49 30 1234567 " + strings.Repeat("é", 3<<19)
	xclip(t, "clipboard", huge)
	c := next(t, w)
	if len(c.Text) > 1<<20 || len(c.Text) < 1<<20-4 {
		t.Fatalf("got %d bytes, want the first MiB", len(c.Text))
	}
	if !utf8.ValidString(c.Text) || !strings.HasPrefix(huge, c.Text) {
		t.Fatal("the cut text is not a clean prefix of the copy")
	}
	// The owner was not left hanging: the next copy still arrives.
	xclip(t, "clipboard", "after the huge one")
	if c := next(t, w); c.Text != "after the huge one" {
		t.Fatalf("after a huge paste came %+v", c)
	}

	small := start(t, WithMaxBytes(10), WithSelections(Clipboard))
	xclip(t, "clipboard", "0123456789abcdef")
	if c := next(t, small); c.Text != "0123456789" {
		t.Fatalf("cap 10 gave %q", c.Text)
	}
}

func TestShutdown(t *testing.T) {
	x11test.NeedX(t)
	w, err := New()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	for !w.running.Load() {
		time.Sleep(time.Millisecond)
	}
	if err := w.Write(context.Background(), "x"); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, ok := <-w.Events(); ok {
		t.Fatal("events not closed")
	}
	if err := w.Write(context.Background(), "y"); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Write after Run: %v", err)
	}
	if _, err := w.Read(context.Background(), Clipboard); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Run: %v", err)
	}
	if err := w.Run(context.Background()); err == nil {
		t.Fatal("second Run accepted")
	}
}

func TestWriteTooLarge(t *testing.T) {
	x11test.NeedX(t)
	w := start(t)
	if err := w.Write(context.Background(), strings.Repeat("1", MaxWrite+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge Write: %v", err)
	}
}

func TestNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	if _, err := New(); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("New without a display: %v", err)
	}
}

// copyLatencies has another X client take the clipboard n times and
// measures from just before it takes the clipboard until the change is
// on Events (text read included); no process start is in the figure.
func copyLatencies(t testing.TB, n int) []time.Duration {
	w := start(t, WithSelections(Clipboard))
	other := start(t, WithSelections())
	ctx := context.Background()
	var lat []time.Duration
	for i := 0; i < n; i++ {
		text := fmt.Sprintf("+49 30 %07d", i)
		t0 := time.Now()
		if err := other.Write(ctx, text); err != nil {
			t.Fatal(err)
		}
		c := next(t, w)
		lat = append(lat, time.Since(t0))
		if c.Text != text {
			t.Fatalf("copy %d came as %q", i, c.Text)
		}
	}
	return lat
}

func TestCopyToEventLatency(t *testing.T) {
	x11test.NeedX(t)
	lat := copyLatencies(t, 50)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("copy→event over %d copies: p50 %v, p95 %v, max %v",
		len(lat), lat[len(lat)/2], lat[len(lat)*95/100], lat[len(lat)-1])
}

func BenchmarkCopyToEvent(b *testing.B) {
	x11test.NeedX(b)
	w := start(b, WithSelections(Clipboard))
	other := start(b, WithSelections())
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		text := fmt.Sprintf("+49 30 %07d", i)
		if err := other.Write(ctx, text); err != nil {
			b.Fatal(err)
		}
		if c := next(b, w); c.Text != text {
			b.Fatalf("copy %d came as %q", i, c.Text)
		}
	}
}

// TestPollingFallback runs the fallback used where XFixes is missing
// (and, with another reader, on macOS and Windows) against real copies.
func TestPollingFallback(t *testing.T) {
	x11test.NeedX(t)
	xclip(t, "clipboard", "already there before the watcher")
	// xclip takes the selection a moment after it starts; the watcher
	// must start after that for the text to be "already there".
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := exec.Command("xclip", "-selection", "clipboard", "-o").Output()
		if string(out) == "already there before the watcher" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("xclip never owned the clipboard (it holds %q)", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	w := start(t, WithPolling(), WithPollInterval(50*time.Millisecond), WithSelections(Clipboard))
	if w.Mechanism() != "x11-poll" {
		t.Fatalf("mechanism %q", w.Mechanism())
	}
	xclip(t, "clipboard", "+33 1 23 45 67 89")
	if c := next(t, w); c.Text != "+33 1 23 45 67 89" {
		t.Fatalf("polled change %+v", c)
	}
	vault := start(t, func(o *options) {
		o.extraTarget, o.extraValue = "x-kde-passwordManagerHint", "secret"
	}, WithSelections())
	if err := vault.Write(context.Background(), "pin 1234"); err != nil {
		t.Fatal(err)
	}
	if c := next(t, w); !c.Sensitive || c.Text != "" {
		t.Fatalf("polled secret came as %+v", c)
	}
	if err := w.Write(context.Background(), "x"); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Write while polling over X: %v", err)
	}
}

// The hotkey calls only what is highlighted now: once the program that
// held the selection lets it go, PRIMARY reads empty, not as the text it
// held before.
func TestReadPrimaryIsCurrent(t *testing.T) {
	x11test.NeedX(t)
	w := start(t, WithSelections(Clipboard))
	cmd := exec.Command("xclip", "-selection", "primary", "-quiet")
	cmd.Stdin = strings.NewReader("+44 20 7946 0958")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start xclip: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	read := func(want string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var got string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			var err error
			if got, err = w.Read(ctx, Primary); err != nil {
				t.Fatal(err)
			}
			if got == want {
				return
			}
		}
		t.Fatalf("Read(Primary) = %q, want %q", got, want)
	}
	read("+44 20 7946 0958")
	// The highlight goes away: its owner quits.
	cmd.Process.Kill()
	cmd.Wait()
	read("")
}

// TestRequestorGoneWhileAnswered: a program asks for our clipboard and is
// gone before the answer arrives. The X server's BadWindow must not end
// the process, even though another X user in it (GLFW under Fyne) put
// Xlib's default handler, which exits, back in the meantime; the text is
// still served to the next program.
func TestRequestorGoneWhileAnswered(t *testing.T) {
	x11test.NeedX(t)
	w := start(t)
	if err := w.Write(context.Background(), "+49 30 1234567"); err != nil {
		t.Fatal(err)
	}
	resetErrorHandler()
	if !vanishingRequest() {
		t.Fatal("cannot open the X display")
	}
	out, err := exec.Command("xclip", "-selection", "clipboard", "-o").Output()
	if err != nil || string(out) != "+49 30 1234567" {
		t.Fatalf("after a requestor vanished, xclip -o = %q, %v", out, err)
	}
}
