package relay

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/relay/mint"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// recDialer is the log backend, also noting when each number was handed
// to it (the log holds numbers only).
type recDialer struct {
	dialer.Dialer
	mu  sync.Mutex
	got []dialRec
}

type dialRec struct {
	ID, Number string
	At         time.Time
	Expires    time.Time
}

func (d *recDialer) Dial(ctx context.Context, req dialer.Request) (dialer.Call, error) {
	c, err := d.Dialer.Dial(ctx, req)
	if err == nil {
		d.mu.Lock()
		d.got = append(d.got, dialRec{ID: req.ID, Number: req.Number, At: time.Now(), Expires: req.Expires})
		d.mu.Unlock()
	}
	return c, err
}

func (d *recDialer) records() []dialRec {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]dialRec(nil), d.got...)
}

// TestTenantIsolation runs the shipped single-node configuration in JWT
// mode with two users. Alice's phone even lists Bob's desktop as paired,
// so only the relay stands between them.
func TestTenantIsolation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := t.TempDir()
	st := newStore(t, base, "alice", "bob")
	aDesk, aDeskDir, aCreds := enrolDesktop(t, st, "alice", "alice-laptop")
	bDesk, bDeskDir, bCreds := enrolDesktop(t, st, "bob", "bob-laptop")
	aPhone, aPhoneDir := ident(t)
	aPhone2, aPhone2Dir := ident(t)

	url := clientURL(serveShipped(t, st, filepath.Join(base, "relay")))
	for _, u := range []string{"alice", "bob"} {
		if err := st.CreateBucket(ctx, []string{url}, u, 1); err != nil {
			t.Fatal(err)
		}
	}

	// Alice's desktop issues her phones' credentials, as while pairing.
	m := minter(t, aCreds)
	pCreds := phoneCreds(t, m, aPhone, aPhoneDir)
	p2Creds := phoneCreds(t, m, aPhone2, aPhone2Dir)
	phone := startPhone(t, aPhone, aPhoneDir, pCreds, []device.Peer{
		peerOf(aDesk, "Alice laptop", device.RoleDesktop, url),
		peerOf(bDesk, "Bob laptop", device.RoleDesktop, url),
	})
	phone2 := startPhone(t, aPhone2, aPhone2Dir, p2Creds, []device.Peer{peerOf(aDesk, "Alice laptop", device.RoleDesktop, url)})

	phonePeer := peerOf(aPhone, "Pixel", device.RolePhone, "")
	alice := desktop(t, aDesk, aDeskDir, url, aCreds, phonePeer, peerOf(aPhone2, "Pixel2", device.RolePhone, ""))
	bob := desktop(t, bDesk, bDeskDir, url, bCreds, phonePeer)

	// Bob watches Alice's status subject the whole time.
	bobConn := connect(t, url, bCreds, bDesk.ID.String())
	var bobSaw atomic.Int32
	if _, err := bobConn.Subscribe(ctx, protocol.SubjectStatus(Prefix, aDesk.ID), func(bus.Msg) { bobSaw.Add(1) }); err != nil {
		t.Fatal(err)
	}

	// Alice reaches her phone.
	var (
		h   *remote.CallHandle
		err error
	)
	testsupport.WaitForWithin(t, 15*time.Second, "alice's phone to answer", func() bool {
		h, err = alice.Call(ctx, aPhone.ID, "+49 30 1234567", call.ModeCall)
		return err == nil
	})
	for range h.Updates { // the log backend reports one final state
	}
	if got := phone.dialled(t); len(got) != 1 || got[0] != "+49301234567" {
		t.Fatalf("alice's phone dialled %v, want [+49301234567]", got)
	}

	// Bob's desktop finds nobody on that subject in his account.
	_, err = bob.Call(ctx, aPhone.ID, "+49 30 7654321", call.ModeCall)
	if !errors.Is(err, remote.ErrOffline) {
		t.Fatalf("bob calling alice's phone: %v, want offline", err)
	}
	if got := phone.dialled(t); len(got) != 1 {
		t.Fatalf("bob's request was dialled: %v", got)
	}

	// Bob saw none of Alice's call states (his subscription is denied, and
	// would be in his own account anyway).
	if err := bobConn.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := bobSaw.Load(); n != 0 {
		t.Fatalf("bob received %d of alice's status messages", n)
	}

	// Listing phones: a presence ping on each phone's dial subject. Alice
	// sees both her phones with their signed presence; Bob, who lists
	// Alice's phone as paired, finds it offline in his account.
	list, err := alice.Phones(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("alice's phones: %+v, %v", list, err)
	}
	for _, p := range list {
		if !p.Online || !p.Verified {
			t.Fatalf("alice's phone %s listed as online %v verified %v, want both", p.Peer.Name, p.Online, p.Verified)
		}
	}
	if list, err := bob.Phones(ctx); err != nil || len(list) != 1 || list[0].Online {
		t.Fatalf("bob's listing of alice's phone: %+v, %v; want it offline", list, err)
	}
	// A phone subscribes to its own dial subject only: not another
	// phone's, not the discovery subjects (each a subscription per
	// phone on the relay), not Alice's status.
	v := &violations{}
	raw := rawNATS(t, url, pCreds, v, nats.CustomInboxPrefix(bus.InboxPrefix(aPhone.ID.String())))
	for _, subj := range []string{protocol.SubjectDial(Prefix, aPhone2.ID), "$SRV.INFO." + PhoneService, "$SRV.PING", protocol.SubjectStatus(Prefix, aDesk.ID)} {
		if _, err := raw.SubscribeSync(subj); err != nil {
			t.Fatal(err)
		}
		v.waitFor(t, "a phone subscribing to "+subj, subj)
	}

	// KV: Alice's value is not in Bob's bucket of the same name.
	aConn := connect(t, url, aCreds, aDesk.ID.String())
	if _, err := aConn.Request(ctx, "$KV.calls.recent.abc", []byte("sealed-by-alice"), 3*time.Second); err != nil {
		t.Fatalf("alice's KV put: %v", err)
	}
	get := "$JS.API.DIRECT.GET.KV_calls.$KV.calls.recent.abc"
	if v, err := aConn.Request(ctx, get, nil, 3*time.Second); err != nil || string(v) != "sealed-by-alice" {
		t.Fatalf("alice reads her KV: %q, %v", v, err)
	}
	if v, err := bobConn.Request(ctx, get, nil, 3*time.Second); err == nil && string(v) == "sealed-by-alice" {
		t.Fatal("bob read alice's KV value")
	}
	// Devices cannot delete buckets; the request is dropped by the server.
	if _, err := bobConn.Request(ctx, "$JS.API.STREAM.DELETE.KV_calls", nil, time.Second); !errors.Is(err, bus.ErrRefused) {
		t.Fatalf("bob deleting a bucket: %v, want it refused", err)
	}

	// A phone cannot send dial requests: its publish is dropped.
	p1 := connect(t, url, pCreds, aPhone.ID.String())
	if _, err := p1.Request(ctx, protocol.SubjectDial(Prefix, aPhone2.ID), []byte("x"), time.Second); !errors.Is(err, bus.ErrRefused) {
		t.Fatalf("phone sending a dial request: %v, want it refused", err)
	}
	if got := phone2.dialled(t); len(got) != 0 {
		t.Fatalf("the second phone dialled %v", got)
	}

	// It asks through its desktop instead (the relay subject), and reads
	// the desktop's answers to itself, never those to another phone.
	relayed := make(chan string, 4)
	if _, err := aConn.Subscribe(ctx, protocol.SubjectRelay(Prefix, aDesk.ID), func(m bus.Msg) { relayed <- string(m.Data) }); err != nil {
		t.Fatal(err)
	}
	mine, theirs := make(chan string, 4), make(chan string, 4)
	if _, err := p1.Subscribe(ctx, protocol.SubjectRelayed(Prefix, aPhone.ID), func(m bus.Msg) { mine <- string(m.Data) }); err != nil {
		t.Fatal(err)
	}
	_, _ = p1.Subscribe(ctx, protocol.SubjectRelayed(Prefix, aPhone2.ID), func(m bus.Msg) { theirs <- string(m.Data) })
	if err := aConn.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	_ = p1.Flush(ctx)
	if err := p1.Publish(protocol.SubjectRelay(Prefix, aDesk.ID), []byte("ask")); err != nil {
		t.Fatal(err)
	}
	testsupport.WaitForWithin(t, 10*time.Second, "the desktop to get the phone's relay request", func() bool { return len(relayed) == 1 })
	if err := aConn.Publish(protocol.SubjectRelayed(Prefix, aPhone2.ID), []byte("to phone 2")); err != nil {
		t.Fatal(err)
	}
	if err := aConn.Publish(protocol.SubjectRelayed(Prefix, aPhone.ID), []byte("to phone 1")); err != nil {
		t.Fatal(err)
	}
	testsupport.WaitForWithin(t, 10*time.Second, "the phone to get its desktop's answer", func() bool { return len(mine) == 1 })
	_ = p1.Flush(ctx)
	if len(theirs) != 0 {
		t.Fatalf("the phone read the desktop's answer to another phone: %q", <-theirs)
	}

	// Revoking Alice's phone closes its connection at once; it cannot
	// come back, and Alice's desktop then finds it offline.
	tok, err := st.RevokeKey("alice", aPhone.SignPub, "Pixel")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Push(ctx, []string{url}, tok); err != nil {
		t.Fatal(err)
	}
	testsupport.WaitForWithin(t, 10*time.Second, "the revoked phone to be disconnected", func() bool {
		for {
			select {
			case up := <-phone.state:
				if !up {
					return true
				}
			default:
				return false
			}
		}
	})
	_, err = alice.Call(ctx, aPhone.ID, "+49 30 1111111", call.ModeCall)
	if !errors.Is(err, remote.ErrOffline) {
		t.Fatalf("calling the revoked phone: %v, want offline", err)
	}
	if got := phone.dialled(t); len(got) != 1 {
		t.Fatalf("the revoked phone dialled: %v", got)
	}
	// The other phone is untouched.
	if _, err := alice.Call(ctx, aPhone2.ID, "+49 30 2222222", call.ModeCall); err != nil {
		t.Fatalf("alice's other phone after the revocation: %v", err)
	}
	if name := userName(t, mustPhoneJWT(t, m, aPhone)); name != aPhone.ID.String() {
		t.Fatalf("phone JWT names %q", name)
	}
}

func mustPhoneJWT(t *testing.T, m *mint.Minter, id *device.Identity) string {
	tok, err := m.Phone(id.ID, id.SignPub)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
