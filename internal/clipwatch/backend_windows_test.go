//go:build windows

package clipwatch

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// These tests run under Wine in CI (internal/wintest builds this package's
// test binary for Windows and runs it) and on Windows. The copies are made
// by a separate program, as a user's editor or password manager would:
// DESKDIAL_WINHELPER names it (internal/wintest/testdata/winhelper).

func winHelper(t *testing.T, args ...string) {
	t.Helper()
	helper := os.Getenv("DESKDIAL_WINHELPER")
	if helper == "" {
		t.Skip("DESKDIAL_WINHELPER is not set; internal/wintest sets it")
	}
	if out, err := exec.Command(helper, args...).CombinedOutput(); err != nil {
		t.Fatalf("winhelper %v: %v\n%s", args, err, out)
	}
}

func TestWindowsListenerReportsCopy(t *testing.T) {
	w := start(t)
	if got := w.Mechanism(); got != "clipboard-listener" {
		t.Fatalf("mechanism %q, want clipboard-listener", got)
	}
	winHelper(t, "copy", "call +49 30 1234567 please")
	ch := next(t, w)
	if ch.Text != "call +49 30 1234567 please" || ch.Sensitive || ch.Selection != Clipboard {
		t.Fatalf("change %+v", ch)
	}
	// The same text copied again is a new copy: the user meant it.
	winHelper(t, "copy", "call +49 30 1234567 please")
	if ch := next(t, w); ch.Text != "call +49 30 1234567 please" {
		t.Fatalf("repeat copy: %+v", ch)
	}
}

func TestWindowsPasswordManagerCopyIsNotRead(t *testing.T) {
	w := start(t)
	for _, mark := range []string{"exclude", "history0", "ignore"} {
		winHelper(t, "copy", "hunter2 +49 30 1234567", mark)
		ch := next(t, w)
		if !ch.Sensitive || ch.Text != "" {
			t.Fatalf("%s: change %+v, want sensitive without text", mark, ch)
		}
		if _, err := w.Read(context.Background(), Clipboard); err == nil {
			t.Fatalf("%s: Read returned the secret", mark)
		}
	}
	// CanIncludeInClipboardHistory = 1 only allows the history: not a
	// secret. Under Wine such a copy was now and then taken for a secret
	// (twice in many runs; likely the mark's data could not be read at
	// that moment, and a mark that cannot be read counts as a secret, as
	// it should), so the program copies again, up to three times, before
	// the test gives up. A copy always taken for a secret still fails.
	for try := 1; ; try++ {
		winHelper(t, "copy", "+49 30 7654321", "history1")
		ch := next(t, w)
		if ch.Sensitive && ch.Text == "" && try < 3 {
			t.Logf("history1, copy %d: taken for a secret (%+v); copying again", try, ch)
			continue
		}
		if ch.Sensitive || ch.Text != "+49 30 7654321" {
			t.Fatalf("history1: change %+v", ch)
		}
		break
	}
}

func TestWindowsOwnWriteIsNotReported(t *testing.T) {
	w := start(t)
	ctx := context.Background()
	if err := w.Write(ctx, "+44 20 7946 0000"); err != nil {
		t.Fatal(err)
	}
	if got, err := w.Read(ctx, Clipboard); err != nil || got != "+44 20 7946 0000" {
		t.Fatalf("Read after Write = %q, %v", got, err)
	}
	// The next change reported must be the other program's copy, not ours.
	// Under Wine the helper's copy is now and then lost (seen once in four
	// runs: no change at all, never our own write reported), so the other
	// program copies again, with other text, before the test gives up.
	for i, text := range []string{"+33 1 23 45 67 89", "+33 1 23 45 67 80"} {
		winHelper(t, "copy", text)
		select {
		case ch := <-w.Events():
			if ch.Text != text {
				t.Fatalf("change %+v, want the other program's copy %q", ch, text)
			}
			return
		case <-time.After(20 * time.Second):
			t.Logf("copy %d: no clipboard change reported", i+1)
		}
	}
	t.Fatal("no clipboard change reported for the other program's copies")
}

func TestWindowsPollingFallback(t *testing.T) {
	w := start(t, WithPolling(), WithPollInterval(50*time.Millisecond))
	if got := w.Mechanism(); got != "poll" {
		t.Fatalf("mechanism %q", got)
	}
	// What is on the clipboard when polling starts is not news; copy only
	// once that baseline is taken, or the copy would become the baseline.
	p := w.impl.(*poller)
	deadline := time.Now().Add(20 * time.Second)
	for {
		p.mu.Lock()
		_, ok := p.last[Clipboard]
		p.mu.Unlock()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the poller took no baseline")
		}
		time.Sleep(5 * time.Millisecond)
	}
	winHelper(t, "copy", "+49 89 111222")
	if ch := next(t, w); ch.Text != "+49 89 111222" {
		t.Fatalf("change %+v", ch)
	}
}
