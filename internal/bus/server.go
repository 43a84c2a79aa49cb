package bus

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server ping settings. With the defaults (2 min, 2 missed pings) a phone
// that vanishes without closing its socket keeps a ghost subscription for
// minutes, and requests to it time out instead of failing as "offline".
// Measured: with a 1 s interval the server evicts it in about 3 s.
//
// Only phones need that: the desktop's own connections are in-process (it
// cannot vanish) or from local processes (the kernel closes the socket of
// one that dies). So while no phone is paired the server pings every
// LoopbackPingInterval, and the idle tray is not woken every 2 s for
// nothing. The interval changes only with the access (SetAccess reloads
// anyway): switching it as phones come and go would need a reload each
// time, and a reload re-checks every login, which drops a connection
// that is logging in and the answers phones owe to pending requests.
const (
	ServerPingInterval   = 2 * time.Second
	ServerMaxPingsOut    = 2
	LoopbackPingInterval = 5 * time.Minute
)

// pingInterval is the server's ping interval for acc.
func (a Access) pingInterval() time.Duration {
	if len(a.Phones) == 0 {
		return LoopbackPingInterval
	}
	return ServerPingInterval
}

// PairUser is the user name of the pairing-only login. Its password is the
// desktop ID, which the offer carries anyway: the login is not a secret, it
// only lets a phone that is not paired yet publish its sealed join request,
// and nothing else.
const PairUser = "deskdial-pair"

// PairInboxPrefix is the inbox prefix of pairing-only connections.
const PairInboxPrefix = "_INBOX_pair"

// Phone is a paired phone allowed on the embedded server.
type Phone struct {
	ID   string // device ID, the subject token
	Nkey string // public nkey (U...) it authenticates with
}

// Access says who may connect to the embedded server and what they may do.
type Access struct {
	Prefix     string // subject prefix, "deskdial"
	DesktopID  string
	DesktopKey string // the desktop's public nkey
	Phones     []Phone
}

// InboxPrefix is the reply inbox prefix of a device's connections. Per-device
// inboxes let permissions stop one device from reading another's replies.
func InboxPrefix(deviceID string) string { return "_INBOX_" + deviceID }

func (a Access) users() ([]*server.NkeyUser, []*server.User) {
	p := a.Prefix
	srv := func(name string) []string {
		return []string{"$SRV.*", "$SRV.*." + name, "$SRV.*." + name + ".*"}
	}
	resp := &server.ResponsePermission{MaxMsgs: 1, Expires: time.Minute}
	desk := &server.NkeyUser{Nkey: a.DesktopKey, Permissions: &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			p + ".dial.*",
			p + ".ctl." + a.DesktopID + ".>",
			// Discovery of phones older than presence pings (Survey).
			"$SRV.INFO." + PhoneService,
			// Answers to pairing requests. Not left to allow_responses: a
			// pairing reloads the permissions right before the answer,
			// and a reload forgets the pending responses.
			PairInboxPrefix + ".>",
			// Answers to its phones' relay requests: one subject per
			// phone, as for dial requests.
			p + ".relayed.*",
			// Answers of the running instance to the desktop's own
			// commands (`deskdial unpair` asks it to reload who may log
			// in): the same login on both ends, so only the desktop reads
			// them; not left to allow_responses for the same reason.
			InboxPrefix(a.DesktopID) + ".>",
		}},
		Subscribe: &server.SubjectPermission{Allow: []string{
			p + ".status." + a.DesktopID,
			p + ".pair." + a.DesktopID,
			p + ".relay." + a.DesktopID,
			p + ".ctl." + a.DesktopID + ".>",
			InboxPrefix(a.DesktopID) + ".>",
		}},
	}}
	nk := []*server.NkeyUser{desk}
	// Phones answer presence pings on their dial subject; the discovery
	// subjects are allowed for phones older than that, which register a
	// micro service (a denied subscription would hide them from the
	// listing). Unused, they cost the server nothing per connection that
	// matters for the few phones of one desktop.
	for _, ph := range a.Phones {
		nk = append(nk, &server.NkeyUser{Nkey: ph.Nkey, Permissions: &server.Permissions{
			// A phone asks another phone to call only through the
			// desktop (relay), never on that phone's dial subject.
			Publish: &server.SubjectPermission{Allow: []string{p + ".status." + a.DesktopID, p + ".relay." + a.DesktopID}},
			Subscribe: &server.SubjectPermission{Allow: append([]string{
				p + ".dial." + ph.ID,
				p + ".relayed." + ph.ID,
				InboxPrefix(ph.ID) + ".>",
			}, srv(PhoneService)...)},
			Response: resp, // dial replies, presence answers, older phones' discovery answers
		}})
	}
	pair := &server.User{Username: PairUser, Password: a.DesktopID, Permissions: &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: []string{p + ".pair." + a.DesktopID}},
		Subscribe: &server.SubjectPermission{Allow: []string{PairInboxPrefix + ".>"}},
	}}
	return nk, []*server.User{pair}
}

// Server is the embedded nats-server: TLS on the LAN, nkey logins for the
// desktop and its paired phones, and the pairing-only login.
type Server struct {
	ns     *server.Server
	mu     sync.Mutex
	opts   *server.Options
	fp     string
	listen string
	cert   tls.Certificate
}

// StartServer starts the embedded server listening on listen ("host:port")
// with the certificate kept in dir, and waits until it accepts connections.
func StartServer(dir, listen string, acc Access) (*Server, error) {
	cert, fp, err := LoadOrCreateCert(dir)
	if err != nil {
		return nil, err
	}
	host, portS, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("bus: listen address %q: %w", listen, err)
	}
	port, err := strconv.Atoi(portS)
	if err != nil {
		return nil, fmt.Errorf("bus: listen port %q: %w", portS, err)
	}
	if port == 0 {
		// Port 0 means "any free port", as for net.Listen; nats-server
		// would take it as its default, 4222, and two servers started so
		// would collide.
		port = server.RANDOM_PORT
	} else if err := portFree(listen); err != nil {
		return nil, err
	}
	nk, users := acc.users()
	opts := &server.Options{
		ServerName: "deskdial",
		Host:       host,
		Port:       port,
		NoSigs:     true,
		NoLog:      true,
		// deskdial uses no $SYS events; without the system account the
		// server runs none of its heartbeat and sweep timers, which
		// would wake the idle tray app every few seconds.
		NoSystemAccount: true,
		MaxPayload:      64 << 10,
		PingInterval:    acc.pingInterval(),
		MaxPingsOut:     ServerMaxPingsOut,
		TLS:             true,
		TLSVerify:       false,
		TLSTimeout:      2,
		TLSConfig:       &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		Nkeys:           nk,
		Users:           users,
		// NATS over WebSocket for the phone agent in the browser, on
		// loopback only: the page's HTTPS server (internal/webagent) passes
		// the upgrade on to it, so the page and its socket share one origin
		// and the phone accepts the self-signed certificate once. Same
		// certificate and the same nkey logins as TCP clients.
		Websocket: server.WebsocketOpts{
			Host:             "127.0.0.1",
			Port:             -1,
			TLSConfig:        &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
			HandshakeTimeout: 5 * time.Second,
		},
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("bus: start server: %w", err)
	}
	// The server reports a failed start (the port is taken) only through
	// its log: catch that, so a start fails at once with the reason, and
	// a slow start on a loaded machine is waited for rather than cut off.
	startErr := &startLog{failed: make(chan string, 1)}
	ns.SetLoggerV2(startErr, false, false, false)
	ns.Start()
	if err := waitReady(ns, startErr.failed, startWait); err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("bus: start server on %s: %w", listen, err)
	}
	return &Server{ns: ns, opts: opts, fp: fp, listen: listen, cert: cert}, nil
}

// Certificate is the server's TLS certificate, which the web agent's HTTPS
// server presents too: the fingerprint in an offer then pins both.
func (s *Server) Certificate() tls.Certificate { return s.cert }

// WebSocketURL is the loopback address of the NATS WebSocket listener
// ("wss://127.0.0.1:PORT"), for the web agent's HTTPS server to pass
// WebSocket upgrades on to. Its certificate is Certificate.
func (s *Server) WebSocketURL() string { return s.ns.WebsocketURL() }

// ErrAddrInUse means another program (often another deskdial) listens on
// the address already.
var ErrAddrInUse = errors.New("bus: address already in use")

// portFree fails at once with ErrAddrInUse when the address is taken:
// nats-server would only log it and never become ready.
func portFree(listen string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		var errno syscall.Errno
		// 10048 is WSAEADDRINUSE.
		if errors.As(err, &errno) && (errno == syscall.EADDRINUSE || errno == 10048) {
			return fmt.Errorf("bus: listen on %s: %w", listen, ErrAddrInUse)
		}
		return fmt.Errorf("bus: listen on %s: %w", listen, err)
	}
	return ln.Close()
}

// startWait bounds the wait for a server that neither starts nor fails:
// long, because under heavy load a start can take seconds.
const startWait = 2 * time.Minute

// waitReady waits until ns accepts connections or reports on failed why
// it cannot.
func waitReady(ns *server.Server, failed <-chan string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if ns.ReadyForConnections(100 * time.Millisecond) {
			return nil
		}
		select {
		case why := <-failed:
			return fmt.Errorf("%w: %s", ErrNotReady, why)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: not accepting connections after %s", ErrNotReady, limit)
		}
	}
}

// startLog is the embedded server's logger: it keeps quiet and passes on
// the first fatal error (which the server logs instead of returning).
type startLog struct{ failed chan string }

func (l *startLog) Fatalf(format string, v ...any) {
	select {
	case l.failed <- fmt.Sprintf(format, v...):
	default:
	}
}
func (*startLog) Noticef(string, ...any) {}
func (*startLog) Warnf(string, ...any)   {}
func (*startLog) Errorf(string, ...any)  {}
func (*startLog) Debugf(string, ...any)  {}
func (*startLog) Tracef(string, ...any)  {}

// SetAccess replaces who may log in. Connections of devices that lost their
// access are closed at once by the server.
func (s *Server) SetAccess(acc Access) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.opts.Clone()
	next.Nkeys, next.Users = acc.users()
	next.PingInterval = acc.pingInterval()
	if err := s.ns.ReloadOptions(next); err != nil {
		return fmt.Errorf("bus: reload access: %w", err)
	}
	s.opts = next
	return nil
}

// NumSubscriptions counts the subscriptions the server holds, in every
// account.
func (s *Server) NumSubscriptions() uint32 { return s.ns.NumSubscriptions() }

// PingInterval is how often the server pings its clients now.
func (s *Server) PingInterval() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.PingInterval
}

// Fingerprint is the SHA-256 fingerprint of the server's certificate.
func (s *Server) Fingerprint() string { return s.fp }

// Addr is the address the server listens on (with the real port).
func (s *Server) Addr() net.Addr { return s.ns.Addr() }

// LoopbackURL is the URL other processes on this machine use.
func (s *Server) LoopbackURL() string {
	port := s.ns.Addr().(*net.TCPAddr).Port
	return "tls://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// URLs are the addresses phones may reach the server at: every address of
// the machine's up interfaces when listening on all of them, loopback last.
func (s *Server) URLs() []string {
	addr := s.ns.Addr().(*net.TCPAddr)
	port := strconv.Itoa(addr.Port)
	if !addr.IP.IsUnspecified() {
		return []string{"tls://" + net.JoinHostPort(addr.IP.String(), port)}
	}
	var lan, loop []string
	ifaces, _ := net.Interfaces()
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || ipn.IP.IsLinkLocalUnicast() || ipn.IP.To4() == nil {
				continue
			}
			u := "tls://" + net.JoinHostPort(ipn.IP.String(), port)
			if ipn.IP.IsLoopback() {
				loop = append(loop, u)
			} else {
				lan = append(lan, u)
			}
		}
	}
	sort.Strings(lan)
	return append(lan, loop...)
}

// Shutdown stops the server and closes every connection.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}
