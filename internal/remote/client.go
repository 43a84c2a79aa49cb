package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/protocol"
)

// DefaultTimeout is how long Call waits for the phone's answer, retry
// included.
const DefaultTimeout = 3 * time.Second

// reconnectGrace is how long a Client that just started the embedded
// server waits for phones to come back before calling them offline: they
// retry every 0.5-1 s.
const reconnectGrace = 3 * time.Second

// Client talks to phones for this desktop.
type Client struct {
	d      *Desktop
	conn   *bus.Conn
	box    *protocol.Box
	svc    *Service // the service this client started, if any
	stop   context.CancelFunc
	svcErr chan error
	grace  time.Time // until then, an offline phone may still be reconnecting
	shared bool      // connected to a running instance (not started here)

	mu     sync.Mutex
	calls  map[string]callSub // by dial id
	online map[device.ID]bool // seen online by this client: no reconnect grace for them
	legacy legacyPhones
	sub    *bus.Subscription // the status subscription, unless untap is set
	untap  func()            // stops following states through an in-process service
	closed bool
}

type clientOpts struct {
	start bool
	svc   []ServiceOption
}

// ClientOption configures Open.
type ClientOption func(*clientOpts)

// StartService starts the desktop service in this process for as long as
// the Client is open when no deskdial instance runs (the embedded server,
// or the pairing responder for a hosted server).
func StartService(opts ...ServiceOption) ClientOption {
	return func(o *clientOpts) { o.start, o.svc = true, opts }
}

// Open connects to the running deskdial instance (found through the run
// file) or to the hosted server; with StartService it starts the service
// itself when no instance runs.
func Open(ctx context.Context, d *Desktop, opts ...ClientOption) (*Client, error) {
	var o clientOpts
	for _, fn := range opts {
		fn(&o)
	}
	if err := d.checkCreds(); err != nil {
		return nil, err
	}
	c := &Client{d: d, box: protocol.NewBox(d.Identity), calls: map[string]callSub{}, online: map[device.ID]bool{}}
	id := d.Identity.ID.String()
	ri, rerr := readRunFile(d.Paths.Config)
	running := rerr == nil && (ri.URL != "" || ri.Hosted != "")
	switch {
	case d.Server != "" && (running || !o.start):
		copts := []bus.Option{bus.URLs(d.Server), bus.Inbox(bus.InboxPrefix(id)), bus.Name("deskdial cli"), bus.ConnectTimeout(5 * time.Second)}
		if d.Creds != "" {
			copts = append(copts, bus.Creds(d.Creds))
		}
		if d.CA != "" {
			copts = append(copts, bus.RootCA(d.CA))
		}
		conn, err := bus.Connect(ctx, copts...)
		if err != nil {
			return nil, fmt.Errorf("remote: connect to %s: %w", d.Server, err)
		}
		c.conn, c.shared = conn, running
	case d.Server == "" && running && ri.URL != "" && ri.PID == os.Getpid() && localServer(d.Paths.Config) != nil:
		conn, err := bus.Connect(ctx, bus.InProcess(localServer(d.Paths.Config)), bus.Nkey(d.Identity),
			bus.Inbox(bus.InboxPrefix(id)))
		if err != nil {
			return nil, fmt.Errorf("remote: connect to the embedded server: %w", err)
		}
		c.conn, c.shared = conn, true
	case d.Server == "" && running && ri.URL != "":
		conn, err := bus.Connect(ctx, bus.URLs(ri.URL), bus.PinCert(ri.CertFP), bus.Nkey(d.Identity),
			bus.Inbox(bus.InboxPrefix(id)), bus.Name("deskdial cli"), bus.ConnectTimeout(3*time.Second))
		if err == nil {
			c.conn, c.shared = conn, true
			break
		}
		if !o.start {
			return nil, fmt.Errorf("remote: connect to the running deskdial (pid %d): %w", ri.PID, err)
		}
		fallthrough
	default:
		if !o.start {
			return nil, ErrNoInstance
		}
		if err := c.startService(ctx, o.svc); err != nil {
			return nil, err
		}
	}
	// A service in this process (started here, or the tray's) opens every
	// status message already: follow calls through it rather than have
	// the server deliver each state twice to this process.
	svc := c.svc
	if svc == nil && c.shared && ri.PID == os.Getpid() {
		// Only a service of this desktop on the same server and subjects
		// receives this client's states.
		if s := localServiceFor(d.Paths.Config); s != nil && s.d.Identity.ID == d.Identity.ID &&
			s.d.Server == d.Server && s.d.prefix() == d.prefix() {
			svc = s
		}
	}
	if svc != nil {
		c.untap = svc.tapStatus(c.deliverStatus, c.followStates)
	}
	if c.untap == nil {
		if err := c.subscribeStates(); err != nil {
			c.Close()
			return nil, err
		}
	}
	if err := c.conn.Flush(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Client) startService(ctx context.Context, opts []ServiceOption) error {
	svc := NewService(c.d, append([]ServiceOption{NoRunFile()}, opts...)...)
	sctx, stop := context.WithCancel(context.Background())
	c.svc, c.stop, c.svcErr = svc, stop, make(chan error, 1)
	go func() { c.svcErr <- svc.Run(sctx) }()
	if err := svc.Ready(ctx); err != nil {
		stop()
		<-c.svcErr
		c.svc = nil
		return err
	}
	id := c.d.Identity.ID.String()
	var err error
	if c.d.Server != "" {
		copts := []bus.Option{bus.URLs(c.d.Server), bus.Inbox(bus.InboxPrefix(id)), bus.Name("deskdial cli")}
		if c.d.Creds != "" {
			copts = append(copts, bus.Creds(c.d.Creds))
		}
		if c.d.CA != "" {
			copts = append(copts, bus.RootCA(c.d.CA))
		}
		c.conn, err = bus.Connect(ctx, copts...)
	} else {
		c.conn, err = bus.Connect(ctx, bus.InProcess(svc.srv), bus.Nkey(c.d.Identity), bus.Inbox(bus.InboxPrefix(id)))
		c.grace = time.Now().Add(reconnectGrace)
	}
	if err != nil {
		stop()
		<-c.svcErr
		return fmt.Errorf("remote: connect: %w", err)
	}
	return nil
}

// Service is the service this client started, or nil when it uses a
// running instance or a hosted server.
func (c *Client) Service() *Service { return c.svc }

// Close ends the connection and a service this client started.
func (c *Client) Close() {
	c.mu.Lock()
	c.closed = true
	sub := c.sub
	c.mu.Unlock()
	if sub != nil {
		_ = sub.Stop()
	}
	if c.untap != nil {
		c.untap()
	}
	if c.conn != nil {
		c.conn.Close()
	}
	if c.stop != nil {
		c.stop()
		<-c.svcErr
		c.stop = nil
	}
}

// subscribeStates subscribes to this desktop's status subject, unless the
// client is closed or subscribed already.
func (c *Client) subscribeStates() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.sub != nil {
		return nil
	}
	sub, err := c.conn.Subscribe(context.Background(), protocol.SubjectStatus(c.d.prefix(), c.d.Identity.ID), c.onStatus)
	if err != nil {
		return err
	}
	c.sub = sub
	return nil
}

// followStates is called when the service this client followed states
// through stopped: the client subscribes itself. If that fails, the
// connection is gone too, and requests say so.
func (c *Client) followStates() { _ = c.subscribeStates() }

func (c *Client) onStatus(m bus.Msg) {
	kind, sender, plain, err := c.box.Open(m.Data)
	if err != nil || kind != protocol.KindStatus {
		return
	}
	st, err := protocol.DecodeStatus(plain)
	if err != nil {
		return
	}
	peer, ok := c.d.Registry.ByCurveKey(sender)
	if !ok || !peer.ID.Spells(st.From) {
		return
	}
	c.deliverStatus(peer, st)
}

// deliverStatus hands a state, opened and checked to come from peer, to
// the call it belongs to.
func (c *Client) deliverStatus(peer device.Peer, st protocol.Status) {
	c.mu.Lock()
	sub, ok := c.calls[st.ID]
	c.mu.Unlock()
	// Only the phone the call went to reports on it; another paired phone
	// that learnt the id cannot put words in its mouth.
	if !ok || sub.phone != peer.ID {
		return
	}
	ch := sub.ch
	select {
	case ch <- st:
	default: // a reader that stopped listening must not block the connection
	}
}

// PhoneError is a message for people that wraps one of the sentinels.
type PhoneError struct {
	msg string
	err error
}

func (e *PhoneError) Error() string { return e.msg }
func (e *PhoneError) Unwrap() error { return e.err }

func phoneErr(sentinel error, format string, args ...any) error {
	return &PhoneError{msg: fmt.Sprintf(format, args...), err: sentinel}
}

func (c *Client) markOnline(id device.ID) {
	c.mu.Lock()
	c.online[id] = true
	c.mu.Unlock()
}

func (c *Client) seenOnline(id device.ID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.online[id]
}

// RefusedError is a refusal by the phone, with its reason.
type RefusedError struct {
	Phone device.Peer
	Reply protocol.Reply
}

func (e *RefusedError) Error() string {
	why := e.Reply.Reason
	if why == "" {
		why = string(e.Reply.Code)
	}
	return fmt.Sprintf("refused by %s: %s", e.Phone.Name, why)
}

func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// CallHandle follows one accepted call.
type CallHandle struct {
	ID      string
	Phone   device.Peer
	Reply   protocol.Reply         // the phone's acceptance
	Updates <-chan protocol.Status // call states, in order; closed after a final state or Close
	c       *Client
	done    chan struct{}
	once    sync.Once
}

// Close stops following the call.
func (h *CallHandle) Close() {
	h.once.Do(func() {
		close(h.done)
		h.c.mu.Lock()
		delete(h.c.calls, h.ID)
		h.c.mu.Unlock()
	})
}

// CallOption configures Call.
type CallOption func(*callOpts)

type callOpts struct {
	timeout time.Duration
	region  string
}

// Timeout sets how long to wait for the phone's answer (DefaultTimeout).
// The request expires then, so the phone never dials after the desktop
// gave up.
func Timeout(d time.Duration) CallOption { return func(o *callOpts) { o.timeout = d } }

// Region reads national numbers ("030 ...") in region.
func Region(r string) CallOption { return func(o *callOpts) { o.region = r } }

// Call asks phone to dial target. It returns once the phone accepted; a
// refusal is a *RefusedError, an absent phone ErrOffline, no answer
// ErrTimeout. Before anything is sent, number.PrepareTarget decides what
// goes out: a short code (an emergency or service number) only as typed
// for a prefill, never in E.164 form, and a national number only when a
// region is known (the setting, the locale or Region); its errors
// (*number.ShortCodeError, number.ErrNoRegion) mean nothing was sent.
func (c *Client) Call(ctx context.Context, phone device.ID, target string, mode call.Mode, opts ...CallOption) (*CallHandle, error) {
	o := callOpts{timeout: DefaultTimeout, region: c.d.Settings.KnownRegion()}
	for _, fn := range opts {
		fn(&o)
	}
	peer, ok := c.d.Registry.Get(phone)
	if !ok || peer.Role != device.RolePhone {
		return nil, fmt.Errorf("call %s: %w", phone.Short(), ErrNotPhone)
	}
	t, err := number.PrepareTarget(target, o.region, mode == call.ModePrefill)
	if err != nil {
		return nil, fmt.Errorf("call: %w", err)
	}
	req := protocol.NewDial(c.d.Identity.ID, phone, t, mode, time.Now(), o.timeout)
	return c.send(ctx, peer, req, o.timeout)
}

// SendDial seals and sends a prepared request as is (tests and tools that
// need to control every field use it).
func (c *Client) SendDial(ctx context.Context, peer device.Peer, req protocol.DialRequest, timeout time.Duration) (*CallHandle, error) {
	return c.send(ctx, peer, req, timeout)
}

func (c *Client) send(ctx context.Context, peer device.Peer, req protocol.DialRequest, timeout time.Duration) (*CallHandle, error) {
	sealed, err := c.box.Seal(protocol.KindDial, req, peer.CurvePub)
	if err != nil {
		return nil, fmt.Errorf("call: seal request: %w", err)
	}
	return c.SendRaw(ctx, peer, req.ID, sealed, timeout)
}

// callSub is where a call's status updates go, and the phone they may
// come from.
type callSub struct {
	ch    chan protocol.Status
	phone device.ID
}

// SendRaw sends sealed bytes as dial request id and reads the answer.
func (c *Client) SendRaw(ctx context.Context, peer device.Peer, id string, sealed []byte, timeout time.Duration) (*CallHandle, error) {
	ch := make(chan protocol.Status, 16)
	c.mu.Lock()
	c.calls[id] = callSub{ch: ch, phone: peer.ID}
	c.mu.Unlock()
	h := &CallHandle{ID: id, Phone: peer, c: c, done: make(chan struct{})}
	subj := protocol.SubjectDial(c.d.prefix(), peer.ID)
	var (
		raw []byte
		err error
	)
	for {
		raw, err = c.conn.RequestRetry(ctx, subj, sealed, timeout)
		// A phone reconnecting to a server this process just started is
		// not offline yet; poll until it is back or the grace is over.
		if errors.Is(err, bus.ErrOffline) && time.Now().Before(c.grace) && !c.seenOnline(peer.ID) {
			select {
			case <-time.After(100 * time.Millisecond):
				continue
			case <-ctx.Done():
			}
		}
		break
	}
	if err == nil {
		c.markOnline(peer.ID)
	}
	if err != nil {
		h.Close()
		switch {
		case errors.Is(err, bus.ErrOffline):
			return nil, phoneErr(ErrOffline, "%s is offline", peer.Name)
		case errors.Is(err, bus.ErrTimeout):
			return nil, phoneErr(ErrTimeout, "no answer from %s within %s", peer.Name, timeout.Round(time.Millisecond))
		}
		return nil, fmt.Errorf("call %s: %w", peer.Name, err)
	}
	rep, err := c.openReply(peer, raw)
	if err != nil {
		h.Close()
		return nil, err
	}
	// A box that did not open is answered with an unknown id: the phone
	// could not read ours.
	if rep.ID != id && (rep.Accepted || rep.ID != "unknown") {
		h.Close()
		return nil, fmt.Errorf("call %s: %w: answer to another request", peer.Name, ErrBadReply)
	}
	if !rep.Accepted {
		h.Close()
		return nil, &RefusedError{Phone: peer, Reply: rep}
	}
	h.Reply = rep
	out := make(chan protocol.Status)
	h.Updates = out
	go h.forward(ch, out) // owned by the handle: ends with a final state or Close
	return h, nil
}

// forward delivers states in order, dropping duplicates, until a final one.
func (h *CallHandle) forward(in <-chan protocol.Status, out chan<- protocol.Status) {
	defer close(out)
	defer h.Close()
	next := 0
	held := map[int]protocol.Status{}
	for {
		select {
		case st := <-in:
			if st.Seq < next {
				continue
			}
			held[st.Seq] = st
			for {
				s, ok := held[next]
				if !ok {
					break
				}
				delete(held, next)
				next++
				select {
				case out <- s:
				case <-h.done:
					return
				}
				if s.Final() {
					return
				}
			}
		case <-h.done:
			return
		}
	}
}

func (c *Client) openReply(peer device.Peer, raw []byte) (protocol.Reply, error) {
	kind, sender, plain, err := c.box.Open(raw)
	if err != nil {
		return protocol.Reply{}, fmt.Errorf("call %s: %w: %v", peer.Name, ErrBadReply, err)
	}
	if sender != peer.CurvePub || kind != protocol.KindReply {
		return protocol.Reply{}, fmt.Errorf("call %s: %w: not sealed by the phone", peer.Name, ErrBadReply)
	}
	rep, err := protocol.DecodeReply(plain)
	if err != nil {
		return protocol.Reply{}, fmt.Errorf("call %s: %w: %v", peer.Name, ErrBadReply, err)
	}
	return rep, nil
}

// Hangup asks the phone to end call id.
func (c *Client) Hangup(ctx context.Context, phone device.ID, callID string) error {
	peer, ok := c.d.Registry.Get(phone)
	if !ok || peer.Role != device.RolePhone {
		return fmt.Errorf("hang up %s: %w", phone.Short(), ErrNotPhone)
	}
	now := time.Now()
	h := protocol.Hangup{V: protocol.Version, ID: protocol.NewMsgID(), CallID: callID, IssuedAt: now.UnixMilli(),
		ExpiresAt: now.Add(DefaultTimeout).UnixMilli(), From: c.d.Identity.ID.String(), To: phone.String()}
	sealed, err := c.box.Seal(protocol.KindHangup, h, peer.CurvePub)
	if err != nil {
		return fmt.Errorf("hang up: seal: %w", err)
	}
	raw, err := c.conn.RequestRetry(ctx, protocol.SubjectDial(c.d.prefix(), phone), sealed, DefaultTimeout)
	if err != nil {
		if errors.Is(err, bus.ErrOffline) {
			return phoneErr(ErrOffline, "%s is offline", peer.Name)
		}
		if errors.Is(err, bus.ErrTimeout) {
			return phoneErr(ErrTimeout, "no answer from %s", peer.Name)
		}
		return fmt.Errorf("hang up: %w", err)
	}
	rep, err := c.openReply(peer, raw)
	if err != nil {
		return err
	}
	if !rep.Accepted {
		return &RefusedError{Phone: peer, Reply: rep}
	}
	return nil
}

// PhoneInfo is a paired phone and whether it is online now.
type PhoneInfo struct {
	Peer     device.Peer
	Online   bool
	Presence protocol.Presence // valid when Online
	// Verified says Presence was signed by the phone; otherwise it holds
	// what the phone said at pairing.
	Verified bool
}

// Phones lists the paired phones with their presence. A client that just
// started the server waits for phones to reconnect (up to a few seconds).
func (c *Client) Phones(ctx context.Context) ([]PhoneInfo, error) {
	for {
		infos, err := c.phonesOnce(ctx)
		if err != nil {
			return nil, err
		}
		all := true
		for _, p := range infos {
			all = all && (p.Online || c.seenOnline(p.Peer.ID))
		}
		if all || !time.Now().Before(c.grace) {
			return infos, nil
		}
		// Offline phones answer at once: pause before asking again.
		select {
		case <-time.After(phonesPoll):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// phonesPoll is the pause between listings while phones may still be
// reconnecting to a server that just started.
const phonesPoll = 100 * time.Millisecond

// phonesOnce lists the paired phones with their presence (surveyPhones).
func (c *Client) phonesOnce(ctx context.Context) ([]PhoneInfo, error) {
	// Who is paired decides what is listed: a registry that cannot be
	// read is an error, not the last list seen.
	if err := c.d.Registry.Reload(); err != nil {
		return nil, fmt.Errorf("list phones: %w", err)
	}
	var phones []device.Peer
	for _, p := range c.d.Registry.List() {
		if p.Role == device.RolePhone {
			phones = append(phones, p)
		}
	}
	out, err := surveyPhones(ctx, c.conn, c.d.prefix(), phones, &c.legacy)
	if err != nil {
		return nil, fmt.Errorf("list phones: %w", err)
	}
	for _, p := range out {
		if p.Online {
			c.markOnline(p.Peer.ID)
		}
	}
	return out, nil
}

// legacyPhones are the phones seen answering presence only through the
// micro service discovery (older phones).
type legacyPhones struct {
	mu sync.Mutex
	m  map[device.ID]bool
}

func (l *legacyPhones) has(id device.ID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m[id]
}

func (l *legacyPhones) set(id device.ID, on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[device.ID]bool{}
	}
	l.m[id] = on
}

// surveyPhones pings every phone on its dial subject (an empty request,
// answered with its signed presence, or "no responders" at once when it
// is offline) and asks phones older than that through the micro service
// discovery they register. A phone seen answering only the latter is not
// pinged on its dial subject again (it is remembered in legacy): an older
// phone records each ping as a malformed message in its audit log.
// Presence that is not signed by the phone falls back to what it said at
// pairing.
func surveyPhones(ctx context.Context, conn *bus.Conn, prefix string, phones []device.Peer, legacy *legacyPhones) ([]PhoneInfo, error) {
	var subjects []string
	var pinged, old []int // indexes into phones
	for i, p := range phones {
		if legacy.has(p.ID) {
			old = append(old, i)
			continue
		}
		pinged = append(pinged, i)
		subjects = append(subjects, protocol.SubjectDial(prefix, p.ID))
	}
	// verified finds the instance that carries phone p's signed presence.
	verified := func(inst []bus.Instance, p device.Peer) (protocol.Presence, bool) {
		for _, in := range inst {
			if in.Metadata["id"] != p.ID.String() {
				continue
			}
			if pr, err := protocol.VerifyPresence(in.Metadata, p.SignPub); err == nil {
				return pr, true
			}
		}
		return protocol.Presence{}, false
	}
	legacyDone := func(inst []bus.Instance) bool {
		for _, i := range old {
			if _, ok := verified(inst, phones[i]); !ok {
				return false
			}
		}
		return true
	}
	answers, inst, err := conn.Survey(ctx, subjects, protocol.ServiceName, legacyDone, bus.DiscoverWindow)
	if err != nil {
		return nil, err
	}
	out := make([]PhoneInfo, len(phones))
	answered := make([]bool, len(phones))
	for k, i := range pinged {
		p, a := phones[i], answers[k]
		out[i] = PhoneInfo{Peer: p}
		if a.Data == nil {
			continue
		}
		answered[i] = true
		// Presence is unsealed: only what the phone signed is shown;
		// anything else (a relay answering in the phone's name) falls
		// back to what the phone said, authenticated, at pairing.
		out[i].Online = true
		if m, err := protocol.MetadataFromAnswer(a.Data); err == nil {
			if pr, err := protocol.VerifyPresence(m, p.SignPub); err == nil {
				out[i].Presence, out[i].Verified = pr, true
			}
		}
	}
	for i, p := range phones {
		if answered[i] {
			continue
		}
		out[i].Peer = p
		for _, in := range inst {
			if in.Metadata["id"] == p.ID.String() {
				out[i].Online = true
			}
		}
		pr, ok := verified(inst, p)
		if ok {
			out[i].Presence, out[i].Verified = pr, true
		}
		// Remember an older phone by what it signed; forget it when it
		// stops answering that way (it may have been updated).
		legacy.set(p.ID, ok)
	}
	for i := range out {
		if out[i].Online && !out[i].Verified {
			out[i].Presence = pairedPresence(out[i].Peer)
		}
	}
	return out, nil
}

// pairedPresence is a phone's presence as it described itself at pairing
// (its join is signed and proves the offer's secret), for when no signed
// presence is at hand.
func pairedPresence(p device.Peer) protocol.Presence {
	pr := protocol.Presence{ID: p.ID.String(), Name: p.Name}
	var caps struct {
		Backend       string `json:"backend"`
		PlacesCalls   bool   `json:"places_calls"`
		ReportsStates bool   `json:"reports_states"`
		CanHangup     bool   `json:"can_hangup"`
	}
	if json.Unmarshal(p.Caps, &caps) == nil && protocol.CheckBackend(caps.Backend) == nil {
		pr.Backend, pr.PlacesCalls, pr.ReportsStates, pr.CanHangup = caps.Backend, caps.PlacesCalls, caps.ReportsStates, caps.CanHangup
	}
	return pr
}

// Offer makes a pairing offer answered by the service: this client's own,
// or the running instance's (handed over through the offers file).
func (c *Client) Offer(ctx context.Context) (pairing.Offer, error) {
	if c.svc != nil {
		return c.svc.NewOffer()
	}
	if !c.shared {
		return pairing.Offer{}, fmt.Errorf("make offer: %w: start `deskdial serve` so a phone can pair", ErrNoInstance)
	}
	ri, err := readRunFile(c.d.Paths.Config)
	if err != nil {
		return pairing.Offer{}, fmt.Errorf("make offer: %w", err)
	}
	var urls []string
	fp := ri.CertFP
	if ri.Hosted != "" {
		urls = hostedServers(ri.Hosted)
	} else {
		urls = ri.URLs
	}
	o, err := pairing.NewOffer(c.d.Identity, c.d.Name, urls, fp, time.Now())
	if err != nil {
		return o, err
	}
	if o, err = c.d.withLogin(o); err != nil {
		return o, err
	}
	if err := addOffer(c.d.Paths.Config, o); err != nil {
		return o, err
	}
	return o, nil
}

// PageURLs are the addresses of the phone agent in the browser served by
// the running instance ("https://IP:PORT"), best first; none when it uses a
// hosted server or cannot serve the page.
func (c *Client) PageURLs() []string {
	if c.svc != nil {
		return c.svc.PageURLs()
	}
	ri, err := readRunFile(c.d.Paths.Config)
	if err != nil {
		return nil
	}
	return ri.Web
}

// CancelOffer withdraws an offer made with Offer. An error says the
// offers file could not be rewritten without it: the running instance
// would answer it until it expires.
func (c *Client) CancelOffer(o pairing.Offer) error {
	if c.svc != nil {
		return c.svc.CancelOffer(o)
	}
	if err := dropOffer(c.d.Paths.Config, o.OfferID()); err != nil {
		return fmt.Errorf("withdraw offer: %w", err)
	}
	return nil
}

// WaitPaired waits until a phone not in before appears in the registry.
func (c *Client) WaitPaired(ctx context.Context, before []device.Peer) (device.Peer, error) {
	had := map[device.ID]bool{}
	for _, p := range before {
		had[p.ID] = true
	}
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if err := c.d.Registry.Reload(); err == nil {
			for _, p := range c.d.Registry.List() {
				if p.Role == device.RolePhone && !had[p.ID] {
					return p, nil
				}
			}
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return device.Peer{}, ctx.Err()
		}
	}
}

// Unpair forgets a paired device and, for a phone, revokes its access to
// the embedded server at once.
func (c *Client) Unpair(ctx context.Context, id device.ID) error {
	peer, ok := c.d.Registry.Get(id)
	if !ok {
		return fmt.Errorf("unpair %s: %w", id.Short(), device.ErrNoPeer)
	}
	if err := c.d.Registry.Remove(id); err != nil {
		return fmt.Errorf("unpair %s: %w", peer.Name, err)
	}
	c.box.Forget(peer.CurvePub)
	if c.svc != nil {
		return c.svc.Reload()
	}
	if c.shared {
		b, err := c.conn.Request(ctx, c.d.ctlSubject("reload"), nil, DefaultTimeout)
		if err != nil {
			return fmt.Errorf("unpair %s: tell the running deskdial: %w", peer.Name, err)
		}
		if string(b) != "ok" {
			return fmt.Errorf("unpair %s: the running deskdial says: %s", peer.Name, b)
		}
	}
	return nil
}
