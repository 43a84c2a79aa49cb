package history

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/deskdial/deskdial/internal/bus/bustest"
	"github.com/deskdial/deskdial/internal/bus/jskv"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// The JetStream adapter is what the desktop passes to NewSyncer.
var _ KV = (*jskv.KV)(nil)

// jsServer is an in-process nats-server with JetStream on loopback.
type jsServer struct {
	t     *testing.T
	srv   *server.Server
	port  int
	store string
}

func startJS(t *testing.T, port int, store string) *server.Server {
	t.Helper()
	return bustest.Start(t, bustest.Port(port), bustest.JetStream(store))
}

func newJSServer(t *testing.T) *jsServer {
	j := &jsServer{t: t, store: t.TempDir()}
	j.srv = startJS(t, -1, j.store)
	j.port = j.srv.Addr().(*net.TCPAddr).Port
	t.Cleanup(func() { j.srv.Shutdown(); j.srv.WaitForShutdown() })
	return j
}

func (j *jsServer) url() string { return j.srv.ClientURL() }

// stop and start take the server down and bring it back on the same port
// with the same store, as a server reboot does.
func (j *jsServer) stop()  { j.srv.Shutdown(); j.srv.WaitForShutdown() }
func (j *jsServer) start() { j.srv = startJS(j.t, j.port, j.store) }

func connect(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// desktop is one store with its syncer.
type desktop struct {
	s      *Store
	cancel context.CancelFunc
	done   chan error
}

func runSyncer(t *testing.T, s *Store, url string, key SyncKey, opts ...SyncOption) *desktop {
	t.Helper()
	nc := connect(t, url)
	kv, err := jskv.Bind(context.Background(), nc, "calls", jskv.WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	y, err := NewSyncer(s, kv, key, append([]SyncOption{WithRetry(50 * time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &desktop{s: s, cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- y.Run(ctx) }()
	t.Cleanup(d.stop)
	return d
}

func (d *desktop) stop() {
	if d.cancel == nil {
		return
	}
	d.cancel()
	<-d.done
	d.cancel = nil
}

func hasRecent(s *Store, number string, outcome call.Outcome) bool {
	r, err := s.Recent(context.Background(), 100)
	if err != nil {
		return false
	}
	for _, c := range r {
		if c.Number == number && (outcome == "" || c.Outcome == outcome) {
			return true
		}
	}
	return false
}

// hasAsker reports whether s's latest call to number was asked for by
// the device id, name ("": the desktop's own call).
func hasAsker(s *Store, number, id, name string) bool {
	r, err := s.Recent(context.Background(), 100)
	if err != nil {
		return false
	}
	for _, c := range r {
		if c.Number == number {
			return c.AskedByID == id && c.AskedByName == name
		}
	}
	return false
}

func TestSyncTwoDesktopsThroughJetStream(t *testing.T) {
	ctx := context.Background()
	js := newJSServer(t)
	admin := connect(t, js.url())
	if _, err := jskv.Create(ctx, admin, "calls"); err != nil {
		t.Fatal(err)
	}
	key, err := NewSyncKey()
	if err != nil {
		t.Fatal(err)
	}
	a, _ := openTemp(t)
	b, _ := openTemp(t)
	runSyncer(t, a, js.url(), key, WithContacts())
	db := runSyncer(t, b, js.url(), key, WithContacts())

	// Both see each other's calls.
	idA, _ := a.RecordCall(ctx, Call{Number: "+4930123456", Name: "Jürgen Müller", PhoneID: "P1", PhoneName: "Pixel", Outcome: call.OutcomeRequested})
	b.RecordCall(ctx, Call{Number: "+12015550123", Name: "Alice Example", PhoneID: "P2", PhoneName: "Fairphone", Outcome: call.OutcomeAccepted})
	testsupport.WaitFor(t, "B sees A's call", func() bool { return hasRecent(b, "+4930123456", "") })
	testsupport.WaitFor(t, "A sees B's call", func() bool { return hasRecent(a, "+12015550123", call.OutcomeAccepted) })
	// An outcome that arrives later follows.
	a.UpdateCall(ctx, idA, call.OutcomeEnded, 42*time.Second)
	testsupport.WaitFor(t, "B sees the call's outcome", func() bool { return hasRecent(b, "+4930123456", call.OutcomeEnded) })
	if r, _ := b.Recent(ctx, 10); len(r) != 2 {
		t.Errorf("B's recents = %+v, want one row per number", r)
	}
	// Calls from the other desktop are searchable by name.
	testsupport.WaitFor(t, "B finds Jürgen by name", func() bool {
		h, _ := b.Search(ctx, "jurg", 5)
		return len(h) == 1 && h[0].E164 == "+4930123456" && h[0].FromRecents
	})

	// A call a phone asked for keeps its asker on the other desktop,
	// both ways.
	if _, err := a.RecordCall(ctx, Call{Number: "+4930555111", PhoneID: "P1", PhoneName: "Pixel", Outcome: call.OutcomeAnswered,
		Duration: 42 * time.Second, AskedByID: "T-1", AskedByName: "Tablet"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RecordCall(ctx, Call{Number: "+4930555222", PhoneID: "P2", PhoneName: "Fairphone", Outcome: call.OutcomeEnded,
		AskedByID: "G-2", AskedByName: "Galaxy"}); err != nil {
		t.Fatal(err)
	}
	testsupport.WaitFor(t, "B sees the call Tablet asked for on A", func() bool { return hasAsker(b, "+4930555111", "T-1", "Tablet") })
	testsupport.WaitFor(t, "A sees the call Galaxy asked for on B", func() bool { return hasAsker(a, "+4930555222", "G-2", "Galaxy") })
	if !hasAsker(b, "+4930123456", "", "") || !hasAsker(a, "+12015550123", "", "") {
		t.Error("a desktop's own call arrived with an asker")
	}

	// Contacts, with contact sync on.
	a.ImportVCard(ctx, strings.NewReader("BEGIN:VCARD\nVERSION:3.0\nFN:Zoë Ångström\nTEL;TYPE=CELL:+49 170 9998887\nEND:VCARD\n"), "DE")
	testsupport.WaitFor(t, "B resolves the contact imported on A", func() bool {
		r, err := b.ResolveName(ctx, "zoe")
		return err == nil && r.Number.E164 == "+491709998887"
	})

	// The server holds no number, name or digits in clear: not in the
	// stream's subjects or values, not in its files.
	secrets := []string{"4930123456", "030123456", "12015550123", "2015550123", "491709998887", "1709998887", "Jürgen", "Alice", "Zo\u00eb", "Pixel", "Fairphone", "4930555111", "4930555222", "Tablet", "Galaxy"}
	jsc, _ := jetstream.New(admin)
	st, err := jsc.Stream(ctx, "KV_calls")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := st.Info(ctx)
	if info.State.Msgs < 3 {
		t.Fatalf("stream holds %d messages, want the synced entries", info.State.Msgs)
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		for _, s := range secrets {
			if strings.Contains(m.Subject, s) || bytes.Contains(m.Data, []byte(s)) {
				t.Errorf("message %d (%s) carries %q in clear", seq, m.Subject, s)
			}
		}
	}
	filepath.Walk(js.store, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(p)
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("server file %s carries %q in clear", p, s)
			}
		}
		return nil
	})

	// Offline: B's desktop is off, the server restarts, A calls while
	// the server is down; everything catches up on reconnect.
	db.stop()
	b.RecordCall(ctx, Call{Number: "+441632960001", Name: "Offline on B"})
	js.stop()
	a.RecordCall(ctx, Call{Number: "+441632960002", Name: "While server down"})
	testsupport.WaitFor(t, "A's call queued while the server is down", func() bool {
		n, _ := a.Pending(ctx)
		return n >= 1
	})
	js.start()
	testsupport.WaitFor(t, "A's queued call sent after reconnect", func() bool {
		n, _ := a.Pending(ctx)
		return n == 0
	})
	runSyncer(t, b, js.url(), key, WithContacts())
	testsupport.WaitFor(t, "B catches up with A's call made while it was off", func() bool { return hasRecent(b, "+441632960002", "") })
	testsupport.WaitFor(t, "A gets B's call made offline", func() bool { return hasRecent(a, "+441632960001", "") })

	// Clear history on one desktop clears the others.
	if err := a.ClearCalls(ctx); err != nil {
		t.Fatal(err)
	}
	testsupport.WaitFor(t, "B's history cleared", func() bool {
		r, _ := b.Recent(ctx, 10)
		return len(r) == 0
	})
	// And a call after clearing syncs again.
	a.RecordCall(ctx, Call{Number: "+4930123456", Name: "Again"})
	testsupport.WaitFor(t, "B sees the call after clearing", func() bool { return hasRecent(b, "+4930123456", "") })
}

// A desktop with another user's key can read nothing and changes nothing.
func TestSyncIgnoresEntriesSealedWithAnotherKey(t *testing.T) {
	ctx := context.Background()
	js := newJSServer(t)
	admin := connect(t, js.url())
	if _, err := jskv.Create(ctx, admin, "calls"); err != nil {
		t.Fatal(err)
	}
	k1, _ := NewSyncKey()
	k2, _ := NewSyncKey()
	a, _ := openTemp(t)
	other, _ := openTemp(t)
	c, _ := openTemp(t)
	runSyncer(t, a, js.url(), k1)
	runSyncer(t, other, js.url(), k2)
	runSyncer(t, c, js.url(), k1)
	a.RecordCall(ctx, Call{Number: "+4930123456"})
	// c shares a's key, so once c has the call the entry went through.
	testsupport.WaitFor(t, "same-key desktop sees the call", func() bool { return hasRecent(c, "+4930123456", "") })
	other.RecordCall(ctx, Call{Number: "+4930999999"})
	testsupport.WaitFor(t, "other key's entry written", func() bool { n, _ := other.Pending(ctx); return n == 0 })
	if r, _ := other.Recent(ctx, 10); len(r) != 1 {
		t.Errorf("desktop with another key applied foreign entries: %+v", r)
	}
	if hasRecent(c, "+4930999999", "") {
		t.Errorf("entry sealed with another key was applied")
	}
}

func TestSyncKeyEncoding(t *testing.T) {
	k, err := NewSyncKey()
	if err != nil {
		t.Fatal(err)
	}
	s := k.String()
	if len(s) != 43 {
		t.Fatalf("key string %q has %d characters", s, len(s))
	}
	for _, in := range []string{s, " " + s[:20] + "\n" + s[20:] + " ", s + "="} {
		got, err := ParseSyncKey(in)
		if err != nil || got != k {
			t.Errorf("ParseSyncKey(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "short", s[:42], s + "AAAA", "!!!!"} {
		if _, err := ParseSyncKey(bad); !errors.Is(err, ErrBadSyncKey) {
			t.Errorf("ParseSyncKey(%q) = %v, want ErrBadSyncKey", bad, err)
		}
	}
}

func FuzzParseSyncKey(f *testing.F) {
	k, _ := NewSyncKey()
	f.Add(k.String())
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseSyncKey(s)
		if err != nil {
			return
		}
		if k2, err := ParseSyncKey(k.String()); err != nil || k2 != k {
			t.Fatalf("round trip of %q failed", s)
		}
	})
}

// Sealed values open only with the same key and only under their own
// bucket key.
func TestSealedValues(t *testing.T) {
	k, _ := NewSyncKey()
	ks, _ := deriveKeys(k)
	v, err := ks.sealValue([]byte("+4930123456"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(v, []byte("4930123456")) {
		t.Fatal("sealed value contains the number")
	}
	if p, err := ks.openValue(v); err != nil || string(p) != "+4930123456" {
		t.Fatalf("open = %q, %v", p, err)
	}
	v[len(v)-1] ^= 1
	if _, err := ks.openValue(v); !errors.Is(err, ErrSealed) {
		t.Errorf("tampered value opened: %v", err)
	}
	if a, b := ks.kvKey(kindRecent, "+4930123456"), ks.kvKey(kindRecent, "+4930123457"); a == b || strings.Contains(a, "4930") {
		t.Errorf("bucket keys %q %q", a, b)
	}
}
