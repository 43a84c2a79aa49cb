package relay

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer/logdial"
	"github.com/deskdial/deskdial/internal/relay/mint"
	"github.com/deskdial/deskdial/internal/relay/testcerts"
	"github.com/deskdial/deskdial/internal/remote"
)

// tlsDir holds a CA and a server certificate for 127.0.0.1, made once.
// The shipped configuration wants TLS for clients and certificate-checked
// routes; clients trust the CA through SSL_CERT_FILE, which Go reads the
// first time it needs the system roots (after TestMain sets it).
var tlsDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "deskdial-relay-tls-")
	if err != nil {
		panic(err)
	}
	if err := testcerts.Make(dir); err != nil {
		panic(err)
	}
	tlsDir = dir
	os.Setenv("SSL_CERT_FILE", filepath.Join(dir, "ca.pem"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// shipped is the directory of the shipped server configuration.
func shipped(t testing.TB) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "packaging", "server"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// layout copies the shipped configuration, the store's accounts.conf and
// the certificates into dir, as docs/deploy.md tells an admin to.
func layout(t testing.TB, st *Store, dir string) {
	t.Helper()
	src := shipped(t)
	for _, f := range []string{"relay.conf", "common.conf", "cluster/node-a.conf", "cluster/node-b.conf", "cluster/node-c.conf"} {
		copyFile(t, filepath.Join(src, f), filepath.Join(dir, f))
	}
	if err := os.WriteFile(filepath.Join(dir, AccountsConf), st.AccountsConf(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// loadConf reads a shipped configuration file the way nats-server -c does,
// from workdir (relative paths in it are relative to the working directory,
// as under the systemd unit), and moves listeners to free loopback ports.
func loadConf(t testing.TB, conf, workdir string) *server.Options {
	t.Helper()
	for _, f := range []string{"ca.pem", "server.pem", "server-key.pem"} {
		copyFile(t, filepath.Join(tlsDir, f), filepath.Join(workdir, "tls", f))
	}
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(workdir); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(conf)
	if cerr := os.Chdir(old); cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		t.Fatalf("load %s: %v", conf, err)
	}
	opts.Host, opts.Port = "127.0.0.1", -1
	opts.Websocket.Host, opts.Websocket.Port = "127.0.0.1", -1
	opts.HTTPPort = 0
	opts.StoreDir = filepath.Join(workdir, "jetstream")
	opts.NoSigs, opts.NoLog = true, true
	return opts
}

func startServer(t testing.TB, opts *server.Options) *server.Server {
	t.Helper()
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("relay did not start")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

func clientURL(s *server.Server) string {
	return fmt.Sprintf("tls://127.0.0.1:%d", s.Addr().(*net.TCPAddr).Port)
}

// ident makes a device identity in a fresh directory.
func ident(t testing.TB) (*device.Identity, string) {
	t.Helper()
	dir := t.TempDir()
	id, err := device.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	return id, dir
}

// phoneCreds is what a phone stores after pairing with a desktop that holds
// the minting keys: the JWT issued for its own key, with its own seed.
func phoneCreds(t testing.TB, m *mint.Minter, id *device.Identity, dir string) string {
	t.Helper()
	tok, err := m.Phone(id.ID, id.SignPub)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := id.SignKP().Seed()
	if err != nil {
		t.Fatal(err)
	}
	b, err := mint.Creds(tok, seed)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "relay.creds")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func peerOf(id *device.Identity, name string, role device.Role, server string) device.Peer {
	return device.Peer{ID: id.ID, Name: name, Role: role, SignPub: id.SignPub, CurvePub: id.CurvePub,
		AddedAt: time.Now().UTC(), Server: server}
}

// phoneAgent runs the real agent with the log: backend on a phone home,
// connected with creds, until the test ends.
type phoneAgent struct {
	id      *device.Identity
	dir     string
	logPath string
	agent   *agent.Agent
	state   chan bool
	dialer  *recDialer
}

func startPhone(t testing.TB, id *device.Identity, dir, creds string, desktops []device.Peer) *phoneAgent {
	t.Helper()
	reg, err := device.OpenRegistry(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range desktops {
		if err := reg.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	pa := &phoneAgent{id: id, dir: dir, logPath: filepath.Join(dir, "dialled.log"), state: make(chan bool, 64)}
	pa.dialer = &recDialer{Dialer: logdial.New(pa.logPath)}
	a, err := agent.New(agent.Config{Identity: id, Registry: reg, Dialer: pa.dialer, Name: "Pixel", Region: "DE",
		RatePerMinute: 100000, AuditPath: filepath.Join(dir, agent.AuditFile)})
	if err != nil {
		t.Fatal(err)
	}
	pa.agent = a
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	r := &agent.Runner{Agent: a, Identity: id, Registry: reg, Creds: creds, Poll: 50 * time.Millisecond,
		OnState: func(_ string, up bool) {
			select {
			case pa.state <- up:
			default:
			}
		}}
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Close()
	})
	return pa
}

// dialled is what the log backend wrote: one E.164 per accepted dial.
func (p *phoneAgent) dialled(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(p.logPath)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// desktop is a desktop of some user on the hosted relay, using the real
// desktop client.
func desktop(t testing.TB, id *device.Identity, dir, server, creds string, phones ...device.Peer) *remote.Client {
	t.Helper()
	st := config.Default()
	st.Region = "DE"
	d, err := remote.OpenDesktop(config.Paths{Config: dir, Data: dir}, st, server, creds)
	if err != nil {
		t.Fatal(err)
	}
	if d.Identity.ID != id.ID {
		t.Fatal("desktop identity not loaded from its home")
	}
	d.Name = "Laptop"
	for _, p := range phones {
		if err := d.Registry.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := remote.Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// connect opens a raw device connection with creds.
func connect(t testing.TB, url, creds, inboxOwner string) *bus.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := bus.Connect(ctx, bus.URLs(url), bus.Creds(creds), bus.Inbox(bus.InboxPrefix(inboxOwner)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func writeCreds(t testing.TB, dir string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, "desktop.creds")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// newStore is a fresh relay store in base/admin (`admin init`) with the
// given users, without limits (`admin add-user`).
func newStore(t testing.TB, base string, users ...string) *Store {
	t.Helper()
	st, err := Init(filepath.Join(base, "admin"), "deskdial-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if _, err := st.AddUser(u, Limits{}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// enrolDesktop is a desktop of user in a fresh home, enrolled as name
// (`admin add-desktop`), with the credentials it was issued written there.
func enrolDesktop(t testing.TB, st *Store, user, name string) (id *device.Identity, dir, creds string) {
	t.Helper()
	id, dir = ident(t)
	b, err := st.AddDesktop(user, id.ID, name)
	if err != nil {
		t.Fatal(err)
	}
	return id, dir, writeCreds(t, dir, b)
}

// minter holds the keys a desktop issues its phones' credentials with, as
// while pairing.
func minter(t testing.TB, desktopCreds string) *mint.Minter {
	t.Helper()
	m, err := mint.FromFile(desktopCreds)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// serveShipped lays out the shipped configuration for st in dir and runs
// one relay from its relay.conf until the test ends.
func serveShipped(t testing.TB, st *Store, dir string) *server.Server {
	t.Helper()
	layout(t, st, dir)
	return startServer(t, loadConf(t, "relay.conf", dir))
}

func userName(t testing.TB, tok string) string {
	uc, err := jwt.DecodeUserClaims(tok)
	if err != nil {
		t.Fatal(err)
	}
	return uc.Name
}
