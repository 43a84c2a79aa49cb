package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/supervise"
	"github.com/deskdial/deskdial/internal/webagent"
)

// PairEvent reports a phone that joined through an offer.
type PairEvent struct {
	Phone   device.Peer
	OfferID string
}

// StatusEvent is one call state from a paired phone.
type StatusEvent struct {
	Phone  device.Peer
	Status protocol.Status
}

// PresenceEvent is a paired phone's announcement that it came online or is
// leaving (protocol.Announce), checked: sealed by the phone, for this
// desktop, in its time window, newer than any before from that phone. It
// is a cue to list the phones again, not proof that the phone is there.
type PresenceEvent struct {
	Phone  device.Peer
	Online bool
	At     time.Time // when the phone said it
}

// Service is the running desktop: the embedded server (or a connection to
// the hosted one), the pairing responder and the status fan-out.
type Service struct {
	d          *Desktop
	box        *protocol.Box
	pending    *pairing.Pending
	onPair     []func(PairEvent)
	onStatus   []func(StatusEvent)
	onUnpair   []func(device.Peer)
	onRelay    []func(RelayEvent)
	onPresence []func(PresenceEvent)
	noRun      bool

	annMu     sync.Mutex
	announced map[device.ID]announced // the latest announcements taken, by phone

	tapMu    sync.RWMutex
	taps     map[*statusTap]struct{} // clients in this process that follow calls
	tapsDone bool                    // Run returned: no more taps

	relay     *relayer      // phones asking for another phone to call
	relayHist *relayHistory // where relayed calls are recorded (nil: nowhere)
	legacy    legacyPhones  // older phones, listed through discovery

	refusals limiter // refused joins answered, so a flood cannot make the desktop publish

	ready chan struct{}
	mu    sync.Mutex
	srv   *bus.Server
	web   []string // the web agent's addresses ("https://IP:PORT"), best first
	conn  *bus.Conn
	known map[string]bool // offer IDs already handed to pending
	// fromFile are the offer IDs read from the offers file: a used one
	// must leave the file before its pairing is accepted.
	fromFile map[string]bool
	// accessStale says an unpaired phone's login is still open.
	accessStale chan struct{}
	err         error
}

// ServiceOption configures NewService. The On… options ignore a nil fn.
type ServiceOption func(*Service)

// OnPair calls fn for every phone that pairs.
func OnPair(fn func(PairEvent)) ServiceOption {
	return func(s *Service) {
		if fn != nil {
			s.onPair = append(s.onPair, fn)
		}
	}
}

// OnStatus calls fn for every call state a paired phone reports.
func OnStatus(fn func(StatusEvent)) ServiceOption {
	return func(s *Service) {
		if fn != nil {
			s.onStatus = append(s.onStatus, fn)
		}
	}
}

// OnUnpair calls fn for every phone that unpaired itself.
func OnUnpair(fn func(device.Peer)) ServiceOption {
	return func(s *Service) {
		if fn != nil {
			s.onUnpair = append(s.onUnpair, fn)
		}
	}
}

// OnPresence calls fn for every announcement a paired phone makes that it
// came online or is leaving (see PresenceEvent). fn runs on the service's
// status subscription and must not block; a phone can send many.
func OnPresence(fn func(PresenceEvent)) ServiceOption {
	return func(s *Service) {
		if fn != nil {
			s.onPresence = append(s.onPresence, fn)
		}
	}
}

// noticePairing is the id an unpaired notice for p's current pairing
// carries: its pairing id, or protocol.UnknownID for a phone paired before
// pairings had ids (as phones of that time send).
func noticePairing(p device.Peer) string {
	if p.Pairing == "" {
		return protocol.UnknownID
	}
	return p.Pairing
}

// NoRunFile keeps the service from announcing itself in the run file: for
// a service that lives only as long as one command.
func NoRunFile() ServiceOption { return func(s *Service) { s.noRun = true } }

// NewService prepares the service; Run starts it.
func NewService(d *Desktop, opts ...ServiceOption) *Service {
	s := &Service{d: d, box: protocol.NewBox(d.Identity), pending: pairing.NewPending(), ready: make(chan struct{}), known: map[string]bool{},
		accessStale: make(chan struct{}, 1), relay: newRelayer(filepath.Join(d.Paths.Config, RelaySeenFile))}
	for _, o := range opts {
		o(s)
	}
	return s
}

// localServers are the services running in this process and their
// embedded servers, by config directory: a client opened in the same
// process (the tray, `deskdial serve`) reaches the embedded server
// in-process instead of through the run file over TLS on loopback, which
// would also ping every 2 s in both directions and keep the idle process
// waking up, and follows its calls' states through the service, on an
// embedded or a hosted server.
var localServers struct {
	mu  sync.Mutex
	srv map[string]localService
}

// localService is a service running in this process and its server.
type localService struct {
	srv *bus.Server
	svc *Service
}

// setLocalServer records the service running in this process for dir and
// its embedded server (nil for a hosted one); a nil svc removes it.
func setLocalServer(dir string, srv *bus.Server, svc *Service) {
	localServers.mu.Lock()
	defer localServers.mu.Unlock()
	if svc == nil {
		delete(localServers.srv, dir)
		return
	}
	if localServers.srv == nil {
		localServers.srv = map[string]localService{}
	}
	localServers.srv[dir] = localService{srv, svc}
}

func localServer(dir string) *bus.Server {
	localServers.mu.Lock()
	defer localServers.mu.Unlock()
	return localServers.srv[dir].srv
}

// localServiceFor is the service running in this process for the config
// directory, or nil.
func localServiceFor(dir string) *Service {
	localServers.mu.Lock()
	defer localServers.mu.Unlock()
	return localServers.srv[dir].svc
}

// statusTap is a client in this process following its calls' states
// through the service, which opens each status message anyway: the client
// then needs no subscription of its own, so every state is delivered to
// the process once, opened once and decoded once instead of twice.
type statusTap struct {
	fn   func(device.Peer, protocol.Status)
	lost func() // the service stopped: follow states some other way
}

// tapStatus hands every verified status to fn (which must not block) until
// the returned func is called; lost is called if the service stops first.
// It returns nil when the service is not (or no longer) serving: the
// caller subscribes itself then.
func (s *Service) tapStatus(fn func(device.Peer, protocol.Status), lost func()) (stop func()) {
	select {
	case <-s.ready:
	default:
		return nil
	}
	s.mu.Lock()
	failed := s.err != nil
	s.mu.Unlock()
	if failed {
		return nil
	}
	t := &statusTap{fn: fn, lost: lost}
	s.tapMu.Lock()
	if s.tapsDone {
		s.tapMu.Unlock()
		return nil
	}
	if s.taps == nil {
		s.taps = map[*statusTap]struct{}{}
	}
	s.taps[t] = struct{}{}
	s.tapMu.Unlock()
	return func() {
		s.tapMu.Lock()
		delete(s.taps, t)
		s.tapMu.Unlock()
	}
}

// Run serves until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	err := s.run(ctx)
	// The caller may close the history once Run returns.
	s.relayHist.stop()
	s.mu.Lock()
	if s.err == nil {
		s.err = err
		if err == nil {
			s.err = context.Canceled
		}
	}
	s.mu.Unlock()
	select {
	case <-s.ready:
	default:
		close(s.ready)
	}
	// Clients that followed states through this service must now follow
	// them themselves (a client on a hosted server outlives it).
	s.tapMu.Lock()
	taps := s.taps
	s.taps, s.tapsDone = nil, true
	s.tapMu.Unlock()
	for t := range taps {
		t.lost()
	}
	return err
}

func (s *Service) run(ctx context.Context) error {
	d := s.d
	id := d.Identity.ID.String()
	var (
		conn *bus.Conn
		err  error
		ri   = RunInfo{PID: os.Getpid(), Started: time.Now().UTC()}
	)
	if err := d.checkCreds(); err != nil {
		return err
	}
	if !s.noRun {
		// A second `serve` (or tray) on the same home would fight the
		// first over the run file and the port: say so at once.
		if ri, err := readRunFile(d.Paths.Config); err == nil {
			return fmt.Errorf("%w (process %d, started %s); stop it first, or use another --home",
				ErrRunning, ri.PID, ri.Started.Local().Format("2006-01-02 15:04"))
		}
	}
	if d.Server != "" {
		opts := []bus.Option{bus.URLs(d.Server), bus.Inbox(bus.InboxPrefix(id)), bus.Name("deskdial desktop " + d.Name), bus.ConnectTimeout(5 * time.Second)}
		if d.Creds != "" {
			opts = append(opts, bus.Creds(d.Creds))
		}
		if d.CA != "" {
			opts = append(opts, bus.RootCA(d.CA))
		}
		conn, err = bus.Connect(ctx, opts...)
		if err != nil {
			return fmt.Errorf("remote: connect to %s: %w", d.Server, err)
		}
		ri.Hosted = d.Server
		// Clients in this process follow calls through this service.
		setLocalServer(d.Paths.Config, nil, s)
		defer setLocalServer(d.Paths.Config, nil, nil)
	} else {
		srv, err := s.startServer()
		if err != nil {
			return err
		}
		defer srv.Shutdown()
		s.mu.Lock()
		s.srv = srv
		s.mu.Unlock()
		setLocalServer(d.Paths.Config, srv, s)
		defer setLocalServer(d.Paths.Config, nil, nil)
		conn, err = bus.Connect(ctx, bus.InProcess(srv), bus.Nkey(d.Identity), bus.Inbox(bus.InboxPrefix(id)))
		if err != nil {
			return fmt.Errorf("remote: connect to the embedded server: %w", err)
		}
		ri.URL, ri.URLs, ri.CertFP = srv.LoopbackURL(), srv.URLs(), srv.Fingerprint()
		ri.Web = s.startWeb(ctx, srv)
	}
	defer conn.Close()
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()

	if _, err := conn.Subscribe(ctx, protocol.SubjectPair(d.prefix(), d.Identity.ID), s.handleJoin); err != nil {
		return err
	}
	if _, err := conn.Subscribe(ctx, d.ctlSubject("reload"), func(m bus.Msg) {
		msg := []byte("ok")
		if err := s.Reload(); err != nil {
			msg = []byte(err.Error())
		}
		_ = m.Respond(msg)
	}); err != nil {
		return err
	}
	if _, err := conn.Subscribe(ctx, protocol.SubjectStatus(d.prefix(), d.Identity.ID), s.handleStatus); err != nil {
		return err
	}
	if _, err := conn.Subscribe(ctx, protocol.SubjectRelay(d.prefix(), d.Identity.ID), func(m bus.Msg) { s.handleRelay(ctx, m) }); err != nil {
		return err
	}
	if err := conn.Flush(ctx); err != nil {
		return err
	}
	if !s.noRun {
		if err := writeRunFile(d.Paths.Config, ri); err != nil {
			return err
		}
		defer removeRunFile(d.Paths.Config)
	}
	close(s.ready)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.accessStale:
			// An unpaired phone's login could not be closed: try again,
			// backing off, until it is (or the service stops).
			wait := time.Second
			for s.applyAccess() != nil {
				if !supervise.Sleep(ctx, wait) {
					return nil
				}
				wait = min(2*wait, time.Minute)
			}
		}
	}
}

// startWeb serves the phone agent in the browser next to the embedded
// server and returns its addresses. A page that cannot be served (its port
// is taken) leaves pairing with the app and calls working: it only costs
// the pairing link.
func (s *Service) startWeb(ctx context.Context, srv *bus.Server) []string {
	addr, err := webagent.ListenFor(s.d.Settings.Listen)
	if err != nil {
		return nil
	}
	cert := srv.Certificate()
	ws, err := webagent.Listen(addr, cert, webagent.Config{NATS: srv.WebSocketURL(), NATSCert: &cert})
	if err != nil {
		fmt.Fprintf(os.Stderr, "deskdial: the phone page is not served, pairing links will not work: %v\n", err)
		return nil
	}
	go func() { _ = ws.Run(ctx) }()
	web := webagent.BaseURLs(srv.URLs(), ws.Port())
	s.mu.Lock()
	s.web = web
	s.mu.Unlock()
	return web
}

// PageURLs are the addresses of the phone agent in the browser
// ("https://IP:PORT"), best first; none on a hosted server.
func (s *Service) PageURLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.web...)
}

// Ready waits until the service serves, and returns its error if it could
// not start.
func (s *Service) Ready(ctx context.Context) error {
	select {
	case <-s.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Servers are the addresses phones can use, best first, and the pinned
// certificate fingerprint ("" for a hosted server).
func (s *Service) Servers() ([]string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return hostedServers(s.d.Server), ""
	}
	return s.srv.URLs(), s.srv.Fingerprint()
}

// NewOffer makes a pairing offer this service will answer.
func (s *Service) NewOffer() (pairing.Offer, error) {
	urls, fp := s.Servers()
	o, err := pairing.NewOffer(s.d.Identity, s.d.Name, urls, fp, time.Now())
	if err != nil {
		return o, err
	}
	if o, err = s.d.withLogin(o); err != nil {
		return o, err
	}
	s.AddOffer(o)
	return o, nil
}

// AddOffer makes o answerable.
func (s *Service) AddOffer(o pairing.Offer) {
	s.mu.Lock()
	s.known[o.OfferID()] = true
	s.mu.Unlock()
	s.pending.Add(o)
}

// CancelOffer withdraws o. It stays withdrawn in this process whatever
// the error says; the error says the offers file still lists it (a later
// start would answer it until it expires).
func (s *Service) CancelOffer(o pairing.Offer) error {
	s.pending.Cancel(o)
	if err := dropOffer(s.d.Paths.Config, o.OfferID()); err != nil {
		return fmt.Errorf("withdraw offer: %w", err)
	}
	return nil
}

// defaultListen is the listen setting a desktop has unless the user chose
// one (a variable for tests, which may not take the real port).
var defaultListen = config.DefaultListen

// startServer starts the embedded server on the listen setting. When that
// is the default, taken (another desktop with its own home), and no phone
// relies on it yet, a free port is taken and kept in the settings, so the
// offers carry it and it stays the same across restarts. Otherwise a taken
// address fails at once, naming the setting.
func (s *Service) startServer() (*bus.Server, error) {
	d := s.d
	listen := d.Settings.Listen
	srv, err := bus.StartServer(d.Paths.Config, listen, d.access())
	if errors.Is(err, bus.ErrAddrInUse) && listen == defaultListen && len(d.access().Phones) == 0 {
		host, _, _ := net.SplitHostPort(listen)
		if srv, err = bus.StartServer(d.Paths.Config, net.JoinHostPort(host, "0"), d.access()); err == nil {
			listen = net.JoinHostPort(host, strconv.Itoa(srv.Addr().(*net.TCPAddr).Port))
			d.Settings.Listen = listen
			if st, oerr := config.Open(d.Paths.Config); oerr == nil {
				oerr = st.Modify(func(c *config.Settings) { c.Listen = listen })
				if oerr != nil {
					srv.Shutdown()
					return nil, fmt.Errorf("remote: keep the listen address %s: %w", listen, oerr)
				}
			}
			return srv, nil
		}
	}
	if errors.Is(err, bus.ErrAddrInUse) {
		return nil, fmt.Errorf("remote: %s is used by another program (another deskdial?): set \"listen\" in %s to a free address, such as %q: %w",
			listen, filepath.Join(d.Paths.Config, config.SettingsFile), "0.0.0.0:4249", err)
	}
	if err != nil {
		return nil, fmt.Errorf("remote: start the embedded server: %w", err)
	}
	return srv, nil
}

// Reload re-reads the paired devices and updates who may use the server:
// a phone unpaired in another process loses access at once.
func (s *Service) Reload() error {
	if err := s.d.Registry.Reload(); err != nil {
		return err
	}
	return s.applyAccess()
}

// applyAccess lets exactly the paired devices in the registry (as held in
// memory) use the embedded server.
func (s *Service) applyAccess() error {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.SetAccess(s.d.access())
}

// loadOffers picks up offers made by `deskdial pair` in other processes.
// An offer a paired device was added through is used, whatever the file
// still says (a delete that failed, a stop before it): it is never
// answered again.
func (s *Service) loadOffers() {
	offers, err := readOffers(s.d.Paths.Config, time.Now())
	if err != nil {
		return
	}
	used := map[string]bool{}
	for _, p := range s.d.Registry.List() {
		if p.Pairing != "" {
			used[p.Pairing] = true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fromFile == nil {
		s.fromFile = map[string]bool{}
	}
	for _, o := range offers {
		id := o.OfferID()
		if s.known[id] || used[id] {
			continue
		}
		s.known[id] = true
		s.fromFile[id] = true
		s.pending.Add(o)
	}
}

// dropUsed removes a used offer from the offers file, if it came from
// there. Verify has marked it used in memory; this keeps a later start
// from answering it again.
func (s *Service) dropUsed(o pairing.Offer) error {
	s.mu.Lock()
	inFile := s.fromFile[o.OfferID()]
	s.mu.Unlock()
	if !inFile {
		return nil
	}
	if err := dropOffer(s.d.Paths.Config, o.OfferID()); err != nil {
		return fmt.Errorf("remove the used offer from %s (make a new offer once it can be written): %w", OffersFile, err)
	}
	return nil
}

// handleJoin answers a phone's pairing request. A refusal is sealed back as
// a protocol.Reply so the phone can say why.
func (s *Service) handleJoin(m bus.Msg) {
	kind, sender, plain, err := s.box.Open(m.Data)
	if err != nil || kind != protocol.KindPairJoin {
		return // not a join we can answer to anyone in particular
	}
	// Only a pairing inbox is answered: the sender names the reply
	// subject, and the desktop's login may publish to phones' dial
	// subjects and its own control subjects.
	replyOK := pairInbox(m.Reply)
	refuse := func(code protocol.Code, err error) {
		if !replyOK || !s.refusals.allow(time.Now()) {
			return
		}
		if b, serr := s.box.Seal(protocol.KindReply, protocol.Refuse("pair", code, err.Error()), sender); serr == nil {
			_ = m.Respond(b)
		}
	}
	j, err := pairing.DecodeJoin(plain)
	if err != nil {
		refuse(protocol.CodeMalformed, err)
		return
	}
	// A phone that pairs with credentials of its own (a hosted server
	// without a pairing login) waits on its own inbox: answerable when
	// the join is sealed by its key and names it.
	replyOK = replyOK || ownInbox(m.Reply, j, sender)
	if !replyOK {
		return
	}
	s.loadOffers()
	peer, offer, err := s.pending.Verify(j, sender, time.Now())
	if err != nil {
		code := protocol.CodePairRefused
		switch {
		case errors.Is(err, pairing.ErrExpired):
			code = protocol.CodeExpired
		case errors.Is(err, pairing.ErrReused):
			code = protocol.CodeReplayed
		}
		refuse(code, err)
		return
	}
	// Fail closed: an offer that stays in the file would pair again after
	// a restart, so the pairing is refused (the offer stays used here).
	if err := s.dropUsed(offer); err != nil {
		refuse(protocol.CodePairFailed, err)
		return
	}
	peer.Pairing = offer.OfferID() // the phone stores the same
	if err := s.d.Registry.Add(peer); err != nil {
		refuse(protocol.CodePairFailed, fmt.Errorf("store the phone: %w", err))
		return
	}
	s.box.Forget(peer.CurvePub)
	if err := s.Reload(); err != nil {
		refuse(protocol.CodePairFailed, fmt.Errorf("give the phone access: %w", err))
		return
	}
	acc := pairing.MakeAccept(offer, s.d.Identity, s.d.Name, j)
	if acc, err = s.d.phoneCreds(offer, acc, j); err != nil {
		refuse(protocol.CodePairFailed, err)
		return
	}
	b, err := s.box.Seal(protocol.KindPairAccept, acc, sender)
	if err != nil {
		return
	}
	_ = m.Respond(b)
	for _, fn := range s.onPair {
		fn(PairEvent{Phone: peer, OfferID: offer.OfferID()})
	}
}

// maxReply is the longest reply subject answered; nats.go's inboxes are
// well under it.
const maxReply = 200

// pairInbox reports whether reply is a plain subject under the pairing
// login's inbox prefix: the only subjects that login may read.
func pairInbox(reply string) bool {
	return underInbox(reply, bus.PairInboxPrefix)
}

// ownInbox reports whether reply is in the inbox of the phone the join
// names, and the join is that phone's: sealed by the curve key it names,
// with an ID that is its signing key's.
func ownInbox(reply string, j pairing.Join, sender string) bool {
	if j.CurvePub != sender {
		return false
	}
	id, err := device.IDFromKey(j.SignPub)
	if err != nil || id.String() != j.PhoneID {
		return false
	}
	return underInbox(reply, bus.InboxPrefix(j.PhoneID))
}

// underInbox reports whether subject is prefix.<tokens>, without
// wildcards, spaces or empty tokens.
func underInbox(subject, prefix string) bool {
	if len(subject) > maxReply || !strings.HasPrefix(subject, prefix+".") {
		return false
	}
	for _, tok := range strings.Split(subject[len(prefix)+1:], ".") {
		if tok == "" || tok == "*" || tok == ">" || strings.ContainsAny(tok, " \t\r\n") {
			return false
		}
	}
	return true
}

// limiter is a token bucket: burst answers at once, then one per every.
type limiter struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

const (
	refusalBurst = 5
	refusalEvery = 2 * time.Second
)

func (l *limiter) allow(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last.IsZero() {
		l.tokens = refusalBurst
	} else if d := now.Sub(l.last); d > 0 {
		l.tokens = min(refusalBurst, l.tokens+float64(d)/float64(refusalEvery))
	}
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

func (s *Service) handleStatus(m bus.Msg) {
	kind, sender, plain, err := s.box.Open(m.Data)
	if err != nil {
		return
	}
	peer, ok := s.d.Registry.ByCurveKey(sender)
	if !ok || peer.Role != device.RolePhone {
		return
	}
	if kind == protocol.KindReply {
		// A phone that was unpaired on its side says so, sealed with its
		// own key: forget it and close its login. The notice names the
		// pairing it ends; one of an earlier pairing (kept and replayed by
		// a relay after the phone paired again) is ignored.
		if rep, err := protocol.DecodeReply(plain); err == nil && rep.Code == protocol.CodeUnpaired && rep.ID == noticePairing(peer) {
			if s.d.Registry.Remove(peer.ID) == nil {
				s.box.Forget(peer.CurvePub)
				// Its server login must go too: until it does, the run
				// loop keeps trying.
				if err := s.applyAccess(); err != nil {
					select {
					case s.accessStale <- struct{}{}:
					default:
					}
				}
				for _, fn := range s.onUnpair {
					fn(peer)
				}
			}
		}
		return
	}
	if kind == protocol.KindAnnounce {
		s.handleAnnounce(peer, plain)
		return
	}
	if kind != protocol.KindStatus {
		return
	}
	st, err := protocol.DecodeStatus(plain)
	if err != nil || !peer.ID.Spells(st.From) {
		return
	}
	s.tapMu.RLock()
	for t := range s.taps {
		t.fn(peer, st)
	}
	s.tapMu.RUnlock()
	s.relayStatus(peer, st)
	for _, fn := range s.onStatus {
		fn(StatusEvent{Phone: peer, Status: st})
	}
}

// announced is a phone's latest announcements taken: their issued_at, and
// the ids of those issued in that millisecond (a phone that starts and
// stops at once makes two).
type announced struct {
	at  int64
	ids []string
}

// maxSameMilli bounds the ids kept for one millisecond.
const maxSameMilli = 4

// handleAnnounce takes a phone's announcement (docs/protocol.md section 6):
// from the phone that sealed it, for this desktop, in its time window,
// issued no earlier than every one taken from that phone before, and not
// one of those (same id). The last rule drops a replayed copy and an older
// one a relay held back, and keeps a few ids per paired phone; a phone
// whose clock stepped back is heard again once it passes its old time, and
// is found by the regular listing meanwhile.
func (s *Service) handleAnnounce(peer device.Peer, plain []byte) {
	a, err := protocol.DecodeAnnounce(plain)
	if err != nil || !peer.ID.Spells(a.From) || !s.d.Identity.ID.Spells(a.To) || a.CheckTime(time.Now()) != nil {
		return
	}
	s.annMu.Lock()
	last := s.announced[peer.ID]
	switch {
	case a.IssuedAt < last.at, a.IssuedAt == last.at && slices.Contains(last.ids, a.ID):
		s.annMu.Unlock()
		return
	case a.IssuedAt == last.at && len(last.ids) < maxSameMilli:
		last.ids = append(last.ids, a.ID)
	case a.IssuedAt == last.at:
		s.annMu.Unlock()
		return // a flood within one millisecond: the listing it asks for is due anyway
	default:
		last = announced{at: a.IssuedAt, ids: []string{a.ID}}
	}
	if s.announced == nil {
		s.announced = map[device.ID]announced{}
	}
	s.announced[peer.ID] = last
	s.annMu.Unlock()
	ev := PresenceEvent{Phone: peer, Online: a.Online(), At: time.UnixMilli(a.IssuedAt)}
	for _, fn := range s.onPresence {
		fn(ev)
	}
}
