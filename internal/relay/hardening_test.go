package relay

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/bus/jskv"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/pairing/pairtest"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/relay/mint"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// accountAdmin writes credentials of a user signed by the account key
// itself, without permissions: a privileged watcher inside user's account.
func accountAdmin(t *testing.T, st *Store, user, dir string) string {
	t.Helper()
	a, err := st.User(user)
	if err != nil {
		t.Fatal(err)
	}
	akp, err := nkeys.FromSeed([]byte(a.Seed))
	if err != nil {
		t.Fatal(err)
	}
	ukp, _ := nkeys.CreateUser()
	upub, _ := ukp.PublicKey()
	useed, _ := ukp.Seed()
	tok, err := jwt.NewUserClaims(upub).Encode(akp)
	if err != nil {
		t.Fatal(err)
	}
	b, err := jwt.FormatUserConfig(tok, useed)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "watcher.creds")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// violations collects the permission violations the server reports to a
// raw connection.
type violations struct {
	mu  sync.Mutex
	got []string
}

func (v *violations) handler(_ *nats.Conn, _ *nats.Subscription, err error) {
	if errors.Is(err, nats.ErrPermissionViolation) {
		v.mu.Lock()
		v.got = append(v.got, err.Error())
		v.mu.Unlock()
	}
}

// waitFor waits until the server reported a violation naming subject.
func (v *violations) waitFor(t *testing.T, what, subject string) {
	t.Helper()
	testsupport.WaitForWithin(t, 10*time.Second, what+" to be refused", func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		for _, m := range v.got {
			if strings.Contains(m, `"`+subject+`"`) {
				return true
			}
		}
		return false
	})
}

// rawNATS is a plain nats.go connection with creds, for what deskdial's
// own clients never send (headers, chosen reply subjects).
func rawNATS(t *testing.T, url, creds string, v *violations, opts ...nats.Option) *nats.Conn {
	t.Helper()
	opts = append(opts, nats.UserCredentials(creds), nats.Timeout(5*time.Second))
	if v != nil {
		opts = append(opts, nats.ErrorHandler(v.handler))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// TestPhoneCannotTouchHistory: with the shipped configuration and the
// credentials deskdial issues, a phone cannot write the calls bucket at
// all (a PURGE or rollup from it is a permissions violation), a desktop
// cannot purge, roll up or overfill it, and the history is intact.
func TestPhoneCannotTouchHistory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := t.TempDir()
	st := newStore(t, base, "alice")
	desk, _, deskCreds := enrolDesktop(t, st, "alice", "laptop")
	ph, phDir := ident(t)
	pCreds := phoneCreds(t, minter(t, deskCreds), ph, phDir)
	url := clientURL(serveShipped(t, st, filepath.Join(base, "relay")))
	if err := st.CreateBucket(ctx, []string{url}, "alice", 1); err != nil {
		t.Fatal(err)
	}

	dc := connect(t, url, deskCreds, desk.ID.String())
	for _, k := range []string{"recent.a", "recent.b"} {
		if _, err := dc.Request(ctx, "$KV.calls."+k, []byte("sealed-"+k), 3*time.Second); err != nil {
			t.Fatalf("desktop put %s: %v", k, err)
		}
	}
	intact := func(when string) {
		t.Helper()
		for _, k := range []string{"recent.a", "recent.b"} {
			v, err := dc.Request(ctx, "$JS.API.DIRECT.GET.KV_calls.$KV.calls."+k, nil, 3*time.Second)
			if err != nil || string(v) != "sealed-"+k {
				t.Fatalf("%s: %s reads %q, %v", when, k, v, err)
			}
		}
	}

	// The phone: every KV subject is refused by the server.
	var pv violations
	pc := rawNATS(t, url, pCreds, &pv, nats.CustomInboxPrefix(bus.InboxPrefix(ph.ID.String())))
	purge := nats.NewMsg("$KV.calls.recent.a")
	purge.Header.Set("KV-Operation", "PURGE")
	purge.Header.Set("Nats-Rollup", "sub")
	if err := pc.PublishMsg(purge); err != nil {
		t.Fatal(err)
	}
	pv.waitFor(t, "the phone's purge", "$KV.calls.recent.a")
	all := nats.NewMsg("$KV.calls.recent.x")
	all.Header.Set("Nats-Rollup", "all")
	if err := pc.PublishMsg(all); err != nil {
		t.Fatal(err)
	}
	pv.waitFor(t, "the phone's rollup", "$KV.calls.recent.x")
	if err := pc.Publish("$KV.calls.recent.fill", make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	pv.waitFor(t, "the phone's put", "$KV.calls.recent.fill")
	pb := connect(t, url, pCreds, ph.ID.String())
	if _, err := pb.Request(ctx, "$JS.API.STREAM.INFO.KV_calls", nil, 3*time.Second); !errors.Is(err, bus.ErrRefused) {
		t.Fatalf("the phone reading the bucket's info: %v, want refused", err)
	}
	intact("after the phone's attempts")

	// The desktop: the bucket refuses purges, rollups and oversized
	// values; the purge API is not among its permissions.
	dnc := rawNATS(t, url, deskCreds, nil, nats.CustomInboxPrefix(bus.InboxPrefix(desk.ID.String())))
	for _, h := range []map[string]string{
		{"KV-Operation": "PURGE", "Nats-Rollup": "sub"},
		{"Nats-Rollup": "all"},
	} {
		m := nats.NewMsg("$KV.calls.recent.a")
		for k, v := range h {
			m.Header.Set(k, v)
		}
		r, err := dnc.RequestMsg(m, 3*time.Second)
		if err != nil {
			t.Fatalf("desktop rollup %v: %v", h, err)
		}
		if !strings.Contains(string(r.Data), `"error"`) {
			t.Fatalf("desktop rollup %v accepted: %s", h, r.Data)
		}
	}
	r, err := dnc.Request("$KV.calls.recent.big", make([]byte, BucketMaxValue+1), 3*time.Second)
	if err != nil {
		t.Fatalf("desktop put of %d bytes: %v", BucketMaxValue+1, err)
	}
	if !strings.Contains(string(r.Data), `"error"`) {
		t.Fatalf("desktop put of %d bytes accepted: %s", BucketMaxValue+1, r.Data)
	}
	if _, err := dc.Request(ctx, "$JS.API.STREAM.PURGE.KV_calls", nil, time.Second); !errors.Is(err, bus.ErrRefused) {
		t.Fatalf("desktop purging the stream: %v, want refused", err)
	}
	intact("after the desktop's attempts")
}

// TestRelayPairReplyOnlyToPairingInbox: on the shipped configuration, a
// holder of an offer's pairing login sends joins naming a dial, control,
// status or KV subject, or a device's inbox, as the reply. A watcher with
// every permission in the account sees nothing published there, the
// desktop's login itself may not publish to a phone's inbox, and nobody
// is paired.
func TestRelayPairReplyOnlyToPairingInbox(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := t.TempDir()
	st := newStore(t, base, "alice")
	desk, deskDir, deskCreds := enrolDesktop(t, st, "alice", "laptop")
	ph, _ := ident(t)
	url := clientURL(serveShipped(t, st, filepath.Join(base, "relay")))
	if err := st.CreateBucket(ctx, []string{url}, "alice", 1); err != nil {
		t.Fatal(err)
	}

	cfg := config.Default()
	cfg.Region = "DE"
	d, err := remote.OpenDesktop(config.Paths{Config: deskDir, Data: deskDir}, cfg, url, deskCreds)
	if err != nil {
		t.Fatal(err)
	}
	d.Name = "Laptop"
	client, err := remote.Open(ctx, d, remote.StartService(remote.NoRunFile()))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	offer, err := client.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o, err := pairing.ParseOffer(offer.URI())
	if err != nil {
		t.Fatal(err)
	}
	lc, err := mint.PairingCreds(o.Login, o.Secret)
	if err != nil {
		t.Fatal(err)
	}
	lp := filepath.Join(base, "login.creds")
	if err := os.WriteFile(lp, lc, 0o600); err != nil {
		t.Fatal(err)
	}
	login := rawNATS(t, url, lp, nil, nats.CustomInboxPrefix(PairInboxPrefix))

	watcher := rawNATS(t, url, accountAdmin(t, st, "alice", base), nil)
	targets := []string{
		protocol.SubjectDial(Prefix, ph.ID),
		Prefix + ".ctl." + desk.ID.String() + ".reload",
		protocol.SubjectStatus(Prefix, desk.ID),
		"$KV.calls.recent.a",
		bus.InboxPrefix(ph.ID.String()) + ".x",
		bus.InboxPrefix(desk.ID.String()) + ".x",
	}
	seen := make([]*atomic.Int32, len(targets))
	for i, s := range targets {
		n := new(atomic.Int32)
		seen[i] = n
		if _, err := watcher.Subscribe(s, func(*nats.Msg) { n.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := watcher.Flush(); err != nil {
		t.Fatal(err)
	}

	pairSubj := protocol.SubjectPair(Prefix, desk.ID)
	pairtest.StrangerJoins(t, pairtest.Sender{PublishRequest: login.PublishRequest, Request: func(subj string, data []byte, d time.Duration) error {
		_, err := login.Request(subj, data, d)
		return err
	}}, o, pairSubj, targets)
	if err := watcher.Flush(); err != nil {
		t.Fatal(err)
	}
	for i, n := range seen {
		if got := n.Load(); got != 0 {
			t.Errorf("the desktop published %d messages on %s", got, targets[i])
		}
	}
	if err := d.Registry.Reload(); err != nil {
		t.Fatal(err)
	}
	if peers := d.Registry.List(); len(peers) != 0 {
		t.Fatalf("the strangers paired: %+v", peers)
	}

	// The desktop role answers only the requests it serves: even a
	// desktop login that answers a join naming a phone's inbox (as the
	// responder did) is refused by the relay, which allows answers only
	// on the pairing inbox and the desktop's own.
	var dv violations
	dnc := rawNATS(t, url, deskCreds, &dv, nats.CustomInboxPrefix(bus.InboxPrefix(desk.ID.String())))
	if _, err := dnc.Subscribe(pairSubj, func(m *nats.Msg) {
		if m.Reply != "" {
			_ = m.Respond([]byte("answer"))
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := dnc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := login.PublishRequest(pairSubj, targets[4], []byte("not a join")); err != nil {
		t.Fatal(err)
	}
	dv.waitFor(t, "the desktop's answer on a phone's inbox", targets[4])
	if err := watcher.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := seen[4].Load(); got != 0 {
		t.Fatalf("the desktop login published %d messages on %s", got, targets[4])
	}
}

// TestPushAllUpgradesOldAccounts: an account signed by an older deskdial
// (phones may write the bucket, desktops answer anything) gets this
// version's role permissions from `admin push`, and the same phone
// credentials then cannot write the bucket.
func TestPushAllUpgradesOldAccounts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := t.TempDir()
	st := newStore(t, base, "alice")
	_, _, deskCreds := enrolDesktop(t, st, "alice", "laptop")
	ph, phDir := ident(t)
	pCreds := phoneCreds(t, minter(t, deskCreds), ph, phDir)

	// Re-sign the account as the old version did.
	op, err := nkeys.FromSeed([]byte(st.d.Operator))
	if err != nil {
		t.Fatal(err)
	}
	a := st.d.Accounts[0]
	ac, err := jwt.DecodeAccountClaims(a.JWT)
	if err != nil {
		t.Fatal(err)
	}
	for _, sk := range ac.SigningKeys {
		if sc, ok := sk.(*jwt.UserScope); ok && sc.Role == RolePhone {
			sc.Template.Pub.Allow.Add(kvSubjects()...)
		}
	}
	if a.JWT, err = ac.Encode(op); err != nil {
		t.Fatal(err)
	}
	if err := st.save(); err != nil {
		t.Fatal(err)
	}
	url := clientURL(serveShipped(t, st, filepath.Join(base, "relay")))
	// The bucket as the old version made it: purges and rollups allowed.
	admin := rawNATS(t, url, accountAdmin(t, st, "alice", base), nil)
	oldCfg := `{"name":"KV_calls","subjects":["$KV.calls.>"],"retention":"limits","max_consumers":-1,` +
		`"max_msgs":-1,"max_msgs_per_subject":5,"max_bytes":8388608,"max_msg_size":4096,"storage":"file",` +
		`"discard":"new","num_replicas":1,"duplicate_window":120000000000,"deny_delete":true,` +
		`"deny_purge":false,"allow_rollup_hdrs":true,"allow_direct":true}`
	if r, err := admin.Request("$JS.API.STREAM.CREATE.KV_calls", []byte(oldCfg), 5*time.Second); err != nil {
		t.Fatalf("make the old bucket: %v", err)
	} else if strings.Contains(string(r.Data), `"error"`) {
		t.Fatalf("make the old bucket: %s", r.Data)
	}
	old := connect(t, url, pCreds, ph.ID.String())
	if _, err := old.Request(ctx, "$KV.calls.recent.a", []byte("x"), 3*time.Second); err != nil {
		t.Fatalf("the old account should let the phone write (the setup is wrong): %v", err)
	}
	old.Close()

	// What `admin push` does: every account, then every bucket.
	if err := st.PushAll(ctx, []string{url}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBucket(ctx, []string{url}, "alice", 1); err != nil {
		t.Fatalf("bring the old bucket up to date: %v", err)
	}
	r, err := admin.Request("$JS.API.STREAM.INFO.KV_calls", nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"deny_purge":true`, `"max_msgs":20000`} {
		if !strings.Contains(string(r.Data), want) {
			t.Errorf("the bucket after the push lacks %s: %s", want, r.Data)
		}
	}
	if strings.Contains(string(r.Data), `"allow_rollup_hdrs":true`) {
		t.Errorf("the bucket still allows rollups: %s", r.Data)
	}
	if v, err := admin.Request("$JS.API.DIRECT.GET.KV_calls.$KV.calls.recent.a", nil, 5*time.Second); err != nil {
		t.Fatalf("the value written before the upgrade: %v", err)
	} else if string(v.Data) != "x" {
		t.Fatalf("the value written before the upgrade reads %q", v.Data)
	}
	pc := connect(t, url, pCreds, ph.ID.String())
	if _, err := pc.Request(ctx, "$KV.calls.recent.a", []byte("x"), 3*time.Second); !errors.Is(err, bus.ErrRefused) {
		t.Fatalf("the phone writing the bucket after the push: %v, want refused", err)
	}
}

// TestDesktopSyncsOnShippedRelay: what history sync does with a desktop's
// credentials still works without the blanket answer permission: bind the
// bucket, put, and watch every value.
func TestDesktopSyncsOnShippedRelay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := t.TempDir()
	st := newStore(t, base, "alice")
	desk, _, deskCreds := enrolDesktop(t, st, "alice", "laptop")
	url := clientURL(serveShipped(t, st, filepath.Join(base, "relay")))
	if err := st.CreateBucket(ctx, []string{url}, "alice", 1); err != nil {
		t.Fatal(err)
	}
	c := connect(t, url, deskCreds, desk.ID.String())
	kv, err := jskv.BindConn(ctx, c, Bucket)
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	value := make([]byte, 3000)
	for i := range n {
		if err := kv.Put(ctx, fmt.Sprintf("recent.k%03d", i), value); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	seen := map[string]bool{}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	errDone := errors.New("all seen")
	err = kv.Watch(wctx, func(key string, _ []byte, _ bool) error {
		seen[key] = true
		if len(seen) == n {
			return errDone
		}
		return nil
	})
	if !errors.Is(err, errDone) {
		t.Fatalf("watch saw %d of %d values: %v", len(seen), n, err)
	}
}
