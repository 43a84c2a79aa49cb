package jskv

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/deskdial/deskdial/internal/bus/bustest"
)

func startServer(t *testing.T, port int, dir string) *server.Server {
	t.Helper()
	return bustest.Start(t, bustest.Port(port), bustest.JetStream(dir))
}

type update struct {
	key, val string
	deleted  bool
}

func TestPutGetWatchAcrossServerRestart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	srv := startServer(t, -1, dir)
	port := srv.Addr().(*net.TCPAddr).Port
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	nc, err := nats.Connect(srv.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	if _, err := Bind(ctx, nc, "calls"); !errors.Is(err, ErrBucket) {
		t.Fatalf("Bind to a missing bucket = %v, want ErrBucket", err)
	}
	kv, err := Create(ctx, nc, "calls", WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := kv.Get(ctx, "recent.none"); v != nil || err != nil {
		t.Fatalf("Get of a missing key = %q, %v; want nil, nil", v, err)
	}
	if err := kv.Put(ctx, "recent.a", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if v, err := kv.Get(ctx, "recent.a"); string(v) != "one" || err != nil {
		t.Fatalf("Get = %q, %v", v, err)
	}

	updates := make(chan update, 16)
	done := make(chan error, 1)
	go func() {
		done <- kv.Watch(ctx, func(k string, v []byte, del bool) error {
			updates <- update{k, string(v), del}
			return nil
		})
	}()
	next := func() update {
		t.Helper()
		select {
		case u := <-updates:
			return u
		case <-time.After(20 * time.Second):
			t.Fatal("no update from Watch")
		}
		return update{}
	}
	if u := next(); u.key != "recent.a" || u.val != "one" {
		t.Fatalf("first update %+v, want the current value", u)
	}
	kv.Put(ctx, "recent.b", []byte("two"))
	if u := next(); u.key != "recent.b" || u.val != "two" {
		t.Fatalf("live update %+v", u)
	}

	// The server restarts; a put made after it is back reaches the
	// watcher, and nothing seen before is delivered again.
	srv.Shutdown()
	srv.WaitForShutdown()
	if err := kv.Put(ctx, "recent.c", []byte("lost")); err == nil {
		t.Fatal("Put with the server down succeeded")
	}
	srv = startServer(t, port, dir)
	deadline := time.Now().Add(20 * time.Second)
	for kv.Put(ctx, "recent.c", []byte("three")) != nil {
		if time.Now().After(deadline) {
			t.Fatal("Put never succeeded after the restart")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The failed put may still be stored: nats.go resends what it
	// buffered while disconnected. Either way, recent.c=three arrives and
	// the values seen before the restart are not replayed.
	for u := next(); u.key != "recent.c" || u.val != "three"; u = next() {
		if u.key != "recent.c" {
			t.Fatalf("update after restart %+v, want only recent.c", u)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Watch returned %v after cancel", err)
	}
}
