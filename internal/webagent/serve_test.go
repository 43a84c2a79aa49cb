package webagent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/device"
)

type signer struct{ id *device.Identity }

func (s signer) PublicKey() string                 { return s.id.SignPub }
func (s signer) Sign(nonce []byte) ([]byte, error) { return s.id.Sign(nonce) }

// stack is the embedded server with the page served next to it, as the
// desktop runs them.
type stack struct {
	srv         *bus.Server
	web         *Server
	desk, ph    *device.Identity
	base, wsURL string
}

func startStack(t *testing.T, desk, phone *device.Identity, dir string) *stack {
	t.Helper()
	acc := bus.Access{Prefix: "deskdial", DesktopID: desk.ID.String(), DesktopKey: desk.SignPub}
	if phone != nil {
		acc.Phones = []bus.Phone{{ID: phone.ID.String(), Nkey: phone.SignPub}}
	}
	srv, err := bus.StartServer(dir, "127.0.0.1:0", acc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	cert := srv.Certificate()
	web, err := Listen("127.0.0.1:0", cert, Config{NATS: srv.WebSocketURL(), NATSCert: &cert})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- web.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	base := "https://127.0.0.1:" + strconv.Itoa(web.Port())
	return &stack{srv: srv, web: web, desk: desk, ph: phone, base: base, wsURL: "wss://127.0.0.1:" + strconv.Itoa(web.Port()) + NATSPath}
}

// pinnedClient trusts exactly the certificate with fingerprint fp, as a
// phone that accepted it once does.
func pinnedClient(fp string) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || bus.Fingerprint(raw[0]) != fp {
				return errors.New("not the pinned certificate")
			}
			return nil
		},
	}}}
}

// TestServePage: one HTTPS origin, with the embedded server's own
// certificate, serves the page (at / and at the pairing path), its bundle,
// manifest, service worker and icon, with headers that keep it from
// loading anything from elsewhere; other paths are not found.
func TestServePage(t *testing.T) {
	st := startStack(t, identity(t, "desk"), nil, t.TempDir())
	c := pinnedClient(st.srv.Fingerprint())
	for path, want := range map[string]string{
		"/": "<title>deskdial</title>", PairPath: `src="/app.js"`, "/app.js": "source-digest",
		"/manifest.webmanifest": `"start_url"`, "/sw.js": "self.addEventListener", "/style.css": ".call",
		"/icons/app-256.png": "\x89PNG",
	} {
		res, err := c.Get(st.base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d, body without %q", path, res.StatusCode, want)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
	for path, code := range map[string]int{"/secret": 404, "/../server-key.pem": 404, "/web/static/index.html": 404, NATSPath: 400} {
		res, err := c.Get(st.base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != code {
			t.Errorf("GET %s: %d, want %d", path, res.StatusCode, code)
		}
	}
}

// TestNATSOverPageOrigin: NATS over WebSocket on the page's own origin
// reaches the embedded server, with the same logins as TCP: a paired
// phone's nkey gets its dial requests; the pairing login reaches only the
// pairing subject; an unknown key is turned away.
func TestNATSOverPageOrigin(t *testing.T) {
	desk, phone, stranger := identity(t, "desk"), identity(t, "phone"), identity(t, "stranger")
	st := startStack(t, desk, phone, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dconn, err := bus.Connect(ctx, bus.InProcess(st.srv), bus.Nkey(signer{desk}), bus.Inbox(bus.InboxPrefix(desk.ID.String())))
	if err != nil {
		t.Fatal(err)
	}
	defer dconn.Close()
	pconn, err := bus.Connect(ctx, bus.URLs(st.wsURL), bus.Nkey(signer{phone}), bus.PinCert(st.srv.Fingerprint()),
		bus.Inbox(bus.InboxPrefix(phone.ID.String())), bus.ConnectTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("phone over wss: %v", err)
	}
	defer pconn.Close()
	subj := "deskdial.dial." + phone.ID.String()
	if _, err := pconn.Subscribe(ctx, subj, func(m bus.Msg) { _ = m.Respond(append([]byte("got "), m.Data...)) }); err != nil {
		t.Fatal(err)
	}
	if err := pconn.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := dconn.Request(ctx, subj, []byte("ping"), 5*time.Second)
	if err != nil || string(got) != "got ping" {
		t.Fatalf("request through the page's origin: %q, %v", got, err)
	}

	pair, err := bus.Connect(ctx, bus.URLs(st.wsURL), bus.UserPass(bus.PairUser, desk.ID.String()), bus.PinCert(st.srv.Fingerprint()),
		bus.Inbox(bus.PairInboxPrefix), bus.ConnectTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("pairing login over wss: %v", err)
	}
	defer pair.Close()
	if _, err := dconn.Subscribe(ctx, "deskdial.pair."+desk.ID.String(), func(m bus.Msg) { _ = m.Respond([]byte("hello")) }); err != nil {
		t.Fatal(err)
	}
	if err := dconn.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := pair.Request(ctx, "deskdial.pair."+desk.ID.String(), []byte("join"), 5*time.Second); err != nil || string(got) != "hello" {
		t.Fatalf("pairing request over wss: %q, %v", got, err)
	}

	_, err = bus.Connect(ctx, bus.URLs(st.wsURL), bus.Nkey(signer{stranger}), bus.PinCert(st.srv.Fingerprint()), bus.ConnectTimeout(5*time.Second))
	if err == nil {
		t.Fatal("an unpaired key logged in over wss")
	}
}

func TestBaseURLs(t *testing.T) {
	got := BaseURLs([]string{"tls://192.168.1.20:4248", "tls://127.0.0.1:4248"}, 4249)
	want := []string{"https://192.168.1.20:4249", "https://127.0.0.1:4249"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("BaseURLs = %v", got)
	}
	if l, _ := ListenFor("0.0.0.0:4248"); l != "0.0.0.0:4249" {
		t.Fatalf("ListenFor = %s", l)
	}
	if l, _ := ListenFor("127.0.0.1:0"); l != "127.0.0.1:0" {
		t.Fatalf("ListenFor = %s", l)
	}
	if got := PairURL("https://h:1/", "deskdial://pair?v=1&n=a+b"); got != "https://h:1/pair#deskdial://pair?v=1&n=a+b" {
		t.Fatalf("PairURL = %s", got)
	}
}
