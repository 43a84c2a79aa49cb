package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/testsupport"
	"github.com/deskdial/deskdial/internal/webagent/webtest"
)

// browser is Debian's chromium driven headless by playwright-core
// (internal/webagent/web/tools/browser.mjs), one command at a time.
type browser struct {
	t   *testing.T
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
	mu  sync.Mutex
}

func startBrowser(t *testing.T) *browser {
	t.Helper()
	webtest.NeedTools(t, "/usr/bin/chromium")
	dir := webtest.Modules(t)
	cmd := exec.Command("node", "tools/browser.mjs")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, cmd: cmd, in: in, out: bufio.NewScanner(out)}
	b.out.Buffer(make([]byte, 1<<20), 1<<20)
	t.Cleanup(func() {
		_, _ = io.WriteString(in, `{"cmd":"close"}`+"\n")
		in.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return b
}

type browserAnswer struct {
	OK      bool     `json:"ok"`
	Error   string   `json:"error"`
	Logs    []string `json:"logs"`
	Visible bool     `json:"visible"`
	Text    string   `json:"text"`
	Href    string   `json:"href"`
}

func (b *browser) try(cmd map[string]any) browserAnswer {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	line, _ := json.Marshal(cmd)
	if _, err := b.in.Write(append(line, '\n')); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	if !b.out.Scan() {
		b.t.Fatalf("browser ended: %v", b.out.Err())
	}
	var a browserAnswer
	if err := json.Unmarshal(b.out.Bytes(), &a); err != nil {
		b.t.Fatalf("browser said %q", b.out.Bytes())
	}
	return a
}

func (b *browser) do(kv ...any) browserAnswer {
	b.t.Helper()
	cmd := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		cmd[kv[i].(string)] = kv[i+1]
	}
	a := b.try(cmd)
	if !a.OK {
		b.t.Fatalf("browser %v: %s\npage log:\n%s", cmd, a.Error, strings.Join(a.Logs, "\n"))
	}
	return a
}

func (b *browser) read(sel string) browserAnswer {
	b.t.Helper()
	return b.do("cmd", "read", "sel", sel)
}

// pageShot saves the page for the README when DESKDIAL_SCREENSHOTS=1
// (make screenshots).
func pageShot(t *testing.T, b *browser, name string) {
	t.Helper()
	if os.Getenv("DESKDIAL_SCREENSHOTS") != "1" {
		return
	}
	shot, err := filepath.Abs(filepath.Join("..", "docs", "screenshots", name))
	if err != nil {
		t.Fatal(err)
	}
	b.do("cmd", "screenshot", "path", shot)
}

// desktopClient opens the desktop in home as the CLI does, to send
// requests no deskdial command would (expired, replayed, forged).
func desktopClient(t *testing.T, home string) (*remote.Desktop, *remote.Client) {
	t.Helper()
	paths, err := config.ResolvePaths(home)
	if err != nil {
		t.Fatal(err)
	}
	st, err := config.Open(paths.Config)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.OpenDesktop(paths, st.Get(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := remote.Open(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return d, c
}

// TestWebAgentEndToEnd: a phone's browser opens the pairing link of a
// running desktop, pairs, and a call from the desktop shows one Call
// button whose link is exactly the number; requests the policy refuses
// show the refusal and no button; the page comes back after the desktop
// restarts.
func TestWebAgentEndToEnd(t *testing.T) {
	b := startBrowser(t)
	desk := dpHome(t, freeAddrAndNext(t))
	srv := dpStart(t, desk, "serve")
	srv.waitFor("is serving on")
	link := strings.TrimSpace(dpMustRun(t, desk, "pair", "--print", "--link"))
	if !strings.HasPrefix(link, "https://") || !strings.Contains(link, "/pair#deskdial://pair?") {
		t.Fatalf("pair --print --link printed %q", link)
	}
	// A relay's page, by address; anything but https is a usage error.
	relay := strings.TrimSpace(dpMustRun(t, desk, "pair", "--print", "--page", "https://relay.example.org"))
	if !strings.HasPrefix(relay, "https://relay.example.org/pair#deskdial://pair?") {
		t.Fatalf("pair --page printed %q", relay)
	}
	if code, _, errOut := dpRun(t, desk, "pair", "--print", "--page", "http://relay.example.org"); code != exitUsage || !strings.Contains(errOut, "not an https://") {
		t.Fatalf("pair --page http://: exit %d, %q", code, errOut)
	}
	b.do("cmd", "open", "url", link)
	b.do("cmd", "wait", "sel", "#pair-button")
	runInfo, err := os.ReadFile(filepath.Join(desk, remote.RunFile))
	if err != nil {
		t.Fatal(err)
	}
	var ri remote.RunInfo
	_ = json.Unmarshal(runInfo, &ri)
	fp := b.read("#pair-fp").Text
	if strings.ReplaceAll(strings.ToLower(fp), ":", "") != ri.CertFP {
		t.Fatalf("the page shows fingerprint %q, the server's is %s", fp, ri.CertFP)
	}
	b.do("cmd", "fill", "sel", "#pair-name", "text", "Pixel in the hall")
	pageShot(t, b, "web-agent-pair.png")
	b.do("cmd", "click", "sel", "#pair-button")
	b.do("cmd", "wait", "sel", "#state", "text", "Connected")
	srv.waitFor("Paired with Pixel in the hall")
	testsupport.WaitForWithin(t, 20*time.Second, "the desktop to list the page as online", func() bool {
		out := dpMustRun(t, desk, "phones")
		return strings.Contains(out, "Pixel in the hall") && strings.Contains(out, "online")
	})

	out := dpMustRun(t, desk, "call", "+4930901820")
	if !strings.Contains(out, "Sent to Pixel in the hall") {
		t.Fatalf("call: %q", out)
	}
	b.do("cmd", "wait", "sel", "#call-button", "text", "Call +49 30 901820")
	btn := b.read("#call-button")
	if btn.Href != "tel:+4930901820" || !strings.Contains(btn.Text, "(from ") {
		t.Fatalf("call button %q links to %q", btn.Text, btn.Href)
	}
	pageShot(t, b, "web-agent.png")

	// Refused by the policy: a refusal, and no button.
	refused := func(what, says string) {
		t.Helper()
		b.do("cmd", "wait", "sel", "#refusal", "text", says)
		if btn := b.read("#call-button"); btn.Visible {
			t.Errorf("%s: the Call button is still shown (%q)", what, btn.Text)
		}
	}
	for _, tc := range []struct{ target, says string }{
		{"*#06#", "USSD/MMI codes"},
		{"tel:+49-900-1234567", "premium-rate number"},
	} {
		code, _, errOut := dpRun(t, desk, "call", tc.target)
		if code != exitRefused || !strings.Contains(errOut, tc.says) {
			t.Errorf("call %s: exit %d, stderr %q", tc.target, code, errOut)
		}
		refused(tc.target, tc.says)
	}

	d, c := desktopClient(t, desk)
	var page device.Peer
	for _, p := range d.Registry.List() {
		if p.Name == "Pixel in the hall" {
			page = p
		}
	}
	box := protocol.NewBox(d.Identity)
	send := func(req protocol.DialRequest, tamper bool) error {
		env, err := box.Seal(protocol.KindDial, req, page.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		if tamper {
			env[len(env)-1] ^= 1
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h, err := c.SendRaw(ctx, page, req.ID, env, 3*time.Second)
		if h != nil {
			h.Close()
		}
		return err
	}
	wantRefused := func(err error, code protocol.Code) {
		t.Helper()
		var re *remote.RefusedError
		if !errors.As(err, &re) || re.Reply.Code != code {
			t.Errorf("want a %s refusal, got %v", code, err)
		}
	}
	now := time.Now()
	expired := protocol.NewDial(d.Identity.ID, page.ID, "+4930901821", call.ModeCall, now.Add(-2*time.Minute), 0)
	wantRefused(send(expired, false), protocol.CodeExpired)
	refused("expired", "expired")

	ok := protocol.NewDial(d.Identity.ID, page.ID, "+4930901822", call.ModeCall, time.Now(), 0)
	if err := send(ok, false); err != nil {
		t.Fatalf("a fresh request: %v", err)
	}
	b.do("cmd", "wait", "sel", "#call-button", "text", "+49 30 901822")
	replay := ok
	replay.Target = "+4930901823"
	wantRefused(send(replay, false), protocol.CodeReplayed)
	refused("replayed", "already handled")

	forged := protocol.NewDial(d.Identity.ID, page.ID, "+4930901824", call.ModeCall, time.Now(), 0)
	wantRefused(send(forged, true), protocol.CodeForged)
	// A box that does not open names no request the page could show; the
	// desktop hears "forged" and the last request stays as it was.
	if btn := b.read("#call-button"); strings.Contains(btn.Href, "901824") {
		t.Fatalf("a forged request shows a button: %q", btn.Href)
	}
	lie := protocol.NewDial(d.Identity.ID, page.ID, "+4930901825", call.ModeCall, time.Now(), 0)
	lie.From = page.ID.String()
	wantRefused(send(lie, false), protocol.CodeForged)
	refused("from another device", "names a sender other than")
	c.Close()

	// The desktop restarts: the page reconnects by itself.
	_ = srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.done
	b.do("cmd", "wait", "sel", "#state.offline")
	srv = dpStart(t, desk, "serve")
	srv.waitFor("is serving on")
	b.do("cmd", "wait", "sel", "#state", "text", "Connected", "timeout", 30000)
	testsupport.WaitForWithin(t, 30*time.Second, "the page to be online again", func() bool {
		return strings.Contains(dpMustRun(t, desk, "phones"), "online")
	})
	dpMustRun(t, desk, "call", "+49 30 901826")
	b.do("cmd", "wait", "sel", "#call-button", "text", "+49 30 901826")
	if btn := b.read("#call-button"); btn.Href != "tel:+4930901826" {
		t.Fatalf("after the restart the button links to %q", btn.Href)
	}
	if recent := b.read("#recent").Text; !strings.Contains(recent, "refused") || !strings.Contains(recent, "+4930901820") {
		t.Errorf("last requests: %q", recent)
	}

	// Unpaired on the computer: the page is turned away and says what to do.
	_ = srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.done
	if out := dpMustRun(t, desk, "unpair", "Pixel in the hall"); !strings.Contains(out, "Unpaired") {
		t.Fatalf("unpair: %q", out)
	}
	srv = dpStart(t, desk, "serve")
	srv.waitFor("is serving on")
	b.do("cmd", "wait", "sel", "#state", "text", "does not know this phone any more", "timeout", 30000)
}
