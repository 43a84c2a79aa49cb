package webagent

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Server is the page's HTTPS server.
type Server struct {
	ln  net.Listener
	srv *http.Server
}

// Listen opens the HTTPS listener on addr ("host:port") with cert. Run
// serves it.
func Listen(addr string, cert tls.Certificate, cfg Config) (*Server, error) {
	h, err := Handler(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("webagent: listen on %s: %w", addr, err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	return &Server{
		ln: tls.NewListener(ln, tc),
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    16 << 10,
			// A phone on the LAN that does not yet accept the certificate
			// fails every handshake; that is expected, not worth a log line.
			ErrorLog: nil,
		},
	}, nil
}

// Addr is the address the server listens on, with the real port.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Run serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = s.srv.Shutdown(sctx)
	}()
	err := s.srv.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-done
		return nil
	}
	return fmt.Errorf("webagent: serve: %w", err)
}

// ListenFor returns the page's address next to the NATS server's: the same
// host, the next port ("0.0.0.0:4248" -> "0.0.0.0:4249"); a random port
// stays random.
func ListenFor(natsListen string) (string, error) {
	host, port, err := net.SplitHostPort(natsListen)
	if err != nil {
		return "", fmt.Errorf("webagent: listen address %q: %w", natsListen, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p >= 65535 {
		return "", fmt.Errorf("webagent: listen port %q is not a port", port)
	}
	if p != 0 {
		p++
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil
}

// BaseURLs turns the NATS server's addresses ("tls://IP:PORT") into the
// page's ("https://IP:PORT" with the page's port), in the same order.
func BaseURLs(natsURLs []string, port int) []string {
	var out []string
	for _, s := range natsURLs {
		u, err := url.Parse(s)
		if err != nil || !validHost(u.Hostname()) {
			continue
		}
		out = append(out, "https://"+net.JoinHostPort(u.Hostname(), strconv.Itoa(port)))
	}
	return out
}

// validHost accepts an IP address or a DNS name.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 || strings.HasPrefix(h, "-") || strings.HasPrefix(h, ".") {
		return false
	}
	return strings.Trim(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == ""
}
