// Package bustest starts real in-process nats-servers for tests.
package bustest

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Option configures Start.
type Option func(*server.Options)

// Port listens on port (default: a free one). A test that restarts a
// server on the same address passes the port it had.
func Port(port int) Option { return func(o *server.Options) { o.Port = port } }

// JetStream turns JetStream on, storing in dir.
func JetStream(dir string) Option {
	return func(o *server.Options) { o.JetStream, o.StoreDir = true, dir }
}

// TLS serves clients over TLS only, with the certificate and key in PEM
// files (one from a private authority, such as testcerts makes); clients
// reach it at TLSURL.
func TLS(t testing.TB, certFile, keyFile string) Option {
	t.Helper()
	cfg, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: certFile, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	return func(o *server.Options) { o.TLSConfig, o.TLS = cfg, true }
}

// Start runs a nats-server on loopback until the test ends (or until the
// test shuts it down) and waits until it accepts connections.
func Start(t testing.TB, opts ...Option) *server.Server {
	t.Helper()
	o := &server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true}
	for _, fn := range opts {
		fn(o)
	}
	s, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(s.Shutdown)
	return s
}

// URL is the nats:// URL of s.
func URL(s *server.Server) string {
	return "nats://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Addr().(*net.TCPAddr).Port))
}

// TLSURL is the tls:// URL of s, started with TLS.
func TLSURL(s *server.Server) string {
	return "tls://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Addr().(*net.TCPAddr).Port))
}
