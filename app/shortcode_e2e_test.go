package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/config"
)

// scRun runs deskdial on a desktop whose locale names no region, so only
// --region (or the setting) says where national numbers are.
func scRun(t *testing.T, home string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := dpCmd(home, args...)
	cmd.Env = append(cmd.Env, "LANG=en", "LC_ALL=", "LC_TELEPHONE=", "LC_MESSAGES=")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), o.String(), e.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, o.String(), e.String()
}

// Emergency and service short codes are never rewritten into E.164: with
// --prefill they reach the phone's dialer as typed, without it they are
// refused on the desktop and nothing is sent. A national number with no
// region known is a usage error, and nothing is sent.
func TestEndToEndShortCodesAndNoRegion(t *testing.T) {
	desk, phone := dpHome(t, dpFreeAddr(t)), dpHome(t, "")
	// The desktop has no region setting (the phone keeps DE).
	path := filepath.Join(desk, config.SettingsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st config.Settings
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	st.Region = ""
	b, _ = json.Marshal(st)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(phone, "dialled.log")
	srv := dpStart(t, desk, "serve")
	srv.waitFor("is serving on")
	dpPairPhone(t, desk, phone, logFile)

	var want []string
	// Prefilled short codes arrive as typed.
	for _, tc := range []struct {
		args []string
		sent string
	}{
		{[]string{"call", "--region", "DE", "--prefill", "112"}, "112"},
		{[]string{"call", "--region", "DE", "--prefill", "110"}, "110"},
		{[]string{"call", "--region", "DE", "--prefill", "116117"}, "116117"},
		{[]string{"call", "--prefill", "112"}, "112"},
		{[]string{"call", "--prefill", "911"}, "911"},
		{[]string{"call", "--region", "US", "--prefill", "tel:911"}, "911"},
	} {
		code, out, errOut := scRun(t, desk, tc.args...)
		if code != 0 || !strings.Contains(out, "opening the dialer with "+tc.sent+"\n") {
			t.Errorf("%q: exit %d\nstdout: %s\nstderr: %s\nwant the dialer opened with %s", tc.args, code, out, errOut, tc.sent)
			continue
		}
		want = append(want, tc.sent)
	}
	// Calls to short codes and national numbers without a region are
	// refused on the desktop (exit 2), saying why.
	for _, tc := range []struct {
		args []string
		says []string
	}{
		{[]string{"call", "--region", "DE", "112"}, []string{"112 is an emergency number: call it from the phone"}},
		{[]string{"call", "911"}, []string{"911 is an emergency number: call it from the phone"}},
		{[]string{"call", "--region", "GB", "999"}, []string{"999 is an emergency number: call it from the phone"}},
		{[]string{"call", "--region", "DE", "11833"}, []string{"11833 is a short code", "--prefill"}},
		{[]string{"call", "030 1234567"}, []string{"030 1234567", "no region", "--region"}},
		{[]string{"call", "--prefill", "030 1234567"}, []string{"no region", "--region"}},
		{[]string{"call", "(202) 555-0123"}, []string{"no region", "--region"}},
	} {
		code, out, errOut := scRun(t, desk, tc.args...)
		ok := code == exitUsage
		for _, s := range tc.says {
			ok = ok && strings.Contains(errOut, s)
		}
		if !ok || strings.Contains(out, "Sent to") {
			t.Errorf("%q: exit %d\nstdout: %s\nstderr: %s\nwant exit %d saying %q", tc.args, code, out, errOut, exitUsage, tc.says)
		}
	}
	// With a region the national number goes out as E.164.
	if code, out, errOut := scRun(t, desk, "call", "--region", "DE", "030 1234567"); code != 0 || !strings.Contains(out, "calling +49301234567") {
		t.Errorf("national number with --region: exit %d\n%s%s", code, out, errOut)
	} else {
		want = append(want, "+49301234567")
	}
	if got := dpLines(t, logFile); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("the phone dialled %q, want %q", got, want)
	}
}
