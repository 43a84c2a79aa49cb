package bus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

type kp struct{ nkeys.KeyPair }

func (k kp) PublicKey() string { p, _ := k.KeyPair.PublicKey(); return p }

func newUser(t *testing.T) kp {
	t.Helper()
	k, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	return kp{k}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type rig struct {
	srv   *Server
	acc   Access
	desk  kp
	phone kp
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{desk: newUser(t), phone: newUser(t)}
	r.acc = Access{Prefix: "deskdial", DesktopID: "DESK", DesktopKey: r.desk.PublicKey(),
		Phones: []Phone{{ID: "PHONE", Nkey: r.phone.PublicKey()}}}
	srv, err := StartServer(t.TempDir(), freePort(t), r.acc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	r.srv = srv
	return r
}

func (r *rig) desktop(t *testing.T) *Conn {
	t.Helper()
	c, err := Connect(context.Background(), InProcess(r.srv), Nkey(r.desk), Inbox(InboxPrefix("DESK")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func (r *rig) phoneConn(t *testing.T, opts ...Option) (*Conn, error) {
	base := []Option{URLs(r.srv.LoopbackURL()), PinCert(r.srv.Fingerprint()), Nkey(r.phone), Inbox(InboxPrefix("PHONE")), ConnectTimeout(2 * time.Second)}
	c, err := Connect(context.Background(), append(base, opts...)...)
	if err == nil {
		t.Cleanup(c.Close)
	}
	return c, err
}

func TestRequestOfflineDiscoverRevoke(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	desk := r.desktop(t)

	// Nobody listens: offline at once.
	if _, err := desk.RequestRetry(ctx, "deskdial.dial.PHONE", []byte("x"), 3*time.Second); !errors.Is(err, ErrOffline) {
		t.Fatalf("request to absent phone: %v, want ErrOffline", err)
	}

	ph, err := r.phoneConn(t)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ph.AddService(ctx, Service{Name: PhoneService, Version: "1.0.0", Subject: "deskdial.dial.PHONE",
		Metadata: map[string]string{"name": "Pixel"},
		Handler:  func(m Msg) { _ = m.Respond(append([]byte("ok:"), m.Data...)) }}); err != nil {
		t.Fatal(err)
	}
	if err := ph.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := desk.RequestRetry(ctx, "deskdial.dial.PHONE", []byte("x"), 3*time.Second)
	if err != nil || string(b) != "ok:x" {
		t.Fatalf("request: %q %v", b, err)
	}
	// An older phone's micro service is found through discovery; its
	// endpoint ignores nothing, so the empty request is answered too.
	ans, inst, err := desk.Survey(ctx, []string{"deskdial.dial.PHONE", "deskdial.dial.NOBODY"}, PhoneService,
		func(in []Instance) bool { return len(in) == 1 }, DiscoverWindow)
	if err != nil || len(inst) != 1 || inst[0].Metadata["name"] != "Pixel" {
		t.Fatalf("survey, discovery: %+v %v", inst, err)
	}
	if string(ans[0].Data) != "ok:" || ans[0].Offline || !ans[1].Offline || ans[1].Data != nil {
		t.Fatalf("survey answers: %+v, want an answer and an offline subject", ans)
	}

	// Revoking the phone closes its connection at once.
	acc := r.acc
	acc.Phones = nil
	if err := r.srv.SetAccess(acc); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := desk.Request(ctx, "deskdial.dial.PHONE", []byte("x"), time.Second)
		if errors.Is(err, ErrOffline) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revoked phone still answers: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := r.phoneConn(t); err == nil {
		t.Fatal("revoked phone could log in again")
	}
}

func TestWrongPinAndPermissions(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	if _, err := r.phoneConn(t, PinCert(fmt.Sprintf("%064x", 1))); err == nil || !errors.Is(err, ErrCertMismatch) {
		t.Fatalf("connect with wrong pin: %v, want ErrCertMismatch", err)
	}
	// An unknown nkey cannot log in.
	stranger := newUser(t)
	if _, err := Connect(ctx, URLs(r.srv.LoopbackURL()), PinCert(r.srv.Fingerprint()), Nkey(stranger), ConnectTimeout(2*time.Second)); err == nil {
		t.Fatal("unknown nkey logged in")
	}
	// The pairing login may publish only the desktop's pairing subject.
	desk := r.desktop(t)
	got := make(chan string, 4)
	for _, s := range []string{"deskdial.pair.DESK", "deskdial.status.DESK"} {
		if _, err := desk.Subscribe(ctx, s, func(m Msg) { got <- m.Subject; _ = m.Respond([]byte("hi")) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := desk.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	pair, err := Connect(ctx, URLs(r.srv.LoopbackURL()), PinCert(r.srv.Fingerprint()), UserPass(PairUser, "DESK"), Inbox(PairInboxPrefix))
	if err != nil {
		t.Fatal(err)
	}
	defer pair.Close()
	_ = pair.Publish("deskdial.status.DESK", []byte("forged"))
	b, err := pair.Request(ctx, "deskdial.pair.DESK", []byte("join"), 2*time.Second)
	if err != nil || string(b) != "hi" {
		t.Fatalf("pairing request: %q %v", b, err)
	}
	if s := <-got; s != "deskdial.pair.DESK" {
		t.Fatalf("desktop got %s from the pairing login", s)
	}
	select {
	case s := <-got:
		t.Fatalf("pairing login reached %s", s)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestStartServerAnyPort: port 0 is any free port, as for net.Listen, so two
// servers started with it both run.
func TestStartServerAnyPort(t *testing.T) {
	var ports []int
	for i := 0; i < 2; i++ {
		srv, err := StartServer(t.TempDir(), "127.0.0.1:0", Access{Prefix: "deskdial", DesktopID: "x", DesktopKey: "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Shutdown()
		ports = append(ports, srv.Addr().(*net.TCPAddr).Port)
	}
	if ports[0] == ports[1] || ports[0] == 4222 {
		t.Fatalf("ports %v", ports)
	}
}

// A taken address fails at once, saying so, instead of "server not ready"
// after a long wait.
func TestStartServerAddressInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	acc := Access{Prefix: "deskdial", DesktopID: "DESK", DesktopKey: newUser(t).PublicKey()}
	if _, err := StartServer(t.TempDir(), l.Addr().String(), acc); !errors.Is(err, ErrAddrInUse) {
		t.Fatalf("StartServer on a taken port: %v, want ErrAddrInUse", err)
	}
}

// A wrong .creds file is reported as one, with what it should hold, not
// as nats.go's "nkeys: no nkey seed found".
func TestBadCredsFile(t *testing.T) {
	dir := t.TempDir()
	jwtOnly := "-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.sig\n------END NATS USER JWT------\n"
	for name, tc := range map[string]struct{ content, says string }{
		"notes.txt":     {"hello\n", "has no user JWT"},
		"jwtonly.creds": {jwtOnly, "has no nkey seed"},
		"missing.creds": {"", "no such file"},
	} {
		path := filepath.Join(dir, name)
		if name != "missing.creds" {
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Connect(context.Background(), URLs("nats://127.0.0.1:1"), Creds(path))
		if !errors.Is(err, ErrBadCreds) || !strings.Contains(err.Error(), tc.says) || strings.Contains(err.Error(), "nkeys:") {
			t.Errorf("%s: %v, want ErrBadCreds saying %q", name, err, tc.says)
		}
	}
}

// A server whose certificate this computer does not trust is reported as a
// certificate problem, naming --ca, not as unreachable; with its
// authority given, the same login works.
func TestUntrustedCertificate(t *testing.T) {
	dir := t.TempDir()
	desk := newUser(t)
	acc := Access{Prefix: "deskdial", DesktopID: "DESK", DesktopKey: desk.PublicKey()}
	srv, err := StartServer(dir, "127.0.0.1:0", acc)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	url := fmt.Sprintf("tls://localhost:%d", srv.Addr().(*net.TCPAddr).Port)
	ctx := context.Background()
	_, err = Connect(ctx, URLs(url), Nkey(desk), ConnectTimeout(5*time.Second))
	if !errors.Is(err, ErrUntrustedCert) || !strings.Contains(err.Error(), "--ca FILE") {
		t.Fatalf("connect to a server with an untrusted certificate: %v", err)
	}
	c, err := Connect(ctx, URLs(url), Nkey(desk), RootCA(filepath.Join(dir, CertFile)), ConnectTimeout(5*time.Second))
	if err != nil {
		t.Fatalf("connect with the server's authority given: %v", err)
	}
	c.Close()
}

// A device whose login the server no longer accepts (revoked, unpaired)
// is told so, with what to do, not left to "reconnecting".
func TestLoginRefused(t *testing.T) {
	r := newRig(t)
	if _, err := r.phoneConn(t); err != nil {
		t.Fatalf("paired phone: %v", err)
	}
	acc := r.acc
	acc.Phones = nil
	if err := r.srv.SetAccess(acc); err != nil {
		t.Fatal(err)
	}
	_, err := r.phoneConn(t)
	if !errors.Is(err, ErrLoginRefused) || !strings.Contains(err.Error(), "pair this device again") {
		t.Fatalf("revoked phone connects: %v, want ErrLoginRefused", err)
	}
}

// TestWaitReadyReportsStartError: a server that cannot start says why at
// once (nats-server only logs it), rather than after the long wait a
// slow start on a loaded machine is given. Here the port is taken after
// any check could have seen it free.
func TestWaitReadyReportsStartError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, NoSigs: true, NoSystemAccount: true})
	if err != nil {
		t.Fatal(err)
	}
	log := &startLog{failed: make(chan string, 1)}
	ns.SetLoggerV2(log, false, false, false)
	ns.Start()
	defer ns.Shutdown()
	done := make(chan error, 1)
	go func() { done <- waitReady(ns, log.failed, startWait) }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("waitReady on a taken port: %v, want ErrNotReady saying the address is in use", err)
		}
	case <-time.After(startWait / 2):
		t.Fatal("waitReady waited for a server that had failed to start")
	}
}

// TestPingIntervalFollowsPairedPhones: with no phone paired only the
// desktop's own connections can log in, and the server pings rarely (the
// idle tray sleeps); a paired phone gets the short interval that evicts it
// quickly when it vanishes, and is still served after the change.
func TestPingIntervalFollowsPairedPhones(t *testing.T) {
	ctx := context.Background()
	desk, phone := newUser(t), newUser(t)
	acc := Access{Prefix: "deskdial", DesktopID: "DESK", DesktopKey: desk.PublicKey()}
	srv, err := StartServer(t.TempDir(), freePort(t), acc)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	if got := srv.PingInterval(); got != LoopbackPingInterval {
		t.Fatalf("no phone paired: ping interval %s, want %s", got, LoopbackPingInterval)
	}
	dc, err := Connect(ctx, InProcess(srv), Nkey(desk), Inbox(InboxPrefix("DESK")))
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	acc.Phones = []Phone{{ID: "PHONE", Nkey: phone.PublicKey()}}
	if err := srv.SetAccess(acc); err != nil {
		t.Fatal(err)
	}
	if got := srv.PingInterval(); got != ServerPingInterval {
		t.Fatalf("a phone paired: ping interval %s, want %s", got, ServerPingInterval)
	}
	ph, err := Connect(ctx, URLs(srv.LoopbackURL()), PinCert(srv.Fingerprint()), Nkey(phone), Inbox(InboxPrefix("PHONE")))
	if err != nil {
		t.Fatal(err)
	}
	defer ph.Close()
	if _, err := ph.Subscribe(ctx, "deskdial.dial.PHONE", func(m Msg) { _ = m.Respond([]byte("ok")) }); err != nil {
		t.Fatal(err)
	}
	if err := ph.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if b, err := dc.Request(ctx, "deskdial.dial.PHONE", []byte("x"), 3*time.Second); err != nil || string(b) != "ok" {
		t.Fatalf("request after the change: %q, %v", b, err)
	}
	acc.Phones = nil
	if err := srv.SetAccess(acc); err != nil {
		t.Fatal(err)
	}
	if got := srv.PingInterval(); got != LoopbackPingInterval {
		t.Fatalf("the phone unpaired: ping interval %s, want %s", got, LoopbackPingInterval)
	}
}
