package remote

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/protocol"
)

// presenceEvents collects a service's PresenceEvents.
type presenceEvents chan PresenceEvent

func (ev presenceEvents) option() ServiceOption {
	return OnPresence(func(e PresenceEvent) {
		select {
		case ev <- e:
		default:
		}
	})
}

// next waits for the next event (the test's deadline bounds the wait).
func (ev presenceEvents) next(t *testing.T) PresenceEvent {
	t.Helper()
	select {
	case e := <-ev:
		return e
	case <-time.After(30 * time.Second):
		t.Fatal("no announcement reached the desktop")
	}
	return PresenceEvent{}
}

// waitFor waits for an event of phone with online, skipping others (an
// online event of the start the test does not look at).
func (ev presenceEvents) waitFor(t *testing.T, phone device.ID, online bool) PresenceEvent {
	t.Helper()
	for {
		if e := ev.next(t); e.Phone.ID == phone && e.Online == online {
			return e
		}
	}
}

// runPhone runs the world's phone agent again (newWorld's was stopped);
// the returned func stops it cleanly.
func (w *world) runPhone() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &agent.Runner{Agent: w.agent, Identity: w.phone, Registry: w.preg, Poll: 50 * time.Millisecond}
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	w.t.Cleanup(stop)
	return stop
}

// onlineNow lists the phones once (no polling) and says whether the
// world's phone is online.
func (w *world) onlineNow() bool {
	w.t.Helper()
	list, err := w.client.Phones(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	for _, p := range list {
		if p.Peer.ID == w.phone.ID {
			return p.Online
		}
	}
	w.t.Fatalf("phone not listed: %+v", list)
	return false
}

// The desktop learns that its phone came online, and that it left, from
// the phone itself: the phone's start and clean stop each reach it as an
// event, after which one listing (no polling) shows the phone as it is.
// The desktop asks nothing on its own here: without the announcement it
// would not know before its next ask.
func TestAnnouncedOnlineAndOffline(t *testing.T) {
	ev := make(presenceEvents, 64)
	w := newWorld(t, worldOpts{svc: []ServiceOption{ev.option()}})
	w.stop()
	e := ev.waitFor(t, w.phone.ID, false)
	if e.Phone.Name != "Pixel" {
		t.Errorf("event names %q, want the paired phone", e.Phone.Name)
	}
	if w.onlineNow() {
		t.Fatal("the phone said it left, but the listing still finds it")
	}
	for range 2 { // a start after a clean stop is announced as the first was
		stop := w.runPhone()
		ev.waitFor(t, w.phone.ID, true)
		if !w.onlineNow() {
			t.Fatal("the phone announced itself, but the listing does not find it")
		}
		stop()
		ev.waitFor(t, w.phone.ID, false)
		if w.onlineNow() {
			t.Fatal("the phone left cleanly, but the listing still finds it")
		}
	}
}

// cutter is a TCP proxy in front of a server whose connections the test
// cuts, as a dropped Wi-Fi does: the server stays, the phone reconnects.
type cutter struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newCutter(t *testing.T, target string) *cutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln}
	t.Cleanup(func() { ln.Close(); c.cut() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return c
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.conns {
		n.Close()
	}
	c.conns = nil
}

// A phone whose connection drops and comes back (the server never went
// away, nor did the desktop) announces itself again on every reconnect.
func TestAnnouncedAfterReconnect(t *testing.T) {
	ev := make(presenceEvents, 64)
	w := newWorld(t, worldOpts{svc: []ServiceOption{ev.option()}})
	w.stop()
	ev.waitFor(t, w.phone.ID, false)

	// The phone reaches the desktop's server through the proxy.
	desk := w.preg.List()[0]
	target := strings.TrimPrefix(strings.Split(desk.Server, ",")[0], "tls://")
	proxy := newCutter(t, target)
	desk.Server = "tls://" + proxy.ln.Addr().String()
	if err := w.preg.Add(desk); err != nil {
		t.Fatal(err)
	}
	w.runPhone()
	first := ev.waitFor(t, w.phone.ID, true)
	for i := range 2 {
		proxy.cut()
		e := ev.waitFor(t, w.phone.ID, true)
		if !e.At.After(first.At) {
			t.Fatalf("reconnect %d: announcement of %v, not after %v", i, e.At, first.At)
		}
		first = e
		if !w.onlineNow() {
			t.Fatalf("reconnect %d: announced, but the listing does not find the phone", i)
		}
	}
}

// TestForgedAnnouncementIgnored is the attack through the relay (here an
// open nats-server where anyone may publish on the desktop's status
// subject): announcements not made by the paired phone for this desktop
// just now, or copies of its real ones, reach no listener. Each is sent
// ahead of one real announcement on the same connection, which the
// server delivers in order: the first event the desktop reports must be
// that real one.
func TestForgedAnnouncementIgnored(t *testing.T) {
	url := externalNATS(t)
	ev := make(presenceEvents, 64)
	w := newWorld(t, worldOpts{server: url, svc: []ServiceOption{ev.option()}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	mallory, err := bus.Connect(ctx, bus.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	defer mallory.Close()
	subject := protocol.SubjectStatus("deskdial", w.desk.Identity.ID)
	captured := make(chan []byte, 16)
	if _, err := mallory.Subscribe(ctx, subject, func(m bus.Msg) { captured <- m.Data }); err != nil {
		t.Fatal(err)
	}
	if err := mallory.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	w.stop() // the real phone leaves cleanly: the relay keeps a copy
	ev.waitFor(t, w.phone.ID, false)
	left := <-captured

	desk := w.preg.List()[0]
	eve, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	phoneBox, eveBox := protocol.NewBox(w.phone), protocol.NewBox(eve)
	now := time.Now()
	seal := func(b *protocol.Box, a any) []byte {
		t.Helper()
		env, err := b.Seal(protocol.KindAnnounce, a, w.desk.Identity.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	online := func(at time.Time) protocol.Announce {
		return protocol.NewAnnounce(w.phone.ID, w.desk.Identity.ID, protocol.AnnounceOnline, at)
	}
	otherPhone := online(now)
	otherPhone.From = eve.ID.String()
	otherDesk := online(now)
	otherDesk.To = eve.ID.String()
	older := online(time.UnixMilli(mustAt(t, w.desk.Identity, left)).Add(-5 * time.Second))
	badState := online(now)
	badState.State = "here"
	forged := map[string][]byte{
		"replayed":             left,
		"unpaired key":         seal(eveBox, online(now)),
		"another phone's ID":   seal(phoneBox, otherPhone),
		"another desktop":      seal(phoneBox, otherDesk),
		"stale":                seal(phoneBox, online(now.Add(-2*protocol.AnnounceTTL))),
		"from the future":      seal(phoneBox, online(now.Add(2*protocol.MaxSkew))),
		"older than the last":  seal(phoneBox, older),
		"unknown state":        seal(phoneBox, badState),
		"sealed for another":   mustSealTo(t, phoneBox, online(now), eve.CurvePub),
		"a status kind of it ": mustSealKind(t, phoneBox, protocol.KindStatus, online(now), w.desk.Identity.CurvePub),
	}
	for name, b := range forged {
		if err := mallory.Publish(subject, b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// The real one, made with the phone's own agent, sent last.
	if err := w.agent.Announce(mallory, desk, true); err != nil {
		t.Fatal(err)
	}
	if err := mallory.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if e := ev.next(t); !e.Online || e.Phone.ID != w.phone.ID || e.At.Before(now.Add(-time.Second)) {
		t.Fatalf("first event after the forgeries: %+v, want the real announcement", e)
	}
	// Its copy, once more, changes nothing either: the next real one is
	// the next event.
	real := <-captured
	for len(captured) > 0 {
		real = <-captured
	}
	if err := mallory.Publish(subject, real); err != nil {
		t.Fatal(err)
	}
	if err := w.agent.Announce(mallory, desk, false); err != nil {
		t.Fatal(err)
	}
	if e := ev.next(t); e.Online {
		t.Fatalf("a replayed announcement reached the desktop: %+v", e)
	}
}

// mustAt is the issued_at of an announcement to id.
func mustAt(t *testing.T, id *device.Identity, env []byte) int64 {
	t.Helper()
	_, _, plain, err := protocol.NewBox(id).Open(env)
	if err != nil {
		t.Fatal(err)
	}
	a, err := protocol.DecodeAnnounce(plain)
	if err != nil {
		t.Fatal(err)
	}
	return a.IssuedAt
}

func mustSealTo(t *testing.T, b *protocol.Box, a protocol.Announce, curve string) []byte {
	return mustSealKind(t, b, protocol.KindAnnounce, a, curve)
}

func mustSealKind(t *testing.T, b *protocol.Box, k protocol.Kind, a protocol.Announce, curve string) []byte {
	t.Helper()
	env, err := b.Seal(k, a, curve)
	if err != nil {
		t.Fatal(err)
	}
	return env
}
