package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// TestWebAgentCallsOnAnotherPhone: the page's dial box asks the computer to
// have the user's other phone (a Go phone agent with the log backend) call;
// its log receives the number and the page shows the answer. A request
// sealed by a device that is not paired, one that names another phone than
// its sealer, and a pairing login's are refused, and nothing is dialled for
// them; numbers no phone dials on request are not even sent.
func TestWebAgentCallsOnAnotherPhone(t *testing.T) {
	b := startBrowser(t)
	desk, phone := dpHome(t, freeAddrAndNext(t)), dpHome(t, "")
	logFile := filepath.Join(phone, "dialled.log")
	srv := dpStart(t, desk, "serve")
	srv.waitFor("is serving on")
	dpPairPhone(t, desk, phone, logFile)
	srv.waitFor("Paired with Pixel")

	link := strings.TrimSpace(dpMustRun(t, desk, "pair", "--print", "--link"))
	b.do("cmd", "open", "url", link)
	b.do("cmd", "fill", "sel", "#pair-name", "text", "Tablet")
	b.do("cmd", "click", "sel", "#pair-button")
	b.do("cmd", "wait", "sel", "#state", "text", "Connected")
	srv.waitFor("Paired with Tablet")

	// The dial box lists the computer's other phone, not the page itself.
	b.do("cmd", "wait", "sel", "#dial-phone", "text", "Pixel")
	if opts := b.read("#dial-phone").Text; strings.Contains(opts, "Tablet") {
		t.Fatalf("the dial box offers %q", opts)
	}

	// Refused on the page: never sent.
	b.do("cmd", "fill", "sel", "#dial-number", "text", "+49 900 1234567")
	b.do("cmd", "click", "sel", "#dial-send")
	b.do("cmd", "wait", "sel", "#dial-state", "text", "premium-rate")

	// Requests the computer refuses, sent on the Go phone's own login.
	d, pid, conn := phoneConn(t, desk, phone)
	answers := make(chan []byte, 8)
	if _, err := conn.Subscribe(context.Background(), protocol.SubjectRelayed("deskdial", pid.ID), func(m bus.Msg) { answers <- m.Data }); err != nil {
		t.Fatal(err)
	}
	var tablet device.Peer
	for _, p := range d.Registry.List() {
		if p.Name == "Tablet" {
			tablet = p
		}
	}
	stranger, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	relay := func(sealer *device.Identity, from, phone, target string) {
		t.Helper()
		now := time.Now()
		q := protocol.RelayRequest{V: 1, ID: protocol.NewMsgID(), IssuedAt: now.UnixMilli(), ExpiresAt: now.Add(30 * time.Second).UnixMilli(),
			From: from, To: d.Identity.ID.String(), Op: protocol.OpDial, Phone: phone, Target: target, Mode: call.ModeCall}
		env, err := protocol.NewBox(sealer).Seal(protocol.KindRelay, q, d.Identity.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.Publish(protocol.SubjectRelay("deskdial", d.Identity.ID), env); err != nil {
			t.Fatal(err)
		}
	}
	// Sealed by a device the computer does not know: no answer at all.
	relay(stranger, stranger.ID.String(), pid.ID.String(), "+4930901829")
	// Sealed by Pixel but naming the page as the sender (asking Pixel
	// itself to call, as if the page had): forged.
	relay(pid, tablet.ID.String(), pid.ID.String(), "+4930901828")
	select {
	case env := <-answers:
		_, _, plain, err := protocol.NewBox(pid).Open(env)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := protocol.DecodeReply(plain)
		if err != nil || rep.Accepted || rep.Code != protocol.CodeForged {
			t.Fatalf("a request naming another sender: %+v %v", rep, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no answer to the forged request")
	}
	// The pairing login (the desktop ID is its password) cannot send one.
	var ri remote.RunInfo
	raw, err := os.ReadFile(filepath.Join(desk, remote.RunFile))
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(raw, &ri)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pair, err := bus.Connect(ctx, bus.URLs(ri.URL), bus.PinCert(ri.CertFP), bus.UserPass(bus.PairUser, d.Identity.ID.String()), bus.Inbox(bus.PairInboxPrefix))
	if err != nil {
		t.Fatal(err)
	}
	defer pair.Close()
	if _, err := pair.Request(ctx, protocol.SubjectRelay("deskdial", d.Identity.ID), []byte("x"), 2*time.Second); !errors.Is(err, bus.ErrRefused) {
		t.Fatalf("the pairing login's relay request: %v, want it refused", err)
	}

	// The page asks; Pixel calls.
	b.do("cmd", "fill", "sel", "#dial-number", "text", "+49 30 901820")
	b.do("cmd", "click", "sel", "#dial-send")
	b.do("cmd", "wait", "sel", "#dial-state", "text", "Pixel")
	testsupport.WaitForWithin(t, 20*time.Second, "Pixel to dial", func() bool { return len(dpLines(t, logFile)) > 0 })
	b.do("cmd", "wait", "sel", "#dial-state", "text", "call ended")
	srv.waitFor("Tablet asked Pixel to call +4930901820")
	pageShot(t, b, "web-agent-dialbox.png")
	if got := dpLines(t, logFile); len(got) != 1 || got[0] != "+4930901820" {
		t.Fatalf("Pixel dialled %v, want only the page's +4930901820", got)
	}
	// The computer's history keeps the call with the phone that asked,
	// and how it went as Pixel reported it (the log backend ends at once).
	hist, err := history.Open(filepath.Join(d.Paths.Data, history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer hist.Close()
	calls, err := hist.Calls(context.Background(), 10)
	if err != nil || len(calls) != 1 {
		t.Fatalf("history: %+v, %v; want the one relayed call", calls, err)
	}
	if c := calls[0]; c.Number != "+4930901820" || c.PhoneName != "Pixel" || c.AskedByName != "Tablet" || c.AskedByID != tablet.ID.String() || c.Outcome != call.OutcomeEnded {
		t.Fatalf("history entry %+v", c)
	}
}

// phoneConn logs in to the running desktop's embedded server as the Go
// phone agent of phoneHome, as that agent does.
func phoneConn(t *testing.T, deskHome, phoneHome string) (*remote.Desktop, *device.Identity, *bus.Conn) {
	t.Helper()
	d, c := desktopClient(t, deskHome)
	c.Close()
	pp, err := config.ResolvePaths(phoneHome)
	if err != nil {
		t.Fatal(err)
	}
	id, err := device.LoadOrCreate(pp.Config)
	if err != nil {
		t.Fatal(err)
	}
	var ri remote.RunInfo
	raw, err := os.ReadFile(filepath.Join(deskHome, remote.RunFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &ri); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := bus.Connect(ctx, bus.URLs(ri.URL), bus.PinCert(ri.CertFP), bus.Nkey(id), bus.Inbox(bus.InboxPrefix(id.ID.String())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	return d, id, conn
}

// freeAddrAndNext is a free loopback address whose next port is free too:
// the desktop serves the phone page on the port after the server's, and
// with dpFreeAddr alone that one is now and then an outgoing connection's.
func freeAddrAndNext(t *testing.T) string {
	t.Helper()
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		next, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+1)))
		l.Close()
		if err == nil {
			next.Close()
			return l.Addr().String()
		}
	}
	t.Fatal("no two free ports in a row")
	return ""
}
