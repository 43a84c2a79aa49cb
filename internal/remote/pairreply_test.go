package remote

import (
	"context"
	"crypto/tls"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/pairing/pairtest"
	"github.com/deskdial/deskdial/internal/protocol"
)

// rawConn is a plain nats.go connection to the embedded server, for what
// the deskdial clients never do: publish with a reply subject of their
// choosing.
func rawConn(t *testing.T, url string, opts ...nats.Option) *nats.Conn {
	t.Helper()
	opts = append(opts, nats.Secure(&tls.Config{InsecureSkipVerify: true}), nats.Timeout(5*time.Second))
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func nkeyOpt(t *testing.T, id *device.Identity) nats.Option {
	return nats.Nkey(id.SignPub, id.Sign)
}

// count subscribes nc to subject and counts what arrives.
func count(t *testing.T, nc *nats.Conn, subject string) *atomic.Int32 {
	t.Helper()
	var n atomic.Int32
	if _, err := nc.Subscribe(subject, func(*nats.Msg) { n.Add(1) }); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return &n
}

// TestPairReplyOnlyToPairingInbox: a stranger with the pairing login (the
// offer's, or an old one: it is the desktop ID) sends joins naming a dial
// subject, the desktop's control subject or another device's inbox as the
// reply. The desktop publishes nothing there, whether it would accept the
// join or refuse it; a flood of refused joins gets a few refusals and
// leaves real dials and a real pairing working.
func TestPairReplyOnlyToPairingInbox(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	o, err := w.client.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	url := w.client.svc.srv.LoopbackURL()
	prefix := w.desk.prefix()
	deskID := w.desk.Identity.ID

	// Privileged watchers: the phone's own login reads its dial subject
	// and inbox, the desktop's its control subjects and status.
	phoneNC := rawConn(t, url, nkeyOpt(t, w.phone))
	deskNC := rawConn(t, url, nkeyOpt(t, w.desk.Identity))
	targets := []string{
		protocol.SubjectDial(prefix, w.phone.ID),
		bus.InboxPrefix(w.phone.ID.String()) + ".x",
		w.desk.ctlSubject("reload"),
		protocol.SubjectStatus(prefix, deskID),
		bus.InboxPrefix(deskID.String()) + ".x",
	}
	seen := []*atomic.Int32{
		count(t, phoneNC, targets[0]),
		count(t, phoneNC, targets[1]),
		count(t, deskNC, prefix+".ctl."+deskID.String()+".>"),
		count(t, deskNC, targets[3]),
		count(t, deskNC, targets[4]),
	}

	login := rawConn(t, url, nats.UserInfo(bus.PairUser, deskID.String()), nats.CustomInboxPrefix(bus.PairInboxPrefix))
	// Once the last join is refused, the desktop has handled every join
	// before it, and flushing the watchers brings anything it published.
	pairSubj := protocol.SubjectPair(prefix, deskID)
	badJoin := pairtest.StrangerJoins(t, pairtest.Sender{PublishRequest: login.PublishRequest, Request: func(subj string, data []byte, d time.Duration) error {
		_, err := login.Request(subj, data, d)
		return err
	}}, o, protocol.SubjectPair(prefix, deskID), targets)
	for _, nc := range []*nats.Conn{phoneNC, deskNC} {
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	for i, n := range seen {
		if got := n.Load(); got != 0 {
			t.Errorf("the desktop published %d answers on %s", got, targets[i])
		}
	}
	if peers := w.desk.Registry.List(); len(peers) != 1 {
		t.Fatalf("paired devices after the strangers' joins: %d, want only the phone", len(peers))
	}

	// A flood of refused joins: a few refusals, not one each.
	var refusals atomic.Int32
	if _, err := login.Subscribe(bus.PairInboxPrefix+".flood.>", func(*nats.Msg) { refusals.Add(1) }); err != nil {
		t.Fatal(err)
	}
	const flood = 300
	start := time.Now()
	for i := range flood {
		reply := bus.PairInboxPrefix + ".flood." + strings.Repeat("x", i%5+1)
		if err := login.PublishRequest(pairSubj, reply, badJoin()); err != nil {
			t.Fatal(err)
		}
	}
	if err := login.Flush(); err != nil {
		t.Fatal(err)
	}
	// A real phone still pairs through the offer the strangers' joins
	// left untouched (handled after the whole flood)...
	p2, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p2reg, err := device.OpenRegistry(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Pair(ctx, o, p2, p2reg, "Pixel 2", agent.Caps{Backend: "log"}, agent.PairOptions{}); err != nil {
		t.Fatalf("pairing after the flood: %v", err)
	}
	if err := login.Flush(); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	most := int32(refusalBurst + int(elapsed/refusalEvery) + 1)
	if got := refusals.Load(); got > most || got >= flood {
		t.Fatalf("%d refusals for %d joins in %v, want at most %d", got, flood, elapsed, most)
	}
	// ...and the paired phone still dials.
	h, err := w.client.Call(ctx, w.phone.ID, "+49 30 1234567", call.ModeCall)
	if err != nil {
		t.Fatalf("dial after the flood: %v", err)
	}
	h.Close()
	waitDialled(t, w, "+49301234567")
}

func waitDialled(t *testing.T, w *world, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := w.dialled()
		if len(got) == 1 && got[0] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("dialled %v, want [%s]", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// FuzzPairInbox: a reply subject passes only as a plain subject under the
// pairing inbox prefix, never one that reaches beyond it.
func FuzzPairInbox(f *testing.F) {
	for _, s := range []string{"_INBOX_pair.abc.1", "_INBOX_pair.>", "_INBOX_pair.*", "_INBOX_pair..x",
		"deskdial.ctl.X.reload", "_INBOX_pairX.a", "_INBOX_pair.a b", "_INBOX_pair."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !pairInbox(s) {
			return
		}
		rest, ok := strings.CutPrefix(s, bus.PairInboxPrefix+".")
		if !ok || len(s) > maxReply {
			t.Fatalf("%q passed outside the pairing inbox", s)
		}
		for _, tok := range strings.Split(rest, ".") {
			if tok == "" || tok == "*" || tok == ">" || strings.ContainsAny(tok, " \t\r\n") {
				t.Fatalf("%q passed with token %q", s, tok)
			}
		}
	})
}

// TestPairInboxSubjects: a join's reply subject with a wildcard below the
// pairing prefix (a subscriber's pattern, not an inbox) or one that only
// looks like the prefix is not answered.
func TestPairInboxSubjects(t *testing.T) {
	for s, want := range map[string]bool{
		"_INBOX_pair.AbC123.1": true, "_INBOX_pair.x": true,
		"_INBOX_pair.x.>": false, "_INBOX_pair.x.*": false, "_INBOX_pair.*.1": false, "_INBOX_pair.>": false,
		"_INBOX_pair": false, "_INBOX_pair.": false, "_INBOX_pair.x.": false, "_INBOX_pair.x..y": false,
		"_INBOX_pairing.x": false, "_inbox_pair.x": false, "_INBOX_pair.x\r\nPUB deskdial.ctl": false,
		"_INBOX_pair.x\ty": false, "_INBOX_pair." + strings.Repeat("a", maxReply): false,
		" _INBOX_pair.x": false,
	} {
		if got := pairInbox(s); got != want {
			t.Errorf("pairInbox(%q) = %v, want %v", s, got, want)
		}
	}
}
