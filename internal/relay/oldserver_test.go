package relay

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/testsupport"
)

func freeAddr(t *testing.T) (string, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	host, port, _ := net.SplitHostPort(l.Addr().String())
	return host, port
}

// runDebianRelay runs the system's nats-server (Debian's, 2.9.10 when
// packaging/deps.sh installed it) with the shipped relay.conf laid out for
// st in dir, on loopback ports, until the test ends. It returns the client
// URL and the server's version.
func runDebianRelay(t *testing.T, st *Store, dir string) (string, string) {
	t.Helper()
	bin := testsupport.NeedTool(t, "nats-server")
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	version := strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(string(out), "nats-server:")), "v")
	layout(t, st, dir)
	for _, f := range []string{"ca.pem", "server.pem", "server-key.pem"} {
		copyFile(t, filepath.Join(tlsDir, f), filepath.Join(dir, "tls", f))
	}
	// The shipped file as is, but on free loopback ports.
	conf, err := os.ReadFile(filepath.Join(dir, "relay.conf"))
	if err != nil {
		t.Fatal(err)
	}
	host, port := freeAddr(t)
	_, wsPort := freeAddr(t)
	_, httpPort := freeAddr(t)
	s := string(conf)
	for from, to := range map[string]string{
		"listen: 0.0.0.0:4222": "listen: " + host + ":" + port,
		"listen: 0.0.0.0:8443": "listen: " + host + ":" + wsPort,
		"http: 127.0.0.1:8222": "http: " + host + ":" + httpPort,
	} {
		if !strings.Contains(s, from) {
			t.Fatalf("relay.conf has no %q", from)
		}
		s = strings.Replace(s, from, to, 1)
	}
	if err := os.WriteFile(filepath.Join(dir, "relay.conf"), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", "relay.conf")
	cmd.Dir = dir
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); logf.Close() })
	addr := net.JoinHostPort(host, port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			t.Fatalf("nats-server %s did not start with the shipped configuration:\n%s", version, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "tls://" + addr, version
}

// TestOldServerRefused: Debian's nats-server 2.9.10 runs the shipped
// configuration, but denies every device its reply inbox (it expands
// permission templates only as whole subject tokens). Before, the phone
// dialled while the desktop reported "no answer". Now the desktop and the
// phone both refuse the server, saying which version they need, and
// nothing is dialled.
func TestOldServerRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := t.TempDir()
	st := newStore(t, base, "alice")
	desk, deskDir, deskCreds := enrolDesktop(t, st, "alice", "laptop")
	url, version := runDebianRelay(t, st, filepath.Join(base, "relay"))
	if bus.ServerVersionOK(version) {
		t.Skipf("nats-server %s is new enough; this test needs one older than %s", version, bus.MinServerVersion)
	}
	ph, phDir := ident(t)
	pCreds := phoneCreds(t, minter(t, deskCreds), ph, phDir)
	phone := startPhone(t, ph, phDir, pCreds, []device.Peer{peerOf(desk, "Laptop", device.RoleDesktop, url)})

	// The desktop: a clear refusal when it connects.
	cfg := config.Default()
	cfg.Region = "DE"
	d, err := remote.OpenDesktop(config.Paths{Config: deskDir, Data: deskDir}, cfg, url, deskCreds)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Registry.Add(peerOf(ph, "Pixel", device.RolePhone, "")); err != nil {
		t.Fatal(err)
	}
	c, err := remote.Open(ctx, d)
	if err == nil {
		c.Close()
		t.Fatal("the desktop connected to a relay too old for it")
	}
	if !errors.Is(err, bus.ErrServerTooOld) || !strings.Contains(err.Error(), version) || !strings.Contains(err.Error(), bus.MinServerVersion) {
		t.Fatalf("desktop on nats-server %s: %v, want a refusal naming both versions", version, err)
	}

	// The phone: it leaves the server instead of taking dial requests.
	testsupport.WaitForWithin(t, 15*time.Second, "the phone to refuse the server", func() bool {
		select {
		case up := <-phone.state:
			return !up
		default:
			return false
		}
	})
	// Nobody serves its dial subject: a request sent around deskdial's
	// own check, by a login with every permission, finds no phone.
	raw := rawNATS(t, url, accountAdmin(t, st, "alice", base), nil)
	if _, err := raw.Request(protocol.SubjectDial(Prefix, ph.ID), []byte("x"), 3*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("a dial request on nats-server %s: %v, want no responders", version, err)
	}
	if got := phone.dialled(t); len(got) != 0 {
		t.Fatalf("the phone dialled %v", got)
	}
}
