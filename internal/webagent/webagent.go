// Package webagent is deskdial's phone agent in the browser: a page that
// pairs with a desktop from the pairing QR code, keeps its keys in the
// browser, and turns each dial request into one big Call button (a tel:
// link). This package embeds the page and serves it over HTTPS, passing
// WebSocket upgrades on to the NATS server's WebSocket listener, so the
// page and its NATS connection share one origin and the phone accepts a
// self-signed certificate once.
//
// The page's source is in web/ (plain ES modules); web/build.mjs bundles it
// with esbuild into dist/app.js, which is committed so that `go build`
// needs no node. TestBundleFresh fails when the two disagree.
package webagent

import (
	"crypto/tls"
	"crypto/x509"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
	"time"
)

//go:generate go run ./gen -out web/src/numtable.js
//go:generate node web/build.mjs

//go:embed dist/app.js web/static
var files embed.FS

// ErrBadTarget is returned for a NATS WebSocket address Handler cannot
// pass upgrades on to.
var ErrBadTarget = errors.New("webagent: bad NATS WebSocket address")

// Paths the page is served at. PairPath carries the offer in the URL
// fragment, which browsers never send to a server.
const (
	PairPath = "/pair"
	NATSPath = "/nats"
)

// Config says where the page's NATS connection goes.
type Config struct {
	// NATS is the NATS server's WebSocket listener ("wss://127.0.0.1:PORT")
	// that upgrades on NATSPath are passed on to; "" serves the page only
	// (a hosted relay, whose offers name its own wss:// address).
	NATS string
	// NATSCert is the certificate the NATS WebSocket listener presents;
	// the pass-on connection accepts exactly that one. nil: the listener's
	// certificate is checked against the system's roots.
	NATSCert *tls.Certificate
}

// PairURL is the address a phone's camera opens: the page, with the offer
// URI in the fragment. base is "https://HOST:PORT".
func PairURL(base, offerURI string) string {
	return strings.TrimSuffix(base, "/") + PairPath + "#" + offerURI
}

// Handler serves the page, its service worker, manifest and icons, and
// passes WebSocket upgrades on NATSPath to cfg.NATS.
func Handler(cfg Config) (http.Handler, error) {
	static, err := fs.Sub(files, "web/static")
	if err != nil {
		return nil, fmt.Errorf("webagent: embedded files: %w", err)
	}
	app, err := files.ReadFile("dist/app.js")
	if err != nil {
		return nil, fmt.Errorf("webagent: embedded bundle: %w", err)
	}
	index, err := fs.ReadFile(static, "index.html")
	if err != nil {
		return nil, fmt.Errorf("webagent: embedded page: %w", err)
	}
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(index)
	}
	mux.HandleFunc("GET /{$}", page)
	mux.HandleFunc("GET "+PairPath, page)
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(app)
	})
	fileServer := http.FileServerFS(static)
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		switch p := path.Clean(r.URL.Path); {
		case p == "/sw.js", p == "/manifest.webmanifest", p == "/style.css", strings.HasPrefix(p, "/icons/"):
			w.Header().Set("Cache-Control", "no-cache")
			fileServer.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
	if cfg.NATS != "" {
		proxy, err := natsProxy(cfg)
		if err != nil {
			return nil, err
		}
		mux.Handle("GET "+NATSPath, proxy)
	}
	return secureHeaders(mux), nil
}

// secureHeaders keeps the page from being framed or loading anything from
// elsewhere: it must never run code it does not carry.
func secureHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' wss:; img-src 'self' data:; "+
			"style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// natsProxy passes WebSocket upgrades on to the NATS listener, and refuses
// everything else on NATSPath.
func natsProxy(cfg Config) (http.Handler, error) {
	u, err := url.Parse(cfg.NATS)
	if err != nil || u.Host == "" || (u.Scheme != "ws" && u.Scheme != "wss") {
		return nil, fmt.Errorf("%w: %q", ErrBadTarget, cfg.NATS)
	}
	target := &url.URL{Scheme: "http", Host: u.Host}
	tr := &http.Transport{ResponseHeaderTimeout: 10 * time.Second, DisableCompression: true}
	if u.Scheme == "wss" && cfg.NATSCert == nil {
		// A relay's listener with a certificate from a public CA.
		target.Scheme = "https"
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()}
	} else if u.Scheme == "wss" {
		target.Scheme = "https"
		if len(cfg.NATSCert.Certificate) == 0 {
			return nil, fmt.Errorf("%w: no certificate to expect", ErrBadTarget)
		}
		want := cfg.NATSCert.Certificate[0]
		tr.TLSClientConfig = &tls.Config{
			MinVersion:         tls.VersionTLS12,
			InsecureSkipVerify: true, // replaced by the exact certificate below
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 || string(raw[0]) != string(want) {
					return errors.New("webagent: NATS WebSocket listener presents another certificate")
				}
				return nil
			},
		}
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = "/"
			pr.Out.Host = target.Host
			// nats-server checks no origin here (same_origin is off); the
			// browser's Origin is this server's own anyway.
		},
		Transport: tr,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "the NATS server is not reachable", http.StatusBadGateway)
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			http.Error(w, "this address takes WebSocket connections only", http.StatusBadRequest)
			return
		}
		rp.ServeHTTP(w, r)
	}), nil
}
