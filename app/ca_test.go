package main

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/deskdial/deskdial/internal/bus/bustest"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/relay"
	"github.com/deskdial/deskdial/internal/relay/testcerts"
)

// privateCA makes a certificate authority nobody trusts but the test, and
// a server certificate for 127.0.0.1 it signed: a relay's, as a company
// runs it.
func privateCA(t *testing.T) (ca, cert, key string) {
	t.Helper()
	dir := t.TempDir()
	if err := testcerts.Make(dir); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "ca.pem"), filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
}

// `deskdial phone --ca FILE` reaches a desktop on a relay whose
// certificate comes from a private authority.
func TestPhoneWithPrivateCA(t *testing.T) {
	ca, cert, key := privateCA(t)
	url := bustest.TLSURL(bustest.Start(t, bustest.TLS(t, cert, key)))
	phone := dpHome(t, "")
	desk, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := device.OpenRegistry(phone)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Add(device.Peer{ID: desk.ID, Name: "Laptop", Role: device.RoleDesktop, SignPub: desk.SignPub,
		CurvePub: desk.CurvePub, AddedAt: time.Now(), Server: url}); err != nil {
		t.Fatal(err)
	}
	ph := dpStart(t, phone, "phone", "--backend", "log:"+filepath.Join(phone, "dialled.log"), "--ca", ca)
	ph.waitFor("Connected to Laptop")
}

// `deskdial admin push --ca FILE` pushes the accounts to a relay whose
// certificate comes from a private authority; without it, the certificate
// is the problem named, with --ca.
func TestAdminPushWithPrivateCA(t *testing.T) {
	ca, cert, key := privateCA(t)
	dir := t.TempDir()
	ops := filepath.Join(dir, "ops")
	if _, errs, code := runAdmin(t, "admin", "--dir", ops, "init", "--name", "acme", "--url", "tls://127.0.0.1:1"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errs)
	}
	t.Chdir(dir) // the resolver keeps account JWTs in ./jwt
	opts, err := server.ProcessConfigFile(filepath.Join(ops, relay.AccountsConf))
	if err != nil {
		t.Fatal(err)
	}
	opts.Host, opts.Port, opts.NoLog, opts.NoSigs = "127.0.0.1", -1, true, true
	opts.JetStream, opts.StoreDir = true, filepath.Join(dir, "js")
	bustest.TLS(t, cert, key)(opts)
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(srv.Shutdown)
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server did not start")
	}
	url := fmt.Sprintf("tls://127.0.0.1:%d", srv.Addr().(*net.TCPAddr).Port)
	if _, errs, code := runAdmin(t, "admin", "--dir", ops, "add-user", "alice"); code != 0 {
		t.Fatalf("add-user: exit %d: %s", code, errs)
	}
	_, errs, code := runAdmin(t, "--server", url, "admin", "--dir", ops, "push")
	if code == 0 || !strings.Contains(errs, "--ca") {
		t.Fatalf("push without the authority: exit %d: %s", code, errs)
	}
	out, errs, code := runAdmin(t, "--server", url, "--ca", ca, "admin", "--dir", ops, "push")
	if code != 0 || !strings.Contains(out, "Pushed 1 account.") {
		t.Fatalf("push --ca: exit %d: %q %s", code, out, errs)
	}
	// --ca is a global flag: after admin, too.
	out, errs, code = runAdmin(t, "--server", url, "admin", "--dir", ops, "--ca", ca, "push")
	if code != 0 || !strings.Contains(out, "Pushed 1 account.") {
		t.Fatalf("push --ca after the command: exit %d: %q %s", code, out, errs)
	}
}
