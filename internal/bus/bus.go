// Package bus is deskdial's transport: the embedded nats-server, connections
// to it or to a hosted server, request/reply with deskdial's delivery rules,
// and phone presence as a NATS micro service. It is the only package that
// imports nats.go and nats-server; it knows nothing of what the bytes mean
// (they are sealed by internal/protocol before they get here).
package bus

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// Sentinel errors.
var (
	// ErrOffline means nobody listens on the subject: the phone is not
	// connected. The server says so at once ("no responders").
	ErrOffline = errors.New("bus: offline")
	// ErrTimeout means nobody answered in time: the phone may have vanished
	// without closing its connection, or the reply was lost.
	ErrTimeout = errors.New("bus: no answer in time")
	// ErrCertMismatch means the server's certificate is not the one paired.
	ErrCertMismatch = errors.New("bus: server certificate does not match the paired fingerprint")
	// ErrNotReady means the embedded server did not start.
	ErrNotReady = errors.New("bus: server not ready")
	// ErrUntrustedCert means the server's TLS certificate is not signed by
	// an authority this computer trusts.
	ErrUntrustedCert = errors.New("bus: the server's certificate is not trusted")
	// ErrLoginRefused means the server does not accept this device's login:
	// it was revoked (or unpaired), has expired, or is not known there.
	// Trying again does not help.
	ErrLoginRefused = errors.New("bus: the server refused this device's login")
	// ErrBadCreds means a .creds file that cannot be used to log in.
	ErrBadCreds = errors.New("bus: not a usable NATS credentials file")
	// ErrClosed means the connection was closed.
	ErrClosed = errors.New("bus: connection closed")
	// ErrServerTooOld means the server is older than MinServerVersion: it
	// cannot apply the permissions deskdial's logins need, so requests
	// would reach the phone while the answers never come back.
	ErrServerTooOld = errors.New("bus: the server is too old for deskdial")
	// ErrRefused means the server refused this connection a permission a
	// request needed (its reply inbox, or the subject): the server or its
	// configuration does not fit this deskdial.
	ErrRefused = errors.New("bus: the server refused a permission")
)

// MinServerVersion is the oldest nats-server a relay login (a .creds
// file: `deskdial admin` and the pairing issue them) works with. The
// relay's permission templates put the device ID inside a subject token
// (`_INBOX_{{name()}}.>`); servers before 2.11.0 expand templates only as
// whole tokens, so they deny every device its own reply inbox. An open
// server without logins applies no permissions and is not checked.
const MinServerVersion = "2.11.0"

// ServerVersionOK reports whether a server's version (as in its INFO,
// "2.11.3" or "v2.12.0-RC.1") is at least MinServerVersion. An unreadable
// version is not OK.
func ServerVersionOK(v string) bool {
	have, ok := parseVersion(v)
	if !ok {
		return false
	}
	want, _ := parseVersion(MinServerVersion)
	for i := range want {
		if have[i] != want[i] {
			return have[i] > want[i]
		}
	}
	return true
}

// parseVersion reads major.minor.patch, ignoring a leading "v" and any
// pre-release or build suffix.
func parseVersion(v string) ([3]int, bool) {
	var out [3]int
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	if i := strings.IndexAny(v, "-+ "); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || len(p) > 6 {
			return out, false
		}
		out[i] = n
	}
	return out, true
}

// tooOld is the error for a server below MinServerVersion, in words an
// admin can act on.
func tooOld(version, url string) error {
	return fmt.Errorf("%w: %s runs nats-server %s, a deskdial relay needs %s or newer; update the relay's nats-server", ErrServerTooOld, url, version, MinServerVersion)
}

// Client ping settings: a client notices a vanished server in a few
// seconds and starts reconnecting.
const (
	ClientPingInterval = 2 * time.Second
	ClientMaxPingsOut  = 2
	ReconnectWait      = 500 * time.Millisecond
	ReconnectJitter    = 500 * time.Millisecond
)

// Signer proves a device's nkey identity to the server.
type Signer interface {
	PublicKey() string
	Sign(nonce []byte) ([]byte, error)
}

type connOpts struct {
	inproc      *Server
	urls        []string
	creds       string
	ca          string
	signer      Signer
	user, pass  string
	pin         string
	inbox       string
	name        string
	retryFirst  bool
	onState     func(connected bool)
	onRefused   func(error)
	connTimeout time.Duration
}

// Option configures Connect.
type Option func(*connOpts)

// InProcess connects to the embedded server inside this process, without a
// socket or TLS.
func InProcess(s *Server) Option { return func(o *connOpts) { o.inproc = s } }

// URLs names the servers to connect to (tried in random order, as nats.go does).
func URLs(urls ...string) Option { return func(o *connOpts) { o.urls = urls } }

// Creds logs in with a NATS .creds file (hosted servers).
func Creds(file string) Option { return func(o *connOpts) { o.creds = file } }

// RootCA trusts the certificate authorities in a PEM file for the server's
// certificate (a relay with a certificate from a private CA), besides the
// system's.
func RootCA(file string) Option { return func(o *connOpts) { o.ca = file } }

// Nkey logs in with the device's nkey.
func Nkey(s Signer) Option { return func(o *connOpts) { o.signer = s } }

// UserPass logs in with a user name and password (the pairing login).
func UserPass(user, pass string) Option { return func(o *connOpts) { o.user, o.pass = user, pass } }

// PinCert accepts only a server certificate with this SHA-256 fingerprint.
func PinCert(fp string) Option { return func(o *connOpts) { o.pin = fp } }

// Inbox sets the reply inbox prefix ("_INBOX_<deviceID>").
func Inbox(prefix string) Option { return func(o *connOpts) { o.inbox = prefix } }

// Name names the connection in server monitoring.
func Name(n string) Option { return func(o *connOpts) { o.name = n } }

// KeepTrying makes Connect return at once even if no server is reachable
// yet, and keep trying in the background (the phone agent).
func KeepTrying() Option { return func(o *connOpts) { o.retryFirst = true } }

// OnState reports connects and disconnects.
func OnState(fn func(connected bool)) Option { return func(o *connOpts) { o.onState = fn } }

// OnRefused hears each time the server refuses the login while the
// connection tries to reconnect (the device was revoked or unpaired while
// connected): an error wrapping ErrLoginRefused that says what to do.
// nats.go would otherwise keep retrying in silence.
func OnRefused(fn func(error)) Option { return func(o *connOpts) { o.onRefused = fn } }

// ConnectTimeout bounds the first connection attempt.
func ConnectTimeout(d time.Duration) Option { return func(o *connOpts) { o.connTimeout = d } }

// Conn is one connection to a server.
type Conn struct {
	nc      *nats.Conn
	inbox   string
	denied  *denials
	refused func() error // why the connection was left, if it was
}

// denials keeps the server's last permission violations, so a request
// that gets no answer because its inbox or subject was denied says so
// instead of timing out.
type denials struct {
	mu   sync.Mutex
	last []string // newest last, a few at most
}

func (d *denials) add(msg string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.last) >= 8 {
		d.last = d.last[1:]
	}
	d.last = append(d.last, msg)
}

// about returns the newest violation naming one of the subjects.
func (d *denials) about(subjects ...string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := len(d.last) - 1; i >= 0; i-- {
		for _, s := range subjects {
			if s != "" && strings.Contains(d.last[i], s) {
				return d.last[i]
			}
		}
	}
	return ""
}

// Connect opens a connection. It reconnects for ever with a short backoff.
func Connect(ctx context.Context, opts ...Option) (*Conn, error) {
	var o connOpts
	for _, fn := range opts {
		fn(&o)
	}
	if o.creds != "" {
		if err := checkCreds(o.creds); err != nil {
			return nil, err
		}
	}
	denied := &denials{}
	// A server too old for the relay's permissions is left at once, on
	// the first connection and on every reconnect (a cluster may have an
	// old node): otherwise a phone would take dial requests whose answers
	// the desktop can never receive.
	var refusedMu sync.Mutex
	var refused error
	checkVersion := func(nc *nats.Conn) bool {
		// Read once: a closing connection reports no version, and the
		// refusal must name the one the server gave.
		version, at := nc.ConnectedServerVersion(), nc.ConnectedUrlRedacted()
		if version == "" {
			return false // closed meanwhile: nothing to report as up
		}
		if o.creds == "" || ServerVersionOK(version) {
			return true
		}
		refusedMu.Lock()
		refused = tooOld(version, at)
		refusedMu.Unlock()
		go nc.Close()
		return false
	}
	no := []nats.Option{
		nats.MaxReconnects(-1),
		nats.ReconnectWait(ReconnectWait),
		nats.ReconnectJitter(ReconnectJitter, ReconnectJitter),
		nats.PingInterval(ClientPingInterval),
		nats.MaxPingsOutstanding(ClientMaxPingsOut),
		nats.ReconnectBufSize(-1), // never replay dial requests after a reconnect
		nats.NoCallbacksAfterClientClose(),
		// nats.go prints asynchronous errors to stderr by default; they
		// reach the caller through OnState and failed requests instead.
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrPermissionViolation) {
				denied.add(err.Error())
			}
			// A login refused on reconnect (revoked while connected):
			// requests on the closed connection say so, not "closed".
			if why := loginRefused(err); why != nil {
				refusedMu.Lock()
				refused = why
				refusedMu.Unlock()
				if o.onRefused != nil {
					o.onRefused(why)
				}
			}
		}),
	}
	if o.connTimeout > 0 {
		no = append(no, nats.Timeout(o.connTimeout))
	}
	if o.name != "" {
		no = append(no, nats.Name(o.name))
	}
	if o.inbox != "" {
		no = append(no, nats.CustomInboxPrefix(o.inbox))
	}
	if o.inproc != nil {
		// The server lives and dies with this process, so pings can find
		// nothing to reconnect to; without them the idle process sleeps.
		no = append(no, nats.InProcessServer(o.inproc.ns), nats.PingInterval(0))
	}
	if o.creds != "" {
		no = append(no, nats.UserCredentials(o.creds))
	}
	if o.signer != nil {
		no = append(no, nats.Nkey(o.signer.PublicKey(), o.signer.Sign))
	}
	if o.user != "" {
		no = append(no, nats.UserInfo(o.user, o.pass))
	}
	if o.pin != "" {
		no = append(no, nats.Secure(pinnedTLS(o.pin)))
	}
	if o.ca != "" {
		if _, err := os.Stat(o.ca); err != nil {
			return nil, fmt.Errorf("bus: certificate authority file: %w", err)
		}
		no = append(no, nats.RootCAs(o.ca))
	}
	if o.retryFirst {
		no = append(no, nats.RetryOnFailedConnect(true))
	}
	fn := o.onState
	if fn == nil {
		fn = func(bool) {}
	}
	no = append(no,
		nats.ConnectHandler(func(nc *nats.Conn) {
			if checkVersion(nc) {
				fn(true)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			if checkVersion(nc) {
				fn(true)
			}
		}),
		nats.DisconnectErrHandler(func(*nats.Conn, error) { fn(false) }),
	)
	url := nats.DefaultURL
	if len(o.urls) > 0 {
		url = joinURLs(o.urls)
	}
	type res struct {
		nc  *nats.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		nc, err := nats.Connect(url, no...)
		ch <- res{nc, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			if why := loginRefused(r.err); why != nil {
				return nil, fmt.Errorf("bus: connect %s: %w", url, why)
			}
			if untrusted(r.err) {
				return nil, fmt.Errorf("bus: connect %s: %w (%v); if the server uses a private certificate authority, give its certificate with --ca FILE or the \"ca\" setting", url, ErrUntrustedCert, r.err)
			}
			return nil, fmt.Errorf("bus: connect %s: %w", url, r.err)
		}
		// The connect handler runs asynchronously; check here too, so
		// the caller learns of an old server before it sends anything.
		// Version and address are read once: the connect handler may
		// close the connection between two reads, and a closed
		// connection reports neither.
		if version, at := r.nc.ConnectedServerVersion(), r.nc.ConnectedUrlRedacted(); version != "" && o.creds != "" && !ServerVersionOK(version) {
			r.nc.Close()
			return nil, tooOld(version, at)
		}
		// The connect handler may already have found the server too old
		// and closed the connection (so no version was read above).
		refusedMu.Lock()
		why := refused
		refusedMu.Unlock()
		if why != nil {
			r.nc.Close()
			return nil, why
		}
		return &Conn{nc: r.nc, inbox: o.inbox, denied: denied, refused: func() error {
			refusedMu.Lock()
			defer refusedMu.Unlock()
			return refused
		}}, nil
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, fmt.Errorf("bus: connect %s: %w", url, ctx.Err())
	}
}

// loginRefused words the server's refusal of a login: revoked, expired or
// unknown, with what to do. nil for any other error.
func loginRefused(err error) error {
	switch {
	case errors.Is(err, nats.ErrAuthRevoked):
		return fmt.Errorf("%w: it was revoked; pair this device again, or ask the server's operator for new credentials", ErrLoginRefused)
	case errors.Is(err, nats.ErrAuthExpired):
		return fmt.Errorf("%w: its credentials have expired; ask the server's operator for new ones", ErrLoginRefused)
	case errors.Is(err, nats.ErrAuthorization):
		return fmt.Errorf("%w (revoked, unpaired, expired, or not known there); pair this device again, or ask the server's operator", ErrLoginRefused)
	}
	return nil
}

// untrusted reports whether err is a TLS certificate chain the system does
// not trust (unknown authority), as opposed to a server not reachable.
func untrusted(err error) bool {
	var ua x509.UnknownAuthorityError
	var cv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &cv) ||
		strings.Contains(err.Error(), "certificate signed by unknown authority")
}

// checkCreds reads a .creds file before nats.go does, so a wrong file is
// reported as such and not as "nkeys: no nkey seed found".
func checkCreds(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadCreds, err)
	}
	const what = "a .creds file holds a NATS user JWT and its nkey seed, as `deskdial admin add-desktop` writes it; ask the relay's operator for a new one"
	if _, err := nkeys.ParseDecoratedJWT(b); err != nil || !bytes.Contains(b, []byte("-----BEGIN NATS USER JWT-----")) {
		return fmt.Errorf("%w: %s has no user JWT (%s)", ErrBadCreds, file, what)
	}
	kp, err := nkeys.ParseDecoratedNKey(b)
	if err != nil {
		return fmt.Errorf("%w: %s has no nkey seed (%s)", ErrBadCreds, file, what)
	}
	kp.Wipe()
	return nil
}

func joinURLs(urls []string) string {
	s := ""
	for i, u := range urls {
		if i > 0 {
			s += ","
		}
		s += u
	}
	return s
}

// Close closes the connection.
func (c *Conn) Close() { c.nc.Close() }

// Connected reports whether the connection is up right now.
func (c *Conn) Connected() bool { return c.nc.IsConnected() }

// ConnectedURL is the server the connection is attached to, or "".
func (c *Conn) ConnectedURL() string { return c.nc.ConnectedUrlRedacted() }

// Flush waits until the server has processed everything sent so far, so a
// subscription is in place before a request that depends on it.
func (c *Conn) Flush(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	if err := c.nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("bus: flush: %w", err)
	}
	return nil
}

// Publish sends data on subject.
func (c *Conn) Publish(subject string, data []byte) error {
	if err := c.nc.Publish(subject, data); err != nil {
		return fmt.Errorf("bus: publish %s: %w", subject, mapErr(err))
	}
	return nil
}

// Request sends one request and waits for its reply for at most timeout.
// No responders is ErrOffline, returned at once; no reply in time is
// ErrTimeout.
func (c *Conn) Request(ctx context.Context, subject string, data []byte, timeout time.Duration) ([]byte, error) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	m, err := c.nc.RequestWithContext(rctx, subject, data)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = ErrTimeout
		}
		if errors.Is(err, ErrTimeout) || errors.Is(err, nats.ErrTimeout) {
			if why := c.why(subject); why != nil {
				return nil, fmt.Errorf("bus: request %s: %w", subject, why)
			}
		}
		if errors.Is(err, nats.ErrConnectionClosed) && c.refused != nil {
			if why := c.refused(); why != nil {
				return nil, fmt.Errorf("bus: request %s: %w", subject, why)
			}
		}
		return nil, fmt.Errorf("bus: request %s: %w", subject, mapErr(err))
	}
	return m.Data, nil
}

// why explains a request that got no answer by a permission the server
// refused: the reply inbox (the answer can never arrive) or the subject
// (the request never left).
func (c *Conn) why(subject string) error {
	if c.denied == nil {
		return nil
	}
	inbox := c.inbox
	if inbox == "" {
		inbox = nats.InboxPrefix
	}
	if msg := c.denied.about(inbox, `"`+subject+`"`); msg != "" {
		return fmt.Errorf("%w (%s); update the server or its configuration", ErrRefused, msg)
	}
	return nil
}

// RequestRetry sends a request and, if it times out, sends the same bytes
// once more (the receiver drops ids it has seen, so a duplicate is
// harmless). The two attempts share total. A lost reply during a server
// reconnect is the case this covers; an offline phone is reported at once.
func (c *Conn) RequestRetry(ctx context.Context, subject string, data []byte, total time.Duration) ([]byte, error) {
	deadline := time.Now().Add(total)
	first := total / 2
	b, err := c.Request(ctx, subject, data, first)
	if err == nil || !errors.Is(err, ErrTimeout) {
		return b, err
	}
	rest := time.Until(deadline)
	if rest <= 0 {
		return nil, err
	}
	return c.Request(ctx, subject, data, rest)
}

func mapErr(err error) error {
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return fmt.Errorf("%w (%v)", ErrOffline, err)
	case errors.Is(err, nats.ErrTimeout):
		return fmt.Errorf("%w (%v)", ErrTimeout, err)
	case errors.Is(err, nats.ErrConnectionClosed):
		return fmt.Errorf("%w (%v)", ErrClosed, err)
	}
	return err
}

// Msg is one received message.
type Msg struct {
	Subject string
	Reply   string // where the sender wants the answer; "" if none
	Data    []byte
	respond func([]byte) error
}

// Respond answers a request.
func (m Msg) Respond(data []byte) error {
	if m.respond == nil {
		return errors.New("bus: message is not a request")
	}
	if err := m.respond(data); err != nil {
		return fmt.Errorf("bus: respond: %w", mapErr(err))
	}
	return nil
}

// Subscription ends with Stop.
type Subscription struct {
	once   sync.Once
	stop   func() error
	mu     sync.Mutex
	unhook func() bool // forgets the stop at the end of the context
}

// Stop ends the subscription.
func (s *Subscription) Stop() error {
	var err error
	s.once.Do(func() {
		s.mu.Lock()
		if s.unhook != nil {
			s.unhook()
		}
		s.mu.Unlock()
		err = s.stop()
	})
	return err
}

// Subscribe calls fn for each message on subject, one at a time, until ctx
// ends or the subscription is stopped.
func (c *Conn) Subscribe(ctx context.Context, subject string, fn func(Msg)) (*Subscription, error) {
	sub, err := c.nc.Subscribe(subject, func(m *nats.Msg) {
		msg := Msg{Subject: m.Subject, Reply: m.Reply, Data: m.Data}
		if m.Reply != "" {
			msg.respond = m.Respond
		}
		fn(msg)
	})
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe %s: %w", subject, err)
	}
	s := &Subscription{stop: sub.Unsubscribe}
	stopAfter(ctx, s)
	return s, nil
}

// stopAfter stops s when ctx ends. context.AfterFunc needs no goroutine
// while ctx lives: a phone agent holds one subscription per server it
// serves, and a relay benchmark ten thousand of them.
func stopAfter(ctx context.Context, s *Subscription) {
	if ctx.Done() == nil {
		return
	}
	s.mu.Lock()
	s.unhook = context.AfterFunc(ctx, func() { _ = s.Stop() })
	s.mu.Unlock()
}
