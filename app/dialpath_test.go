package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/config"
)

// The end-to-end tests run deskdial as separate processes: this test
// binary re-executed as the command (TestHelperDeskdial), each process
// with its own home, talking over real servers.

const helperEnv = "DESKDIAL_TEST_HELPER"

// TestHelperDeskdial is not a test: it is the deskdial command when the
// test binary is started by the tests below.
func TestHelperDeskdial(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type dpBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *dpBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *dpBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type dpProc struct {
	t        *testing.T
	cmd      *exec.Cmd
	out, err *dpBuf
	done     chan struct{}
}

func dpCmd(home string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperDeskdial$", "--", "--home", home}, args...)...)
	cmd.Env = append(os.Environ(), helperEnv+"=1", "NATS_URL=", config.EnvHome+"=", "LANG=en_US.UTF-8")
	return cmd
}

// start runs deskdial in the background until the test ends.
func dpStart(t *testing.T, home string, args ...string) *dpProc {
	t.Helper()
	p := &dpProc{t: t, cmd: dpCmd(home, args...), out: &dpBuf{}, err: &dpBuf{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.err
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitFor polls the process's output until it contains s.
func (p *dpProc) waitFor(s string) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(p.out.String(), s) {
		select {
		case <-p.done:
			if strings.Contains(p.out.String(), s) {
				return
			}
			p.t.Fatalf("%v exited before printing %q:\nstdout: %s\nstderr: %s", p.cmd.Args, s, p.out, p.err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%v never printed %q:\nstdout: %s\nstderr: %s", p.cmd.Args, s, p.out, p.err)
		}
	}
}

// deskdial runs one command to its end.
func dpRun(t *testing.T, home string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := dpCmd(home, args...)
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

func dpMustRun(t *testing.T, home string, args ...string) string {
	t.Helper()
	code, out, errOut := dpRun(t, home, args...)
	if code != 0 {
		t.Fatalf("deskdial %v: exit %d\nstdout: %s\nstderr: %s", args, code, out, errOut)
	}
	return out
}

func dpFreeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// dpHome makes a home whose embedded server listens on a free loopback
// port and whose numbers are read as German.
func dpHome(t *testing.T, listen string) string {
	t.Helper()
	home := t.TempDir()
	st := config.Default()
	st.Region = "DE"
	if listen != "" {
		st.Listen = listen
	}
	b, _ := json.Marshal(st)
	if err := os.WriteFile(filepath.Join(home, config.SettingsFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

func dpLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// dpPairPhone pairs a phone agent through the running desktop and waits until
// it is connected.
func dpPairPhone(t *testing.T, desk, phone, logFile string, extra ...string) *dpProc {
	t.Helper()
	uri := strings.TrimSpace(dpMustRun(t, desk, append(extra, "pair", "--print")...))
	if !strings.HasPrefix(uri, "deskdial://pair?") {
		t.Fatalf("pair --print printed %q", uri)
	}
	p := dpStart(t, phone, append(extra, "phone", "--pair", uri, "--name", "Pixel", "--backend", "log:"+logFile)...)
	p.waitFor("Paired with")
	p.waitFor("Connected to")
	return p
}

func TestEndToEndEmbeddedServer(t *testing.T) {
	desk, phone := dpHome(t, dpFreeAddr(t)), dpHome(t, "")
	logFile := filepath.Join(phone, "dialled.log")
	srv := dpStart(t, desk, "serve")
	srv.waitFor("is serving on")
	ph := dpPairPhone(t, desk, phone, logFile)
	srv.waitFor("Paired with Pixel")

	out := dpMustRun(t, desk, "phones")
	if !strings.Contains(out, "Pixel") || !strings.Contains(out, "online") || !strings.Contains(out, "calls (log)") {
		t.Fatalf("phones: %q", out)
	}
	out = dpMustRun(t, desk, "call", "030", "1234567", "--wait")
	for _, want := range []string{"Sent to Pixel: accepted, calling +49301234567", "Pixel: ended 0:00"} {
		if !strings.Contains(out, want) {
			t.Errorf("call output lacks %q:\n%s", want, out)
		}
	}
	if got := dpLines(t, logFile); len(got) != 1 || got[0] != "+49301234567" {
		t.Fatalf("the log backend got %v", got)
	}
	// Refusals show their reason, exit 4, and dial nothing.
	for _, tc := range []struct{ target, reason string }{
		{"*#06#", "refused by Pixel: USSD/MMI codes"},
		{"tel:+49-900-1234567", "refused by Pixel: premium-rate number, not dialled automatically"},
	} {
		code, _, errOut := dpRun(t, desk, "call", tc.target)
		if code != exitRefused || !strings.Contains(errOut, tc.reason) {
			t.Errorf("call %s: exit %d, stderr %q; want %d with %q", tc.target, code, errOut, exitRefused, tc.reason)
		}
	}
	ph.waitFor("refused (premium-rate number")
	// Mistakes on the command line are usage errors (exit 2) that say
	// what is wrong, not refusals by the phone (exit 4).
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"call", ""}, "call needs a TARGET"},
		{[]string{"call", "  "}, "call needs a TARGET"},
		{[]string{"call", "--region", "ZZ", "030 1234567"}, `unknown region "ZZ"`},
	} {
		code, _, errOut := dpRun(t, desk, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.says) {
			t.Errorf("%q: exit %d, stderr %q; want %d with %q", tc.args, code, errOut, exitUsage, tc.says)
		}
	}
	if got := dpLines(t, logFile); len(got) != 1 {
		t.Fatalf("refused calls were dialled: %v", got)
	}

	// Without a running instance, call starts the embedded server itself;
	// the phone reconnects to it within a second or two.
	_ = srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.done
	out = dpMustRun(t, desk, "call", "+49 30 2222222")
	if !strings.Contains(out, "Sent to Pixel") {
		t.Fatalf("call without a running instance: %q", out)
	}
	if got := dpLines(t, logFile); len(got) != 2 || got[1] != "+49302222222" {
		t.Fatalf("the log backend got %v", got)
	}

	// Unpairing on the phone tells the running desktop, which forgets the
	// phone too.
	srv = dpStart(t, desk, "serve")
	srv.waitFor("is serving on")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(dpMustRun(t, desk, "phones"), "online") {
		if time.Now().After(deadline) {
			t.Fatal("the phone did not reconnect to the restarted desktop")
		}
	}
	if out := dpMustRun(t, phone, "unpair", dpDesktopName(t, phone)); !strings.Contains(out, "Unpaired") {
		t.Fatalf("unpair on the phone: %q", out)
	}
	srv.waitFor("Pixel (")
	srv.waitFor("unpaired itself")
	if out := dpMustRun(t, desk, "phones"); !strings.Contains(out, "no phone is paired") {
		t.Fatalf("phones after the phone unpaired: %q", out)
	}
	code, _, errOut := dpRun(t, desk, "call", "+49 30 3333333")
	if code != exitUsage || !strings.Contains(errOut, "no phone is paired") {
		t.Fatalf("call after unpairing: exit %d %q", code, errOut)
	}
	if got := dpLines(t, logFile); len(got) != 2 {
		t.Fatalf("dialled after unpairing: %v", got)
	}
}

// dpDesktopName reads the one paired desktop's name from a phone's registry.
func dpDesktopName(t *testing.T, phoneHome string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(phoneHome, "peers.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Peers []struct {
			Name string `json:"name"`
			Role string `json:"role"`
		} `json:"peers"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Peers {
		if p.Role == "desktop" {
			return p.Name
		}
	}
	t.Fatalf("no desktop in %s", b)
	return ""
}

func TestEndToEndExternalServer(t *testing.T) {
	url := startNATS(t)

	desk, phone := dpHome(t, ""), dpHome(t, "")
	logFile := filepath.Join(phone, "dialled.log")
	// No desktop instance runs: `pair` answers the phone itself.
	pr := dpStart(t, desk, "--server", url, "pair")
	pr.waitFor("deskdial://pair?")
	uri := strings.SplitN(pr.out.String(), "\n", 2)[0]
	ph := dpStart(t, phone, "phone", "--pair", uri, "--name", "Pixel", "--backend", "log:"+logFile)
	pr.waitFor("Paired with Pixel")
	ph.waitFor("Connected to")

	out := dpMustRun(t, desk, "--server", url, "call", "+49 30 1234567", "--wait")
	if !strings.Contains(out, "Sent to Pixel: accepted, calling +49301234567") || !strings.Contains(out, "Pixel: ended") {
		t.Fatalf("call over the external server: %q", out)
	}
	if got := dpLines(t, logFile); len(got) != 1 || got[0] != "+49301234567" {
		t.Fatalf("the log backend got %v", got)
	}
	code, _, errOut := dpRun(t, desk, "--server", url, "call", "*#06#")
	if code != exitRefused || !strings.Contains(errOut, "USSD/MMI") {
		t.Fatalf("mmi over the external server: exit %d %q", code, errOut)
	}
}

func TestEndToEndOfflineAndVanishedPhone(t *testing.T) {
	desk, phone := dpHome(t, dpFreeAddr(t)), dpHome(t, "")
	logFile := filepath.Join(phone, "dialled.log")
	srv := dpStart(t, desk, "serve")
	srv.waitFor("is serving on")
	ph := dpPairPhone(t, desk, phone, logFile)

	// The phone stops without closing its connection (a phone whose radio
	// dropped): the server still thinks it listens, so the request times
	// out instead of reporting offline.
	if err := ph.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := dpRun(t, desk, "call", "+49 30 1234567", "--timeout", "2s")
	if code != exitTimedOut || !strings.Contains(errOut, "no answer from Pixel within 2s") {
		t.Fatalf("call to a stopped phone: exit %d %q, want %d", code, errOut, exitTimedOut)
	}
	// The request has expired by now; when the phone wakes up it reads the
	// request from its socket and must not dial it.
	if err := ph.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	ph.waitFor("refused (the request expired")
	if got := dpLines(t, logFile); len(got) != 0 {
		t.Fatalf("a late request was dialled: %v", got)
	}
	audit, _ := os.ReadFile(filepath.Join(phone, "audit.log"))
	if !strings.Contains(string(audit), `"code":"expired"`) {
		t.Fatalf("audit log lacks the expired request:\n%s", audit)
	}

	// A phone that is gone (its process ended, the connection closed) is
	// reported offline at once.
	_ = ph.cmd.Process.Signal(syscall.SIGTERM)
	<-ph.done
	start := time.Now()
	code, _, errOut = dpRun(t, desk, "call", "+49 30 1234567", "--timeout", "20s")
	if code != exitOffline || !strings.HasSuffix(strings.TrimSpace(errOut), "\ndeskdial: Pixel is offline") && strings.TrimSpace(errOut) != "deskdial: Pixel is offline" {
		t.Fatalf("call to an offline phone: exit %d %q, want %d", code, errOut, exitOffline)
	}
	if took := time.Since(start); took >= 10*time.Second {
		t.Fatalf("offline took %s: learned from a timeout", took)
	}
}
