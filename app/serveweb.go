package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"

	"github.com/deskdial/deskdial/internal/webagent"
)

// cmdServeWeb serves the phone agent in the browser for a hosted relay: the
// same page the desktop serves on the LAN, with the relay's real
// certificate. The page connects to the relay's NATS WebSocket address that
// the pairing offer names; --nats passes WebSocket upgrades on /nats to it,
// so page and socket can share one origin here too.
func cmdServeWeb(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve-web")
	listen := fs.String("listen", ":8443", "address to serve HTTPS on")
	certFile := fs.String("cert", "", "TLS certificate (PEM, with its chain) of the page's host name")
	keyFile := fs.String("key", "", "TLS private key (PEM)")
	natsURL := fs.String("nats", "", "NATS WebSocket listener (ws:// or wss://) to pass /nats on to; empty: none")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("serve-web takes no arguments")
	}
	if *certFile == "" || *keyFile == "" {
		return usageErr("serve-web needs --cert and --key: phones open the page over HTTPS only")
	}
	if *natsURL != "" {
		if u, err := url.Parse(*natsURL); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return usageErr("--nats %q is not a ws:// or wss:// address", *natsURL)
		}
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		return fmt.Errorf("load the certificate: %w", err)
	}
	srv, err := webagent.Listen(*listen, cert, webagent.Config{NATS: *natsURL})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Serving the phone page on https://%s (pairing links: https://HOST%s/pair#OFFER)\n", srv.Addr(), portOf(srv.Port()))
	return srv.Run(ctx)
}

func portOf(p int) string {
	if p == 443 {
		return ""
	}
	return fmt.Sprintf(":%d", p)
}
