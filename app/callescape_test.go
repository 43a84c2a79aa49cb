package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/textsafe"
)

// hostile is text a phone can send back: a dialer's error names a
// Bluetooth device (any nearby device picks its own name), and the phone's
// name came from its pairing. It holds a bidi override and a line
// separator, which the protocol's control-character check lets through.
const hostile = "Mallory\u202eexe.txt\u2028forged line"

func rawFree(t *testing.T, what, s string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if err := textsafe.Check(line, 0); err != nil {
			t.Errorf("%s shows a raw control or direction character (%v): %q", what, err, s)
		}
	}
}

// TestCallRefusalReasonEscaped: a refusal the phone sends back is printed
// by `call` with its reason and the phone's name escaped, and still exits
// as a refusal.
func TestCallRefusalReasonEscaped(t *testing.T) {
	err := callExit(&remote.RefusedError{Phone: device.Peer{Name: hostile},
		Reply: protocol.Refuse("x", "dial_failed", "no answer from "+hostile+"\x1b[2J")})
	var ee *exitErr
	if !errors.As(err, &ee) || ee.code != exitRefused || !errors.Is(err, remote.ErrRefused) {
		t.Errorf("%v: want exit %d, a refusal", err, exitRefused)
	}
	rawFree(t, "the refusal", err.Error())
	if !strings.Contains(err.Error(), `no answer from Mallory\u202eexe.txt\u2028forged line\x1b[2J`) {
		t.Errorf("refusal %q does not show the reason written out", err.Error())
	}
}

// TestCallLinesEscaped: the "Sent to" line and each call state name the
// phone and carry its number and reason escaped.
func TestCallLinesEscaped(t *testing.T) {
	var out bytes.Buffer
	printSent(&out, device.Peer{Name: hostile}, "calling", "+4930\u202e1234")
	printStatus(&out, device.Peer{Name: hostile}, protocol.Status{State: call.Failed, Reason: hostile})
	rawFree(t, "the call's lines", out.String())
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Errorf("want 2 lines, got %d: %q", n, out.String())
	}
	if !strings.HasPrefix(out.String(), `Sent to Mallory\u202eexe.txt\u2028forged line: accepted, calling +4930\u202e1234`) {
		t.Errorf("sent line %q", out.String())
	}
	err := callFailed(device.Peer{Name: hostile}, protocol.Status{State: call.Failed, Reason: hostile})
	rawFree(t, "the failed call", err.Error())
}

// TestPhoneBackendWarningOnce: a backend that cannot reach its service is
// named once in the warning, which says what happens meanwhile.
func TestPhoneBackendWarningOnce(t *testing.T) {
	home := privateHome(t)
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"--home", home, "phone", "--backend", "kdeconnect",
		"--session-bus", "unix:path=" + t.TempDir() + "/none"}, strings.NewReader(""), &stdout, &stderr)
	first, _, _ := strings.Cut(stderr.String(), "\n")
	if !strings.HasPrefix(first, "warning: kdeconnect: ") || strings.Contains(first, "backend kdeconnect") ||
		strings.Contains(first, "backend unavailable") || !strings.Contains(first, "calls fail until that is fixed") {
		t.Errorf("warning = %q, want the backend named once and what happens meanwhile", first)
	}
}
