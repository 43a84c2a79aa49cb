package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/relay"
	"github.com/deskdial/deskdial/internal/relay/mint"
)

func runAdmin(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// TestAdminEnrolAndRevoke walks docs/deploy.md with the operator's
// commands against a real server in operator mode that loads the
// accounts.conf `admin init` wrote.
func TestAdminEnrolAndRevoke(t *testing.T) {
	dir := t.TempDir()
	ops := filepath.Join(dir, "ops")
	if _, errs, code := runAdmin(t, "admin", "--dir", ops, "init", "--name", "acme", "--url", "nats://127.0.0.1:1"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errs)
	}
	// The resolver keeps account JWTs in ./jwt, relative to where the
	// server runs.
	t.Chdir(dir)
	opts, err := server.ProcessConfigFile(filepath.Join(ops, relay.AccountsConf))
	if err != nil {
		t.Fatal(err)
	}
	opts.Host, opts.Port, opts.NoLog, opts.NoSigs = "127.0.0.1", -1, true, true
	opts.JetStream, opts.StoreDir = true, filepath.Join(dir, "js")
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(srv.Shutdown)
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server did not start")
	}
	url := fmt.Sprintf("nats://127.0.0.1:%d", srv.Addr().(*net.TCPAddr).Port)

	out, errs, code := runAdmin(t, "--server", url, "admin", "--dir", ops, "add-user", "alice")
	if code != 0 || !strings.Contains(out, "bucket made") {
		t.Fatalf("add-user: exit %d: %s%s", code, out, errs)
	}
	if _, _, code := runAdmin(t, "admin", "--dir", ops, "add-user", "alice"); code == 0 {
		t.Fatal("a second user alice was made")
	}
	idOut, errs, code := runAdmin(t, "--home", filepath.Join(dir, "desk"), "admin", "id")
	if code != 0 {
		t.Fatalf("id: exit %d: %s", code, errs)
	}
	creds := filepath.Join(dir, "laptop.creds")
	if _, errs, code := runAdmin(t, "admin", "--dir", ops, "add-desktop", "alice", strings.TrimSpace(idOut), "--label", "laptop", "--out", creds); code != 0 {
		t.Fatalf("add-desktop: exit %d: %s", code, errs)
	}
	if _, err := mint.FromFile(creds); err != nil {
		t.Fatalf("the desktop's creds cannot issue phone credentials: %v", err)
	}
	if _, _, code := runAdmin(t, "admin", "--dir", ops, "add-desktop", "alice", "not-an-id"); code != exitUsage {
		t.Fatalf("add-desktop with a bad ID: exit %d, want %d", code, exitUsage)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := bus.Connect(ctx, bus.URLs(url), bus.Creds(creds))
	if err != nil {
		t.Fatalf("the desktop logs in: %v", err)
	}
	defer conn.Close()

	if out, errs, code := runAdmin(t, "--server", url, "admin", "--dir", ops, "revoke", "alice", "laptop"); code != 0 {
		t.Fatalf("revoke: exit %d: %s%s", code, out, errs)
	}
	deadline := time.Now().Add(10 * time.Second)
	for conn.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("the revoked desktop is still connected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := bus.Connect(ctx, bus.URLs(url), bus.Creds(creds), bus.ConnectTimeout(2*time.Second)); err == nil {
		t.Fatal("the revoked desktop logged in again")
	}
	out, _, _ = runAdmin(t, "admin", "--dir", ops, "list")
	if !strings.Contains(out, "revoked") {
		t.Fatalf("list does not show the revocation:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(ops, relay.StoreFile)); err != nil {
		t.Fatal(err)
	}

	// A phone paired with this desktop is revoked by its name or ID.
	home := filepath.Join(dir, "desk")
	phone, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := device.OpenRegistry(home)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Add(device.Peer{ID: phone.ID, Name: "Pixel", Role: device.RolePhone, SignPub: phone.SignPub, CurvePub: phone.CurvePub}); err != nil {
		t.Fatal(err)
	}
	out, errs, code = runAdmin(t, "--home", home, "--server", url, "admin", "--dir", ops, "revoke", "alice", "Pixel")
	if code != 0 || !strings.Contains(out, "Revoked phone Pixel ("+phone.ID.Short()+").") {
		t.Fatalf("revoke by phone name: exit %d: %s%s", code, out, errs)
	}
	out, _, _ = runAdmin(t, "admin", "--dir", ops, "list")
	if !strings.Contains(out, phone.SignPub) || !strings.Contains(out, "Pixel") {
		t.Fatalf("list does not show the revoked phone:\n%s", out)
	}
	// A device found nowhere says how phones are named.
	_, errs, code = runAdmin(t, "--home", home, "admin", "--dir", ops, "revoke", "alice", "Nokia")
	if code == 0 || !strings.Contains(errs, "login key") {
		t.Fatalf("revoke of an unknown device: exit %d: %s", code, errs)
	}
	// A revocation by login key names what it revoked, not an empty label.
	other, _ := device.LoadOrCreate(t.TempDir())
	out, errs, code = runAdmin(t, "--server", url, "admin", "--dir", ops, "revoke", "alice", other.SignPub)
	if code != 0 || !strings.Contains(out, "Revoked phone "+other.SignPub+".") {
		t.Fatalf("revoke by login key: exit %d: %q%s", code, out, errs)
	}
	out, errs, code = runAdmin(t, "--server", url, "admin", "--dir", ops, "push")
	if code != 0 || !strings.Contains(out, "Pushed 1 account.") {
		t.Fatalf("push: exit %d: %q%s", code, out, errs)
	}
}
