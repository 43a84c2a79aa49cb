package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/backends"
	"github.com/deskdial/deskdial/internal/dialer/logdial"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// world is one desktop and one phone agent, each with its own home, over a
// real server: the desktop's embedded one, or an external nats-server.
type world struct {
	t       *testing.T
	desk    *Desktop
	client  *Client
	phone   *device.Identity
	preg    *device.Registry
	phome   string
	logPath string
	agent   *agent.Agent
	stop    func() // stops the phone agent
}

type worldOpts struct {
	server string // external server URL; "" for the embedded one
	rate   int
	dialer dialer.Dialer  // the phone's backend; nil: log: into w.logPath
	setup  func(*Desktop) // changes the desktop before its service starts
	serve  bool           // run the service as `deskdial serve` does (with its run file), and a client of it
	svc    []ServiceOption
	// desk: run the desktop as `deskdial serve` does, through
	// Desktop.Serve with this report, and a client of it.
	desk *ServeReport
}

func newDesktop(t testing.TB, server string) *Desktop {
	t.Helper()
	home := t.TempDir()
	st := config.Default()
	st.Listen = "127.0.0.1:0"
	st.Region = "DE"
	d, err := OpenDesktop(config.Paths{Config: home, Data: home}, st, server, "")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newWorld(t *testing.T, o worldOpts) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w := &world{t: t, desk: newDesktop(t, o.server), phome: t.TempDir()}
	w.desk.Name = "Laptop"
	if o.setup != nil {
		o.setup(w.desk)
	}
	c, err := openWorldClient(t, ctx, w.desk, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	w.client = c
	if w.phone, err = device.LoadOrCreate(w.phome); err != nil {
		t.Fatal(err)
	}
	if w.preg, err = device.OpenRegistry(w.phome); err != nil {
		t.Fatal(err)
	}
	w.logPath = filepath.Join(w.phome, "dialled.log")
	var d dialer.Dialer = logdial.New(w.logPath)
	if o.dialer != nil {
		d = o.dialer
	}
	w.pairWith(ctx, c)
	w.agent, err = agent.New(agent.Config{Identity: w.phone, Registry: w.preg, RegistryDir: w.phome, Dialer: d,
		Name: "Pixel", Region: "DE", RatePerMinute: o.rate, AuditPath: filepath.Join(w.phome, agent.AuditFile)})
	if err != nil {
		t.Fatal(err)
	}
	r := &agent.Runner{Agent: w.agent, Identity: w.phone, Registry: w.preg, Poll: 50 * time.Millisecond}
	rctx, rcancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(rctx) }()
	w.stop = func() { rcancel(); <-done }
	t.Cleanup(func() { w.stop(); w.agent.Close() })
	w.waitOnline(c, true)
	return w
}

// openWorldClient opens the desktop's client: one that starts the
// service itself, or, with serve, one of a service running on its own
// (other clients of the desktop, `deskdial call` in this process, reach it
// through its run file).
func openWorldClient(t *testing.T, ctx context.Context, d *Desktop, o worldOpts) (*Client, error) {
	if o.desk != nil {
		sctx, cancel := context.WithCancel(ctx)
		rep := *o.desk
		serving := make(chan struct{})
		rep.Serving = func([]string, string) { close(serving) }
		done := make(chan error, 1)
		go func() { done <- d.Serve(sctx, rep) }()
		t.Cleanup(func() { cancel(); <-done })
		select {
		case <-serving:
		case err := <-done:
			return nil, fmt.Errorf("serve ended: %v", err)
		}
		return Open(ctx, d)
	}
	if !o.serve {
		return Open(ctx, d, StartService(o.svc...))
	}
	sctx, cancel := context.WithCancel(ctx)
	svc := NewService(d, o.svc...)
	done := make(chan error, 1)
	go func() { done <- svc.Run(sctx) }()
	t.Cleanup(func() { cancel(); <-done })
	if err := svc.Ready(ctx); err != nil {
		return nil, err
	}
	return Open(ctx, d)
}

func (w *world) pairWith(ctx context.Context, c *Client) {
	w.t.Helper()
	o, err := c.Offer(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	caps := agent.Caps{Backend: "log"}
	caps.PlacesCalls = true
	if _, err := agent.Pair(ctx, o, w.phone, w.preg, "Pixel", caps, agent.PairOptions{}); err != nil {
		w.t.Fatal(err)
	}
	// The offer is one-time: a second phone (or a replay) is refused.
	other, _ := device.LoadOrCreate(w.t.TempDir())
	oreg, _ := device.OpenRegistry(w.t.TempDir())
	if _, err := agent.Pair(ctx, o, other, oreg, "Thief", caps, agent.PairOptions{}); !errors.Is(err, agent.ErrPairRefused) {
		w.t.Fatalf("reused offer: %v, want ErrPairRefused", err)
	}
}

func (w *world) waitOnline(c *Client, want bool) {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		list, err := c.Phones(context.Background())
		if err != nil {
			w.t.Fatal(err)
		}
		for _, p := range list {
			if p.Peer.ID == w.phone.ID && p.Online == want {
				return
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("phone online=%v never seen: %+v", want, list)
		}
	}
}

func (w *world) dialled() []string {
	b, err := os.ReadFile(w.logPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return strings.Fields(string(b))
}

func (w *world) peer() device.Peer {
	p, ok := w.desk.Registry.Get(w.phone.ID)
	if !ok {
		w.t.Fatal("phone not in the desktop's registry")
	}
	return p
}

func wantRefused(t *testing.T, err error, code protocol.Code, reasonPart string) {
	t.Helper()
	var re *RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want a refusal %s", err, code)
	}
	if re.Reply.Code != code || !strings.Contains(re.Error(), reasonPart) {
		t.Fatalf("refusal %q (%s), want code %s with %q", re.Error(), re.Reply.Code, code, reasonPart)
	}
}

func TestCallAndStates(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx := context.Background()
	h, err := w.client.Call(ctx, w.phone.ID, "030 1234567", call.ModeCall)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if !h.Reply.Accepted || h.Reply.Number != "+49301234567" {
		t.Fatalf("reply %+v", h.Reply)
	}
	var states []string
	for st := range h.Updates {
		states = append(states, string(st.State))
	}
	if strings.Join(states, ",") != "ended" {
		t.Fatalf("states %v, want the log backend's single ended", states)
	}
	if got := w.dialled(); len(got) != 1 || got[0] != "+49301234567" {
		t.Fatalf("dialled %v", got)
	}
	// The log backend's call is over as soon as it is logged: a hang-up
	// finds nothing to end, and says so.
	wantRefused(t, w.client.Hangup(ctx, w.phone.ID, h.ID), protocol.CodeUnknownCall, "no call with this id")
	list, err := w.client.Phones(ctx)
	if err != nil || len(list) != 1 || !list[0].Online || list[0].Presence.Name != "Pixel" || !list[0].Presence.PlacesCalls {
		t.Fatalf("phones %+v %v", list, err)
	}
}

func TestRefusals(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx := context.Background()
	peer := w.peer()
	me := w.desk.Identity.ID
	box := protocol.NewBox(w.desk.Identity)

	t.Run("mmi", func(t *testing.T) {
		_, err := w.client.Call(ctx, w.phone.ID, "*#06#", call.ModeCall)
		wantRefused(t, err, protocol.CodeMMI, "USSD/MMI")
	})
	t.Run("premium in call mode", func(t *testing.T) {
		_, err := w.client.Call(ctx, w.phone.ID, "+49 900 1234567", call.ModeCall)
		wantRefused(t, err, protocol.CodePremium, "premium-rate number, not dialled automatically")
	})
	t.Run("emergency in call mode", func(t *testing.T) {
		// Refused on the desktop, before anything is sent ...
		_, err := w.client.Call(ctx, w.phone.ID, "110", call.ModeCall)
		if !errors.Is(err, number.ErrShortCode) || !strings.Contains(err.Error(), "110 is an emergency number: call it from the phone") {
			t.Fatalf("call 110: %v, want refused on the desktop", err)
		}
		// ... and by the phone, from a desktop that sends it anyway.
		req := protocol.NewDial(me, w.phone.ID, "110", call.ModeCall, time.Now(), 3*time.Second)
		_, err = w.client.SendDial(ctx, peer, req, 3*time.Second)
		wantRefused(t, err, protocol.CodeEmergency, "emergency number")
	})
	t.Run("contact name", func(t *testing.T) {
		_, err := w.client.Call(ctx, w.phone.ID, "Alice Example", call.ModeCall)
		wantRefused(t, err, protocol.CodeContactName, "cannot look names up")
	})
	t.Run("tampered box", func(t *testing.T) {
		req := protocol.NewDial(me, w.phone.ID, "+49301234567", call.ModeCall, time.Now(), 3*time.Second)
		b, err := box.Seal(protocol.KindDial, req, peer.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)-3] ^= 0x40
		_, err = w.client.SendRaw(ctx, peer, req.ID, b, 3*time.Second)
		wantRefused(t, err, protocol.CodeForged, "tampered")
	})
	t.Run("wrong recipient", func(t *testing.T) {
		other, _ := device.LoadOrCreate(t.TempDir())
		req := protocol.NewDial(me, other.ID, "+49301234567", call.ModeCall, time.Now(), 3*time.Second)
		_, err := w.client.SendDial(ctx, peer, req, 3*time.Second)
		wantRefused(t, err, protocol.CodeWrongRecipient, "another phone")
	})
	t.Run("expired", func(t *testing.T) {
		req := protocol.NewDial(me, w.phone.ID, "+49301234567", call.ModeCall, time.Now().Add(-10*time.Second), 5*time.Second)
		_, err := w.client.SendDial(ctx, peer, req, 3*time.Second)
		wantRefused(t, err, protocol.CodeExpired, "expired")
	})
	t.Run("replayed", func(t *testing.T) {
		req := protocol.NewDial(me, w.phone.ID, "+49301234567", call.ModeCall, time.Now(), 10*time.Second)
		b, err := box.Seal(protocol.KindDial, req, peer.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		h, err := w.client.SendRaw(ctx, peer, req.ID, b, 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		h.Close()
		// The same bytes again (a retry, or a relay replaying them): the
		// earlier answer, and no second dial.
		h, err = w.client.SendRaw(ctx, peer, req.ID, b, 3*time.Second)
		if err != nil || !h.Reply.Accepted {
			t.Fatalf("resend: %v", err)
		}
		h.Close()
		// The id reused for another number: refused.
		req.Target = "+49301111111"
		_, err = w.client.SendDial(ctx, peer, req, 3*time.Second)
		wantRefused(t, err, protocol.CodeReplayed, "already handled")
		if got := w.dialled(); len(got) != 1 {
			t.Fatalf("dialled %v, want exactly one dial", got)
		}
	})
	if got := w.dialled(); len(got) != 1 {
		t.Fatalf("refused requests dialled: %v", got)
	}
	// Prefill mode lets a premium number through to the phone's dialer,
	// where the user decides.
	h, err := w.client.Call(ctx, w.phone.ID, "+49 900 1234567", call.ModePrefill)
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	// Every decision is in the phone's private audit log.
	fi, err := os.Stat(filepath.Join(w.phome, agent.AuditFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit log: %v %v", fi, err)
	}
	b, _ := os.ReadFile(filepath.Join(w.phome, agent.AuditFile))
	for _, code := range []string{"mmi", "premium", "emergency", "forged", "wrong_recipient", "expired", "replayed", "duplicate"} {
		if !strings.Contains(string(b), code) {
			t.Errorf("audit log lacks %s:\n%s", code, b)
		}
	}
}

func TestRateLimit(t *testing.T) {
	w := newWorld(t, worldOpts{rate: 2})
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		h, err := w.client.Call(ctx, w.phone.ID, "+4930123456"+strconv.Itoa(i), call.ModeCall)
		if err != nil {
			t.Fatal(err)
		}
		h.Close()
	}
	_, err := w.client.Call(ctx, w.phone.ID, "+49301234569", call.ModeCall)
	wantRefused(t, err, protocol.CodeRateLimited, "more than 2 requests a minute")
	if got := w.dialled(); len(got) != 2 {
		t.Fatalf("dialled %v", got)
	}
}

func TestOfflineAndUnpair(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx := context.Background()
	// A phone whose agent stopped is reported offline at once, not after
	// the timeout.
	w.stop()
	w.waitOnline(w.client, false)
	start := time.Now()
	_, err := w.client.Call(ctx, w.phone.ID, "+49301234567", call.ModeCall, Timeout(20*time.Second))
	if !errors.Is(err, ErrOffline) || err.Error() != "Pixel is offline" {
		t.Fatalf("call to a stopped phone: %v, want offline", err)
	}
	// Learning it from a timeout would take at least the first attempt's
	// half of the 20 s.
	if took := time.Since(start); took >= 10*time.Second {
		t.Fatalf("offline took %s: learned from a timeout, not from no-responders", took)
	}
	// Unpairing on the desktop revokes the phone's server login at once.
	urls, fp := w.client.Service().Servers()
	login := func() error {
		c, err := bus.Connect(ctx, bus.URLs(urls...), bus.PinCert(fp), bus.Nkey(w.phone), bus.ConnectTimeout(2*time.Second))
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := login(); err != nil {
		t.Fatalf("paired phone cannot log in: %v", err)
	}
	if err := w.client.Unpair(ctx, w.phone.ID); err != nil {
		t.Fatal(err)
	}
	if err := login(); err == nil {
		t.Fatal("unpaired phone can still log in")
	}
	if _, err := w.client.Call(ctx, w.phone.ID, "+49301234567", call.ModeCall); !errors.Is(err, ErrNotPhone) {
		t.Fatalf("call to unpaired phone: %v", err)
	}
	if got := w.dialled(); len(got) != 0 {
		t.Fatalf("dialled %v", got)
	}
}

// externalNATS starts Debian's nats-server on a free loopback port, as a
// stand-in for a hosted server.
func externalNATS(t testing.TB) string {
	t.Helper()
	url, _ := externalNATSProc(t)
	return url
}

// externalNATSProc is externalNATS, also returning the server's process id
// (benchmarks read its CPU time).
func externalNATSProc(t testing.TB) (string, int) {
	t.Helper()
	bin := testsupport.NeedTool(t, "nats-server")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "-a", host, "-p", port)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	testsupport.WaitForListen(t, addr, "nats-server")
	return "nats://" + addr, cmd.Process.Pid
}

func TestHostedServerAndUnpairedDesktop(t *testing.T) {
	url := externalNATS(t)
	w := newWorld(t, worldOpts{server: url})
	ctx := context.Background()
	h, err := w.client.Call(ctx, w.phone.ID, "+49 30 7654321", call.ModeCall)
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	if got := w.dialled(); len(got) != 1 || got[0] != "+49307654321" {
		t.Fatalf("dialled %v", got)
	}
	// A second desktop on the same server pairs too; then the phone
	// unpairs the first. The first still lists the phone, and its calls
	// are refused with the reason.
	d2 := newDesktop(t, url)
	c2, err := Open(ctx, d2, StartService())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	o, err := c2.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Pair(ctx, o, w.phone, w.preg, "Pixel", agent.Caps{Backend: "log"}, agent.PairOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := w.preg.Remove(w.desk.Identity.ID); err != nil {
		t.Fatal(err)
	}
	_, err = w.client.Call(ctx, w.phone.ID, "+49 30 7654321", call.ModeCall)
	wantRefused(t, err, protocol.CodeUnknownSender, "not paired with the sending desktop")
	h, err = c2.Call(ctx, w.phone.ID, "+49 30 7654322", call.ModeCall)
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	if got := w.dialled(); len(got) != 2 || got[1] != "+49307654322" {
		t.Fatalf("dialled %v", got)
	}
}

func TestUnpairFromThePhone(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx := context.Background()
	desk := w.preg.List()[0]
	if err := agent.NotifyUnpaired(ctx, w.phone, desk, "", "", ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_ = w.desk.Registry.Reload()
		if _, ok := w.desk.Registry.Get(w.phone.ID); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the desktop still lists the phone that unpaired itself")
		}
		time.Sleep(20 * time.Millisecond)
	}
	urls, fp := w.client.Service().Servers()
	if c, err := bus.Connect(ctx, bus.URLs(urls...), bus.PinCert(fp), bus.Nkey(w.phone), bus.ConnectTimeout(2*time.Second)); err == nil {
		c.Close()
		t.Fatal("the unpaired phone can still log in")
	}
}

// A phone whose backend can only open the dialer (the url backend) turns a
// call into a prefill and says so; a premium-rate number may then be sent,
// since the user confirms it on the phone.
func TestPrefillOnlyBackend(t *testing.T) {
	opened := filepath.Join(t.TempDir(), "opened")
	d, err := backends.Open("url", backends.Options{OpenCommand: []string{
		"sh", "-c", `printf '%s\n' "$1" >> "$0"`, opened}})
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, worldOpts{dialer: d})
	ctx := context.Background()
	for _, target := range []string{"+49 30 1234567", "+49 900 1234567"} {
		h, err := w.client.Call(ctx, w.phone.ID, target, call.ModeCall)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if h.Reply.Mode != call.ModePrefill {
			t.Errorf("%s: reply mode %q, want prefill", target, h.Reply.Mode)
		}
		h.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(opened)
		if got := strings.Fields(string(b)); len(got) == 2 {
			if got[0] != "tel:+49301234567" || got[1] != "tel:+499001234567" {
				t.Fatalf("opened %q", got)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dialer was opened with %q, want both numbers", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A call's states come only from the phone it went to: another paired
// phone that learnt the call's id cannot report on it.
func TestStatusOnlyFromTheCalledPhone(t *testing.T) {
	w := newWorld(t, worldOpts{})
	other, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.desk.Registry.Add(device.Peer{ID: other.ID, Name: "Other", Role: device.RolePhone,
		SignPub: other.SignPub, CurvePub: other.CurvePub, AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// A call in flight to w.phone, as SendRaw registers it.
	id := protocol.NewMsgID()
	ch := make(chan protocol.Status, 4)
	w.client.mu.Lock()
	w.client.calls[id] = callSub{ch: ch, phone: w.phone.ID}
	w.client.mu.Unlock()
	seal := func(from *device.Identity, state call.State) []byte {
		b, err := protocol.NewBox(from).Seal(protocol.KindStatus, protocol.Status{V: protocol.Version, ID: id,
			Seq: 1, State: state, At: time.Now().UnixMilli(), From: from.ID.String()}, w.desk.Identity.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Both ways states reach a call: the client's own subscription, and
	// the in-process service the client follows calls through.
	for name, deliver := range map[string]func(bus.Msg){"client": w.client.onStatus, "service": w.client.svc.handleStatus} {
		deliver(bus.Msg{Data: seal(other, call.Failed)})
		deliver(bus.Msg{Data: seal(w.phone, call.Active)})
		if st := <-ch; st.State != call.Active {
			t.Fatalf("%s: the call got %q first: a status from another phone reached it", name, st.State)
		}
		if len(ch) != 0 {
			t.Fatalf("%s: %d more statuses reached the call", name, len(ch))
		}
	}
}

// A client in the service's process follows its calls through the
// service, which opens every status anyway; a client without one (here: a
// second client of the same desktop on a hosted server) subscribes itself.
// Both see their calls' states.
func TestStatesWithAndWithoutServiceInProcess(t *testing.T) {
	w := newWorld(t, worldOpts{server: externalNATS(t)})
	ctx := context.Background()
	if w.client.sub != nil || w.client.untap == nil {
		t.Fatal("the client that started the service subscribed to states itself")
	}
	d2, err := OpenDesktop(w.desk.Paths, w.desk.Settings, w.desk.Server, "")
	if err != nil {
		t.Fatal(err)
	}
	c2, err := Open(ctx, d2)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if c2.sub == nil || c2.untap != nil {
		t.Fatal("a client without a service in its process does not subscribe to states")
	}
	for name, c := range map[string]*Client{"through the service": w.client, "own subscription": c2} {
		h, err := c.Call(ctx, w.phone.ID, "+49 30 1234567", call.ModeCall)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var states []string
		for st := range h.Updates {
			states = append(states, string(st.State))
		}
		h.Close()
		if strings.Join(states, ",") != "ended" {
			t.Fatalf("%s: states %v, want the log backend's single ended", name, states)
		}
	}
}

// A relay that kept the "unpaired" notice a phone sent replays it after the
// phone paired with the desktop again: the desktop must keep the phone. A
// notice of the current pairing still unpairs it.
func TestReplayedUnpairNoticeAfterRepairingKeepsThePhone(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx := context.Background()
	desk := w.preg.List()[0]
	captured, err := agent.UnpairedNotice(w.phone, desk)
	if err != nil {
		t.Fatal(err)
	}
	svc := w.client.Service()
	svc.handleStatus(bus.Msg{Data: captured}) // the phone unpairs: delivered once
	_ = w.desk.Registry.Reload()
	if _, ok := w.desk.Registry.Get(w.phone.ID); ok {
		t.Fatal("the desktop kept the phone after its notice")
	}
	if err := w.preg.Remove(desk.ID); err != nil {
		t.Fatal(err)
	}

	w.pairWith(ctx, w.client) // paired again, a new pairing
	svc.handleStatus(bus.Msg{Data: captured})
	_ = w.desk.Registry.Reload()
	if _, ok := w.desk.Registry.Get(w.phone.ID); !ok {
		t.Fatal("a replayed notice of the old pairing made the desktop forget the phone")
	}
	w.waitOnline(w.client, true)

	desk = w.preg.List()[0]
	current, err := agent.UnpairedNotice(w.phone, desk)
	if err != nil {
		t.Fatal(err)
	}
	svc.handleStatus(bus.Msg{Data: current})
	_ = w.desk.Registry.Reload()
	if _, ok := w.desk.Registry.Get(w.phone.ID); ok {
		t.Fatal("the notice of the current pairing did not unpair the phone")
	}
}

// `deskdial unpair` in another process while the tray or `serve` runs:
// the running instance reloads who may log in, answers, and the command
// reports success.
func TestUnpairWhileServing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	desk := newDesktop(t, "")
	svc := NewService(desk)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if err := svc.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	open := func() *Client {
		d, err := OpenDesktop(desk.Paths, desk.Settings, "", "")
		if err != nil {
			t.Fatal(err)
		}
		c, err := Open(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	w := &world{t: t, phome: t.TempDir()}
	var err error
	if w.phone, err = device.LoadOrCreate(w.phome); err != nil {
		t.Fatal(err)
	}
	if w.preg, err = device.OpenRegistry(w.phome); err != nil {
		t.Fatal(err)
	}
	w.pairWith(ctx, open())
	if err := open().Unpair(ctx, w.phone.ID); err != nil {
		t.Fatalf("unpair while serving: %v", err)
	}
	if _, ok := desk.Registry.Get(w.phone.ID); ok {
		t.Error("the running instance still lists the phone")
	}
}

// `serve` twice on one home: the second notices the first at once.
func TestServeTwiceOnOneHome(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	desk := newDesktop(t, "")
	first := NewService(desk)
	done := make(chan error, 1)
	go func() { done <- first.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if err := first.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	d2, err := OpenDesktop(desk.Paths, desk.Settings, "", "")
	if err != nil {
		t.Fatal(err)
	}
	err = NewService(d2).Run(ctx)
	if !errors.Is(err, ErrRunning) || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Fatalf("second serve: %v, want ErrRunning naming the running process", err)
	}
}

// Two desktops with their own homes: the second finds the default port
// taken. With no phone paired it takes a free port, keeps it in the
// settings and offers it; with phones paired it fails at once naming the
// listen setting.
func TestDefaultPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	old := defaultListen
	defaultListen = l.Addr().String()
	defer func() { defaultListen = old }()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	desk := newDesktop(t, "")
	desk.Settings.Listen = defaultListen
	svc := NewService(desk)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	if err := svc.Ready(ctx); err != nil {
		t.Fatalf("start with the default port taken: %v", err)
	}
	urls, _ := svc.Servers()
	o, err := svc.NewOffer()
	if err != nil {
		t.Fatal(err)
	}
	st, err := config.Open(desk.Paths.Config)
	if err != nil {
		t.Fatal(err)
	}
	kept := st.Get().Listen
	if kept == defaultListen || !strings.HasSuffix(urls[0], ":"+strings.Split(kept, ":")[1]) ||
		!strings.HasSuffix(o.Servers[0], ":"+strings.Split(kept, ":")[1]) {
		t.Fatalf("listen setting %q, servers %q, offer %q: want a new port, kept and offered", kept, urls, o.Servers)
	}
	cancel()
	<-done

	// A paired phone relies on the address: fail at once, naming it.
	w := &world{t: t, phome: t.TempDir()}
	if w.phone, err = device.LoadOrCreate(w.phome); err != nil {
		t.Fatal(err)
	}
	desk2 := newDesktop(t, "")
	desk2.Settings.Listen = defaultListen
	if err := desk2.Registry.Add(device.Peer{ID: w.phone.ID, Name: "Pixel", Role: device.RolePhone, SignPub: w.phone.SignPub, CurvePub: w.phone.CurvePub}); err != nil {
		t.Fatal(err)
	}
	err = NewService(desk2).Run(context.Background())
	if !errors.Is(err, bus.ErrAddrInUse) || !strings.Contains(err.Error(), `"listen"`) {
		t.Fatalf("taken port with a phone paired: %v", err)
	}
}

// A .creds file without a hosted server is not silently ignored.
func TestCredsWithoutServer(t *testing.T) {
	desk := newDesktop(t, "")
	desk.Creds = "alice-laptop.creds"
	if _, err := Open(context.Background(), desk, StartService()); !errors.Is(err, ErrCredsWithoutServer) || !strings.Contains(err.Error(), "--server") {
		t.Fatalf("Open with --creds and no server: %v", err)
	}
	if err := NewService(desk).Run(context.Background()); !errors.Is(err, ErrCredsWithoutServer) {
		t.Fatalf("serve with --creds and no server: %v", err)
	}
}

// A phone whose login the desktop's server no longer accepts (unpaired or
// revoked there while it was connected) is told so, with what to do,
// instead of reconnecting in silence.
func TestRevokedPhoneIsTold(t *testing.T) {
	w := newWorld(t, worldOpts{})
	w.stop()
	var mu sync.Mutex
	var said []string
	r := &agent.Runner{Agent: w.agent, Identity: w.phone, Registry: w.preg, Poll: 50 * time.Millisecond,
		OnState: func(d string, up bool) {
			mu.Lock()
			defer mu.Unlock()
			said = append(said, d)
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	w.waitOnline(w.client, true)
	// The desktop forgets the phone; the phone still has the desktop.
	if err := w.desk.Registry.Remove(w.phone.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.client.Service().Reload(); err != nil {
		t.Fatal(err)
	}
	testsupport.WaitFor(t, "the phone to be told", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range said {
			if strings.Contains(s, "refused this device's login") && strings.Contains(s, "pair this device again") {
				return true
			}
		}
		return false
	})
}

// On a hosted server too, a client in the process of the running service
// (the tray) follows its calls' states through the service; a client of
// the same desktop on another server does not, and subscribes itself.
func TestHostedServiceInProcessCarriesStates(t *testing.T) {
	url := externalNATS(t)
	w := newWorld(t, worldOpts{server: url})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sctx, stop := context.WithCancel(ctx)
	svc := NewService(w.desk) // announces itself in the run file, as the tray's does
	done := make(chan error, 1)
	go func() { done <- svc.Run(sctx) }()
	stopped := false
	defer func() {
		if !stopped {
			stop()
			<-done
		}
	}()
	if err := svc.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := OpenDesktop(w.desk.Paths, w.desk.Settings, url, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.sub != nil || c.untap == nil {
		t.Fatal("the client in the hosted service's process subscribed to states itself")
	}
	callStates := func(when string) {
		t.Helper()
		h, err := c.Call(ctx, w.phone.ID, "+49 30 1234567", call.ModeCall)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		var states []string
		for st := range h.Updates {
			states = append(states, string(st.State))
		}
		h.Close()
		if strings.Join(states, ",") != "ended" {
			t.Fatalf("%s: states %v, want the log backend's single ended", when, states)
		}
	}
	callStates("through the service")
	// The service stops while the client stays connected to the hosted
	// server: the client follows its calls' states itself from then on.
	stop()
	<-done
	stopped = true
	c.mu.Lock()
	subscribed := c.sub != nil
	c.mu.Unlock()
	if !subscribed {
		t.Fatal("the client did not subscribe to states when the service it followed them through stopped")
	}
	callStates("after the service stopped")
	other, err := OpenDesktop(w.desk.Paths, w.desk.Settings, externalNATS(t), "")
	if err != nil {
		t.Fatal(err)
	}
	c2, err := Open(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if c2.sub == nil || c2.untap != nil {
		t.Fatal("a client on another server than the service's follows states through it")
	}
}
