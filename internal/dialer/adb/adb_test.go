package adb

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/internal/calltest"
	"github.com/deskdial/deskdial/internal/dialer/internal/telnum"
	"github.com/deskdial/deskdial/internal/testsupport"
)

const (
	number = "+4930123456"
	serial = "emulator-5554"
)

// hostile are strings a shell would act on if they reached it unquoted.
var hostile = []string{
	"+4930123456; touch pwned",
	"$(touch pwned)",
	"`touch pwned`",
	"'; touch pwned; '",
	"+49 30 123456",
	"1\ntouch pwned",
	"*",
	"#31#",
	"1 && touch pwned",
	"1 | touch pwned",
	"1 > pwned",
	"\\' ; touch pwned",
	"%27; touch pwned",
	"${IFS}touch${IFS}pwned",
}

func newDialer(t *testing.T, s *fakeServer, opts ...Option) *Dialer {
	t.Helper()
	_, err := exec.LookPath("adb")
	testsupport.Need(t, "the adb client", err)
	return New(append([]Option{WithServerPort(s.port()), WithPollInterval(10 * time.Millisecond)}, opts...)...)
}

func TestCapabilities(t *testing.T) {
	want := dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}
	if got := New().Capabilities(); got != want {
		t.Fatalf("Capabilities = %+v, want %+v", got, want)
	}
}

func TestCommand(t *testing.T) {
	for in, want := range map[string]string{
		"+4930123456": "am start -a android.intent.action.CALL -d 'tel:+4930123456'",
		"*#06#":       "am start -a android.intent.action.CALL -d 'tel:%2A%2306%23'",
	} {
		if got := Command(ActionCall, in); got != want {
			t.Errorf("Command(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCommandInertUnderMksh runs each produced command with mksh (the
// shell Android ships as /system/bin/sh) and a stub am that records its
// arguments: am must get exactly five arguments, the last the encoded URI,
// and nothing else may run.
func TestCommandInertUnderMksh(t *testing.T) {
	mksh := testsupport.NeedTool(t, "mksh")
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	// mksh has print, not printf. The encoded URI has no newline, so one
	// argument per line is unambiguous; "=" ends one run of am.
	stub := "#!" + mksh + "\nfor a in \"$@\"; do print -r -- \"$a\"; done >> \"$AM_LOG\"\nprint = >> \"$AM_LOG\"\n"
	if err := os.WriteFile(filepath.Join(bin, "am"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, h := range hostile {
		logf := filepath.Join(dir, "am.log")
		os.Remove(logf)
		cmd := exec.Command(mksh, "-c", Command(ActionCall, h))
		cmd.Dir = work
		// Only the stub directory on PATH: touch, id and friends do not
		// even exist, so an escaped command would fail loudly too.
		cmd.Env = []string{"PATH=" + bin, "AM_LOG=" + logf}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("mksh -c for %q: %v\n%s", h, err, out)
		}
		raw, err := os.ReadFile(logf)
		if err != nil {
			t.Fatalf("%q: am was not run: %v", h, err)
		}
		runs := strings.Split(strings.TrimSuffix(string(raw), "=\n"), "=\n")
		if len(runs) != 1 {
			t.Fatalf("%q: am ran %d times", h, len(runs))
		}
		args := strings.Split(strings.TrimSuffix(runs[0], "\n"), "\n")
		want := []string{"start", "-a", ActionCall, "-d", telnum.URI(h)}
		if !slices.Equal(args, want) {
			t.Fatalf("%q: am got %q, want %q", h, args, want)
		}
		if ents, _ := os.ReadDir(work); len(ents) != 0 {
			t.Fatalf("%q: the shell created %v", h, ents)
		}
	}
}

// TestHostileThroughRealClient sends each hostile command through the real
// adb client and checks the device receives it byte for byte, still quoted.
func TestHostileThroughRealClient(t *testing.T) {
	s := newFakeServer(t, fakeDevice{serial, "device"})
	d := newDialer(t, s)
	c := calltest.Ctx(t)
	var want []string
	for _, h := range hostile {
		cmd := Command(ActionCall, h)
		if _, err := d.shell(c, serial, cmd); err != nil {
			t.Fatalf("shell %q: %v", h, err)
		}
		want = append(want, serial+"\t"+cmd)
		// Dial refuses all but MMI-like codes (which the agent's policy
		// lets through only when the user allowed them) before anything
		// reaches the phone; those go out encoded.
		_, err := d.Dial(c, dialer.Request{ID: "x", Number: h, Mode: call.ModeCall})
		if telnum.Check(h) == nil {
			if err != nil {
				t.Fatalf("Dial(%q): %v", h, err)
			}
			want = append(want, serial+"\t"+cmd)
		} else if !errors.Is(err, dialer.ErrInvalidNumber) {
			t.Fatalf("Dial(%q) = %v, want ErrInvalidNumber", h, err)
		}
	}
	if got := s.shellLog(); !slices.Equal(got, want) {
		t.Fatalf("device received:\n%q\nwant:\n%q", got, want)
	}
}

func TestCallLifecycle(t *testing.T) {
	s := newFakeServer(t, fakeDevice{serial, "device"})
	d := newDialer(t, s)
	c := calltest.Ctx(t)
	if err := d.Check(c); err != nil {
		t.Fatalf("Check: %v", err)
	}
	dc := calltest.Dial(t, c, d, dialer.Request{ID: "id-1", Number: number, Mode: call.ModeCall, Expires: time.Now().Add(time.Minute)})
	want := serial + "\tam start -a android.intent.action.CALL -d 'tel:+4930123456'"
	if got := s.shellLog(); len(got) != 1 || got[0] != want {
		t.Fatalf("device received %q, want [%q]", got, want)
	}
	ch := calltest.Watch(t, c, d, dc)
	calltest.States(t, c, ch, call.Dialing)
	s.setCallState(serial, 2)
	calltest.States(t, c, ch, call.Active)
	calltest.HangUp(t, c, d, dc, ch, true)
	if !slices.Contains(s.shellLog(), serial+"\tinput keyevent KEYCODE_ENDCALL") {
		t.Fatalf("no end-call key press in %q", s.shellLog())
	}
}

func TestRemoteHangup(t *testing.T) {
	s := newFakeServer(t, fakeDevice{serial, "device"})
	d := newDialer(t, s)
	c := calltest.Ctx(t)
	dc := calltest.Dial(t, c, d, dialer.Request{ID: "id", Number: number, Mode: call.ModeCall})
	s.setCallState(serial, 2)
	ch := calltest.Watch(t, c, d, dc)
	calltest.States(t, c, ch, call.Dialing, call.Active)
	s.setCallState(serial, 0)
	if ev := calltest.Next(t, c, ch); ev.State != call.Ended || ev.Reason != "" {
		t.Fatalf("got %+v, want ended without a desktop reason", ev)
	}
}

func TestPrefill(t *testing.T) {
	s := newFakeServer(t, fakeDevice{serial, "device"})
	d := newDialer(t, s)
	c := calltest.Ctx(t)
	dc := calltest.Dial(t, c, d, dialer.Request{ID: "id", Number: number, Mode: call.ModePrefill})
	want := serial + "\tam start -a android.intent.action.DIAL -d 'tel:+4930123456'"
	if got := s.shellLog(); len(got) != 1 || got[0] != want {
		t.Fatalf("device received %q, want [%q]", got, want)
	}
	ch := calltest.Watch(t, c, d, dc)
	calltest.States(t, c, ch, call.Prefilled)
	calltest.Closed(t, c, ch)
	if err := d.Hangup(c, dc); !errors.Is(err, dialer.ErrUnsupported) {
		t.Fatalf("Hangup of a prefill = %v, want ErrUnsupported", err)
	}
}

func TestPhoneRefusesIntent(t *testing.T) {
	s := newFakeServer(t, fakeDevice{serial, "device"})
	s.mu.Lock()
	s.amOutput = "Starting: Intent { act=android.intent.action.CALL dat=tel:xxxxxxxxxxx }\n" +
		"Error: Activity not started, unable to resolve Intent { act=android.intent.action.CALL }\n"
	s.mu.Unlock()
	d := newDialer(t, s)
	_, err := d.Dial(calltest.Ctx(t), dialer.Request{ID: "id", Number: number, Mode: call.ModeCall})
	if err == nil || !strings.Contains(err.Error(), "unable to resolve Intent") {
		t.Fatalf("Dial = %v, want the phone's error", err)
	}
}

func TestDeviceSelection(t *testing.T) {
	for _, tc := range []struct {
		name    string
		devices []fakeDevice
		serial  string
		want    string // "" means usable
	}{
		{"one", []fakeDevice{{serial, "device"}}, "", ""},
		{"none", nil, "", "no Android device connected"},
		{"unauthorized", []fakeDevice{{serial, "unauthorized"}}, "", "not authorized this computer"},
		{"offline", []fakeDevice{{serial, "offline"}}, "", "is offline"},
		{"several", []fakeDevice{{"A1", "device"}, {"192.168.1.20:5555", "device"}}, "", "several devices connected (A1, 192.168.1.20:5555)"},
		{"chosen", []fakeDevice{{"A1", "device"}, {"192.168.1.20:5555", "device"}}, "192.168.1.20:5555", ""},
		{"chosen unauthorized", []fakeDevice{{"A1", "device"}, {"B2", "unauthorized"}}, "B2", "not authorized"},
		{"chosen missing", []fakeDevice{{"A1", "device"}}, "B2", "B2 is not connected (adb sees: A1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t, tc.devices...)
			d := newDialer(t, s, WithSerial(tc.serial))
			c := calltest.Ctx(t)
			err := d.Check(c)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				dc := calltest.Dial(t, c, d, dialer.Request{ID: "id", Number: number, Mode: call.ModeCall})
				_, got, _ := parseHandle(dc.Handle)
				if wantSerial := cmp(tc.serial, serial); got != wantSerial {
					t.Fatalf("dialled on %q, want %q", got, wantSerial)
				}
				return
			}
			if !errors.Is(err, dialer.ErrUnavailable) || !errors.Is(err, ErrDevice) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check = %v, want unavailable: %s", err, tc.want)
			}
			if _, err := d.Dial(c, dialer.Request{ID: "id", Number: number, Mode: call.ModeCall}); !errors.Is(err, dialer.ErrUnavailable) {
				t.Fatalf("Dial = %v, want ErrUnavailable", err)
			}
			if got := s.shellLog(); len(got) != 0 {
				t.Fatalf("shell commands reached an unusable device: %q", got)
			}
		})
	}
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestUnauthorizedAtShell covers a phone that revokes the key between the
// device check and the command: the real client's error is classified.
func TestUnauthorizedAtShell(t *testing.T) {
	s := newFakeServer(t, fakeDevice{serial, "unauthorized"})
	d := newDialer(t, s)
	_, err := d.shell(calltest.Ctx(t), serial, "dumpsys telephony.registry")
	if !errors.Is(err, dialer.ErrUnavailable) || !strings.Contains(err.Error(), "Allow USB debugging") {
		t.Fatalf("shell on an unauthorized device = %v", err)
	}
}

// TestPhoneUnpluggedMidCall: the device disappears while the call runs;
// Watch reports failed with a reason and stops.
func TestPhoneUnpluggedMidCall(t *testing.T) {
	s := newFakeServer(t, fakeDevice{serial, "device"})
	d := newDialer(t, s)
	c := calltest.Ctx(t)
	dc := calltest.Dial(t, c, d, dialer.Request{ID: "id", Number: number, Mode: call.ModeCall})
	s.setCallState(serial, 2)
	ch := calltest.Watch(t, c, d, dc)
	calltest.States(t, c, ch, call.Dialing, call.Active)
	s.mu.Lock()
	s.devices = nil
	s.mu.Unlock()
	ev := calltest.Next(t, c, ch)
	if ev.State != call.Failed || !strings.Contains(ev.Reason, "lost the phone") || !strings.Contains(ev.Reason, "not found") {
		t.Fatalf("got %+v, want failed: lost the phone", ev)
	}
	calltest.Closed(t, c, ch)
}

func TestNeverStarts(t *testing.T) {
	s := newFakeServer(t, fakeDevice{serial, "device"})
	d := newDialer(t, s, WithStartTimeout(50*time.Millisecond))
	c := calltest.Ctx(t)
	dc := calltest.Dial(t, c, d, dialer.Request{ID: "id", Number: number, Mode: call.ModeCall})
	ch := calltest.Watch(t, c, d, dc)
	calltest.Next(t, c, ch)
	if ev := calltest.Next(t, c, ch); ev.State != call.Failed || !strings.Contains(ev.Reason, "never started") {
		t.Fatalf("got %+v, want failed: never started", ev)
	}
}

func TestADBMissing(t *testing.T) {
	d := New(WithADB(filepath.Join(t.TempDir(), "no-adb")))
	if err := d.Check(calltest.Ctx(t)); !errors.Is(err, dialer.ErrUnavailable) || !strings.Contains(err.Error(), "adb program was not found") {
		t.Fatalf("Check = %v", err)
	}
}

func TestParseCallState(t *testing.T) {
	for in, want := range map[string]int{
		"  mCallState=0\n  mCallState=2\n":       2,
		"mCallState=1\r\nmCallState=0\r\n":       1,
		"Phone Id=0\n  mCallState=0\n":           0,
		"mCallState=9\nmCallState=1":             1,
		"mCallStateX=2 mCallState=\nmCallState=": -1,
		"":                                       -1,
	} {
		got, ok := ParseCallState(in)
		if !ok {
			got = -1
		}
		if got != want {
			t.Errorf("ParseCallState(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestParseDevices(t *testing.T) {
	out := "* daemon not running; starting now at tcp:5037\nList of devices attached\n" +
		"R58M12345\tdevice\n192.168.1.20:5555\tunauthorized\n0123\tno permissions (user in plugdev group; are your udev rules wrong?); see [http://developer.android.com/tools/device.html]\n\n"
	got := ParseDevices(out)
	want := []Device{{"R58M12345", "device"}, {"192.168.1.20:5555", "unauthorized"},
		{"0123", "no permissions (user in plugdev group; are your udev rules wrong?); see [http://developer.android.com/tools/device.html]"}}
	if !slices.Equal(got, want) {
		t.Fatalf("ParseDevices = %q, want %q", got, want)
	}
	if err := usable(got[2]); !strings.Contains(err.Error(), "udev rule") {
		t.Fatalf("usable(no permissions) = %v", err)
	}
}

func FuzzParseCallState(f *testing.F) {
	f.Add("last known state:\n  Phone Id=0\n  mCallState=2\n")
	f.Add("mCallState=\nmCallState=12345678901234567890")
	f.Fuzz(func(t *testing.T, in string) {
		st, ok := ParseCallState(in)
		if st < 0 || st > 2 || (!ok && st != 0) {
			t.Fatalf("ParseCallState(%q) = %d, %v", in, st, ok)
		}
		if ok != strings.Contains(in, "mCallState=") && ok {
			t.Fatalf("found a state without the key in %q", in)
		}
	})
}

func FuzzParseDevices(f *testing.F) {
	f.Add("List of devices attached\nR58M12345\tdevice\n\n")
	f.Add("a\t\tb\n\t\n \tx")
	f.Fuzz(func(t *testing.T, in string) {
		for _, d := range ParseDevices(in) {
			if d.Serial == "" || d.State == "" || strings.ContainsAny(d.Serial, " \t\n\r") {
				t.Fatalf("ParseDevices(%q) gave %+v", in, d)
			}
		}
	})
}

// FuzzCommand: whatever the number, the command is the fixed prefix and a
// single-quoted URI made of [0-9+%A-F] only.
func FuzzCommand(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cmd := Command(ActionCall, in)
		rest, ok := strings.CutPrefix(cmd, "am start -a android.intent.action.CALL -d 'tel:")
		if !ok || !strings.HasSuffix(rest, "'") {
			t.Fatalf("Command(%q) = %q", in, cmd)
		}
		for _, r := range strings.TrimSuffix(rest, "'") {
			if !strings.ContainsRune("0123456789+%ABCDEF", r) {
				t.Fatalf("Command(%q) = %q contains %q", in, cmd, r)
			}
		}
	})
}

// BenchmarkDial measures a whole adb Dial: `adb devices` plus the shell
// command, two runs of the real client against the fake server.
func BenchmarkDial(b *testing.B) {
	if _, err := exec.LookPath("adb"); err != nil {
		b.Skip("adb not installed")
	}
	s := newFakeServer(b, fakeDevice{serial, "device"})
	d := New(WithServerPort(s.port()))
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.Dial(ctx, dialer.Request{ID: "b", Number: number, Mode: call.ModeCall}); err != nil {
			b.Fatal(err)
		}
	}
}
