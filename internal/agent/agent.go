// Package agent is the phone side of deskdial: it receives sealed dial
// instructions, checks them against the policy (who sent it, for whom, how
// old, seen before, how many, what number) and only then hands a clean
// E.164 number to a dialer backend; it streams the call's states back to the
// desktop and keeps an audit log of every request and decision.
package agent

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/protocol"
)

// Publisher sends status messages (a *bus.Conn).
type Publisher interface {
	Publish(subject string, data []byte) error
}

// Config is what an agent needs. Identity, Registry and Dialer are required.
type Config struct {
	Identity      *device.Identity
	Registry      *device.Registry
	RegistryDir   string // where Registry keeps peers.json; changes by other processes are picked up
	Dialer        dialer.Dialer
	Name          string      // this phone's display name
	Region        string      // for national numbers ("030 ...")
	AllowMMI      bool        // let USSD/MMI codes through, prefill only
	RatePerMinute int         // dial requests per desktop per minute; 0: 10
	Prefix        string      // subject prefix; "": "deskdial"
	AuditPath     string      // the audit log; "": no log (tests only)
	ClockPath     string      // the clock mark; "": ClockFile next to AuditPath (none without it)
	Version       string      // deskdial version, for presence
	OnEntry       func(Entry) // told every decision (the CLI prints them)
}

// Agent handles dial instructions for one phone. Safe for concurrent use.
type Agent struct {
	cfg    Config
	box    *protocol.Box
	now    func() time.Time     // the wall clock: request times are compared with it
	mono   func() time.Duration // real time since some start, unaffected by clock steps
	mark   *clockMark
	aud    *auditLog
	wg     sync.WaitGroup
	mu     sync.Mutex
	seen   map[string]*seenEntry         // dial ids until they expire by the clock mark
	rate   map[device.ID][]time.Duration // accepted-for-processing times (mono) per desktop
	live   map[string]liveCall           // dial id -> running call
	pruned time.Duration                 // mono time of the last sweep of seen

	self      string // this phone's device ID as the wire spells it
	peersPath string // RegistryDir's peers.json, or ""
	regMu     sync.Mutex
	regStamp  regStamp
}

// regStamp tells whether peers.json changed since it was last read.
type regStamp struct {
	ok    bool // the file existed
	mtime int64
	size  int64
}

// seenEntry is a dial id the agent has taken on. It is recorded, under
// the same lock as the check that it is new, before anything is dialled;
// done is closed once reply holds the decision, so a copy of the request
// arriving meanwhile waits for it instead of dialling again.
type seenEntry struct {
	expires time.Time
	digest  [32]byte // zero for an id read back from the audit log
	from    device.ID
	reply   protocol.Reply
	done    chan struct{}
}

type liveCall struct {
	call   dialer.Call
	from   device.ID
	cancel context.CancelFunc
}

// Option configures New.
type Option func(*Agent)

// WithClock sets the agent's wall clock (tests of expiry use it).
func WithClock(now func() time.Time) Option { return func(a *Agent) { a.now = now } }

// WithClocks sets the agent's wall clock and its monotonic clock (the real
// time elapsed since some start), for tests that step one and not the other.
func WithClocks(wall func() time.Time, mono func() time.Duration) Option {
	return func(a *Agent) { a.now, a.mono = wall, mono }
}

// New makes an agent.
func New(cfg Config, opts ...Option) (*Agent, error) {
	if cfg.Identity == nil || cfg.Registry == nil || cfg.Dialer == nil {
		return nil, errors.New("agent: identity, registry and dialer are required")
	}
	if cfg.RatePerMinute <= 0 {
		cfg.RatePerMinute = 10
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "deskdial"
	}
	start := time.Now()
	a := &Agent{
		cfg:  cfg,
		box:  protocol.NewBox(cfg.Identity),
		now:  time.Now,
		mono: func() time.Duration { return time.Since(start) },
		seen: map[string]*seenEntry{},
		rate: map[device.ID][]time.Duration{},
		live: map[string]liveCall{},
	}
	for _, o := range opts {
		o(a)
	}
	a.pruned = a.mono()
	a.self = cfg.Identity.ID.String()
	if cfg.RegistryDir != "" {
		a.peersPath = filepath.Join(cfg.RegistryDir, device.PeersFile)
	}
	if cfg.ClockPath == "" && cfg.AuditPath != "" {
		cfg.ClockPath = filepath.Join(filepath.Dir(cfg.AuditPath), ClockFile)
		a.cfg.ClockPath = cfg.ClockPath
	}
	m, err := loadMark(cfg.ClockPath)
	if err != nil {
		return nil, err
	}
	a.mark = m
	if cfg.AuditPath != "" {
		// The replay cache lives in memory; the audit log carries it over
		// a restart, or a request captured on the relay could be replayed
		// to a restarted agent while still valid and dial again.
		if err := a.restoreSeen(cfg.AuditPath); err != nil {
			_ = m.close()
			return nil, err
		}
		l, err := openAudit(cfg.AuditPath)
		if err != nil {
			_ = m.close()
			return nil, err
		}
		a.aud = l
	}
	return a, nil
}

// restoreSeen fills the replay cache with the ids the audit log holds
// whose requests have not expired by the clock mark. Every id is logged
// before it is dialled, with its expiry, so this holds even if the saved
// mark lags behind (a crash before it was saved) or was deleted: a lower
// mark only means more ids are read back. Their digests are unknown, so
// any request reusing one, even the desktop's own retry, is refused as
// replayed: a retry across a restart is rare, a second dial is not
// acceptable.
func (a *Agent) restoreSeen(path string) error {
	mark := a.mark.advance(a.now())
	entries, err := recentDials(path, mark.Add(-replayWindow))
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, ok := a.seen[e.ID]; ok {
			continue // newest first: keep the latest decision
		}
		// A line from before the mark was logged has no expiry: keep it
		// for as long as a request can be valid after it was decided.
		expires := e.Time.Add(replayWindow)
		if e.Expires > 0 {
			expires = time.UnixMilli(e.Expires)
		}
		if expires.Before(mark) {
			continue // expired for good, refused as such
		}
		from, _ := device.ParseID(e.From)
		done := make(chan struct{})
		close(done)
		a.seen[e.ID] = &seenEntry{expires: expires, from: from, done: done,
			reply: protocol.Refuse(e.ID, protocol.CodeReplayed, "a request with this id was already handled")}
	}
	return nil
}

// Presence is what desktops see when they list phones.
func (a *Agent) Presence() protocol.Presence {
	c := a.cfg.Dialer.Capabilities()
	return protocol.Presence{
		ID: a.cfg.Identity.ID.String(), Name: a.cfg.Name, Backend: a.cfg.Dialer.Name(),
		PlacesCalls: c.PlacesCalls, ReportsStates: c.ReportsStates, CanHangup: c.CanHangup,
		Version: a.cfg.Version,
	}
}

// Serve answers dial instructions arriving on conn until ctx ends (Listen,
// then wait). Serve may run on several connections at once (desktops on
// different servers).
func (a *Agent) Serve(ctx context.Context, conn *bus.Conn) error {
	sub, err := a.Listen(ctx, conn)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return sub.Stop()
}

// Listen subscribes to the phone's own dial subject on conn, its one
// subscription, and answers there until ctx ends or the subscription is
// stopped. An empty request is a presence ping, answered with the phone's
// signed presence, so desktops list phones without a discovery service
// (which cost the server nine more subscriptions per phone).
func (a *Agent) Listen(ctx context.Context, conn *bus.Conn) (*bus.Subscription, error) {
	// Signed, because presence is not sealed: desktops show only what
	// verifies with this phone's key. It does not change while the
	// phone listens, so it is signed once.
	presence, err := a.Presence().SignedAnswer(a.cfg.Identity)
	if err != nil {
		return nil, fmt.Errorf("agent: serve: %w", err)
	}
	sub, err := conn.Subscribe(ctx, protocol.SubjectDial(a.cfg.Prefix, a.cfg.Identity.ID), func(m bus.Msg) {
		if protocol.IsPresencePing(m.Data) {
			_ = m.Respond(presence)
			return
		}
		a.HandleMsg(ctx, m.Data, conn, m.Respond)
	})
	if err != nil {
		return nil, fmt.Errorf("agent: serve: %w", err)
	}
	return sub, nil
}

// Close waits for the calls being followed to end (their contexts end with
// Serve's), saves the clock mark and closes the audit log.
func (a *Agent) Close() error {
	a.wg.Wait()
	merr := a.mark.close()
	if a.aud != nil {
		if err := a.aud.close(); err != nil {
			return err
		}
	}
	return merr
}

// refusal is a decision not to dial, with a code and a reason for people.
type refusal struct {
	code   protocol.Code
	reason string
}

func refuse(code protocol.Code, format string, args ...any) *refusal {
	return &refusal{code, fmt.Sprintf(format, args...)}
}

// HandleMsg processes one sealed message, sends the sealed reply with
// respond (unless there is nobody to answer: bytes that name no sender
// key), and only then starts following an accepted call, whose states go
// out through pub until ctx ends. The reply goes first so the desktop
// learns "accepted" as early as it can.
func (a *Agent) HandleMsg(ctx context.Context, data []byte, pub Publisher, respond func([]byte) error) {
	out, follow := a.handle(ctx, data, pub)
	if out != nil {
		_ = respond(out)
	}
	if follow != nil {
		follow()
	}
}

// Handle is HandleMsg returning the reply instead of sending it.
func (a *Agent) Handle(ctx context.Context, data []byte, pub Publisher) []byte {
	out, follow := a.handle(ctx, data, pub)
	if follow != nil {
		follow()
	}
	return out
}

func (a *Agent) handle(ctx context.Context, data []byte, pub Publisher) ([]byte, func()) {
	kind, sender, plain, err := a.box.Open(data)
	if err != nil {
		// Answer a box that does not open to the key it names, so a real
		// desktop whose message was damaged learns why; the answer is sealed,
		// so it tells an impostor nothing.
		_, pk, perr := protocol.Peek(data)
		if perr != nil {
			a.audit(Entry{Kind: "dial", Decision: "refused", Code: protocol.CodeMalformed, Reason: "not a deskdial message"})
			return nil, nil
		}
		code, why := protocol.CodeMalformed, "malformed message"
		if errors.Is(err, protocol.ErrForged) {
			code, why = protocol.CodeForged, "the message was tampered with or not sealed by a paired desktop"
		}
		a.audit(Entry{Kind: "dial", Decision: "refused", Code: code, Reason: why})
		return a.seal(protocol.Refuse(protocol.UnknownID, code, why), pk), nil
	}
	if err := a.reloadRegistry(); err != nil {
		// Fail closed: the list in memory may still hold a desktop that
		// was removed by the change that cannot be read.
		why := fmt.Sprintf("this phone cannot read its list of paired desktops, nothing is dialled until that is fixed: %v", err)
		a.audit(Entry{Kind: kind.String(), Decision: "refused", Code: protocol.CodeUnknownSender, Reason: why})
		return a.seal(protocol.Refuse(protocol.UnknownID, protocol.CodeUnknownSender, "this phone cannot read its list of paired desktops"), sender), nil
	}
	peer, known := a.cfg.Registry.ByCurveKey(sender)
	switch kind {
	case protocol.KindDial:
		return a.handleDial(ctx, plain, sender, peer, known, pub)
	case protocol.KindHangup:
		return a.handleHangup(ctx, plain, sender, peer, known), nil
	}
	a.audit(Entry{Kind: kind.String(), Decision: "refused", Code: protocol.CodeMalformed, Reason: "unexpected message kind"})
	return a.seal(protocol.Refuse(protocol.UnknownID, protocol.CodeMalformed, "unexpected message kind "+kind.String()), sender), nil
}

func (a *Agent) handleDial(ctx context.Context, plain []byte, sender string, peer device.Peer, known bool, pub Publisher) ([]byte, func()) {
	e := Entry{Kind: "dial"}
	from := ""
	if known {
		from = peer.ID.String()
		e.From, e.FromName = from, peer.Name
	}
	req, err := protocol.DecodeDial(plain)
	if err != nil {
		e.Decision, e.Code, e.Reason = "refused", protocol.CodeMalformed, "malformed dial request"
		a.audit(e)
		return a.seal(protocol.Refuse(protocol.UnknownID, protocol.CodeMalformed, e.Reason), sender), nil
	}
	e.ID, e.Target, e.Mode, e.Expires = req.ID, req.Target, string(req.Mode), req.ExpiresAt
	d := a.decide(ctx, req, requestDigest(req), peer, from, known)
	reply := d.reply
	if d.dup {
		e.Decision = "duplicate"
		e.Code, e.Reason, e.Number = reply.Code, reply.Reason, reply.Number
		a.audit(e)
		return a.seal(reply, sender), nil
	}
	var follow func()
	if reply.Code == "" {
		// The id goes into the log before anything is dialled: replay
		// protection across a restart is rebuilt from the log, so a
		// request that cannot be logged is not dialled (fail closed).
		pre := e
		pre.Decision, pre.Number = "dialling", d.number
		if err := a.record(pre); err != nil {
			reply.Code = protocol.CodeAuditFailed
			reply.Reason = fmt.Sprintf("nothing was dialled: this phone cannot write its audit log (is its storage full or read-only?): %v", err)
		} else {
			reply, follow = a.dial(ctx, req, peer, d.number, d.mode, pub)
		}
	}
	if d.slot != nil {
		a.complete(d.slot, reply)
	}
	e.Decision = "accepted"
	if !reply.Accepted {
		e.Decision = "refused"
	}
	e.Code, e.Reason, e.Number = reply.Code, reply.Reason, reply.Number
	a.audit(e)
	return a.seal(reply, sender), follow
}

// decision is what decide makes of a request.
type decision struct {
	reply  protocol.Reply // Code set for a refusal
	number string         // what to dial, when reply.Code is ""
	mode   call.Mode
	dup    bool       // a copy of a request already handled: reply is the earlier answer
	slot   *seenEntry // the id's place in the replay cache, to complete with the reply
}

// decide applies the policy. It returns a refusal, or an empty code with
// the number and mode to dial. Once a request has passed the checks of who
// sent it and when, its id is claimed in the replay cache in the same
// critical section as the check that it is new, so two copies handled at
// once (two servers feeding one phone) cannot both get past it.
func (a *Agent) decide(ctx context.Context, req protocol.DialRequest, digest [32]byte, peer device.Peer, from string, known bool) decision {
	d := decision{reply: protocol.Reply{V: protocol.Version, ID: req.ID}}
	no := func(x *refusal) decision {
		d.reply.Code, d.reply.Reason = x.code, x.reason
		return d
	}
	if !known || peer.Role != device.RoleDesktop {
		return no(refuse(protocol.CodeUnknownSender, "this phone is not paired with the sending desktop"))
	}
	if req.From != from {
		return no(refuse(protocol.CodeForged, "the request names a sender other than the desktop that sealed it"))
	}
	if req.To != a.self {
		return no(refuse(protocol.CodeWrongRecipient, "the request is for another phone"))
	}
	now := a.now()
	mark := a.mark.advance(now)
	if now.After(req.Expires()) {
		return no(refuse(protocol.CodeExpired, "the request expired %s ago, nothing was dialled (check both clocks if this repeats)",
			now.Sub(req.Expires()).Round(time.Millisecond)))
	}
	// The clock mark is the latest time this phone's clock has shown: a
	// request expired by it, or issued longer than the allowed skew
	// before it, is not current whatever the clock says now (it was set
	// back). Such requests are refused for good, so the replay cache
	// need not keep them.
	issued := time.UnixMilli(req.IssuedAt)
	if !mark.After(now) && issued.Before(now.Add(-protocol.MaxSkew)) {
		return no(refuse(protocol.CodeExpired, "the request was issued %s ago, more than the %s allowed; nothing was dialled (check both clocks if this repeats)",
			now.Sub(issued).Round(time.Second), protocol.MaxSkew))
	}
	if mark.After(req.Expires()) || issued.Before(mark.Add(-protocol.MaxSkew)) {
		return no(refuse(protocol.CodeExpired, "the request was issued at %s, before this phone's clock last read %s; nothing was dialled "+
			"(if the phone's clock was wrong then, stop deskdial phone there and delete %s in its data directory)",
			issued.UTC().Format(time.RFC3339), mark.UTC().Format(time.RFC3339), ClockFile))
	}
	a.mu.Lock()
	a.pruneLocked(mark)
	if s, ok := a.seen[req.ID]; ok {
		a.mu.Unlock()
		if s.digest != digest || s.from != peer.ID {
			return no(refuse(protocol.CodeReplayed, "a request with this id was already handled"))
		}
		// The sender's retry, or a second copy: the same answer, no
		// second dial. A copy arriving while the first is being decided
		// waits for its answer.
		select {
		case <-s.done:
		case <-ctx.Done():
			return no(refuse(protocol.CodeReplayed, "a request with this id is being handled"))
		}
		d.reply, d.dup = s.reply, true
		return d
	}
	d.slot = &seenEntry{expires: req.Expires(), digest: digest, from: peer.ID, done: make(chan struct{})}
	a.seen[req.ID] = d.slot
	a.mu.Unlock()

	if err := req.CheckTime(now); errors.Is(err, protocol.ErrNotYetValid) {
		return no(refuse(protocol.CodeNotYetValid, "the request was issued %s in this phone's future; the clocks differ too much",
			time.UnixMilli(req.IssuedAt).Sub(now).Round(time.Second)))
	}

	// Rate limit per desktop over a sliding minute of real time: the
	// times are in order, so drop the old ones from the front.
	a.mu.Lock()
	mono := a.mono()
	win := a.rate[peer.ID]
	i := 0
	for i < len(win) && mono-win[i] >= time.Minute {
		i++
	}
	win = win[i:]
	if len(win) >= a.cfg.RatePerMinute {
		a.rate[peer.ID] = win
		a.mu.Unlock()
		return no(refuse(protocol.CodeRateLimited, "more than %d requests a minute from this desktop", a.cfg.RatePerMinute))
	}
	a.rate[peer.ID] = append(win, mono)
	a.mu.Unlock()

	mode := call.ModeCall
	switch req.Mode {
	case call.ModeCall:
	case call.ModePrefill:
		mode = call.ModePrefill
	default:
		return no(refuse(protocol.CodeMalformed, "unknown mode %q", req.Mode))
	}
	if number.IsMMI(req.Target) {
		if !a.cfg.AllowMMI {
			return no(refuse(protocol.CodeMMI, "USSD/MMI codes (* and #) are not dialled; allow them in the phone's settings to have them filled in"))
		}
		code, ok := mmiCode(req.Target)
		if !ok {
			return no(refuse(protocol.CodeMMI, "%q is not a USSD/MMI code this phone fills in (digits, * and #, at most %d)", req.Target, maxMMI))
		}
		d.number, d.mode = code, call.ModePrefill // prefill only: the user presses call
		return d
	}
	// A backend that can only open the dialer never places a call, so the
	// request is a prefill whatever was asked; the reply says so.
	if mode == call.ModeCall && !a.cfg.Dialer.Capabilities().PlacesCalls {
		mode = call.ModePrefill
	}
	// A short code (emergency or service number) has no E.164 form: it is
	// only ever filled in, as its digits, for the phone's own dialer to
	// route; never called from a request. The desktop's region may not be
	// the phone's, so what is no number here is checked against all regions.
	n, err := number.Parse(req.Target, a.cfg.Region)
	sc, short := number.Short(req.Target, a.cfg.Region)
	if !short && err != nil {
		sc, short = number.Short(req.Target, "")
	}
	if short {
		switch {
		case mode == call.ModePrefill:
			d.number, d.mode = sc.Digits, call.ModePrefill
			return d
		case sc.Emergency:
			return no(refuse(protocol.CodeEmergency, "%s is an emergency number, not dialled automatically; call it from the phone", sc.Digits))
		}
		return no(refuse(protocol.CodePremium, "%s is a short code (a service number), not dialled automatically; send it with --prefill to confirm on the phone", sc.Digits))
	}
	if err != nil {
		if number.LooksLikeName(req.Target, a.cfg.Region) {
			return no(refuse(protocol.CodeContactName, "%q looks like a contact name; the %s backend cannot look names up, send a number", req.Target, a.cfg.Dialer.Name()))
		}
		return no(refuse(protocol.CodeNotANumber, "%q is not a phone number", req.Target))
	}
	if mode == call.ModeCall && !n.SafeToAutoDial() {
		switch n.Type {
		case number.TypeEmergency:
			return no(refuse(protocol.CodeEmergency, "emergency number, not dialled automatically; send with --prefill and call from the phone"))
		case number.TypePremium:
			return no(refuse(protocol.CodePremium, "premium-rate number, not dialled automatically; send with --prefill to confirm on the phone"))
		default:
			return no(refuse(protocol.CodePremium, "%s number, not dialled automatically; send with --prefill to confirm on the phone", n.Type))
		}
	}
	d.number, d.mode = n.E164, mode
	return d
}

// maxMMI is the longest code handed to a dialer; a reply's number is
// refused by desktops beyond it.
const maxMMI = 32

// mmiCode returns an allowed USSD/MMI code as a dialer takes it: without a
// tel: scheme or percent-encoding, spaces and hyphens dropped, nothing left
// but digits, '*', '#' and a leading '+'. ok is false for anything else, so
// no backend is ever handed shell or URI syntax in place of a number.
func mmiCode(target string) (code string, ok bool) {
	s := strings.TrimSpace(target)
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
	}
	if dec, err := url.PathUnescape(s); err == nil {
		s = dec
	}
	b := make([]byte, 0, len(s))
	for _, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9', c == '*', c == '#':
			b = append(b, c)
		case c == '+' && len(b) == 0:
			b = append(b, c)
		case c == ' ' || c == '-':
		default:
			return "", false
		}
	}
	if len(b) == 0 || len(b) > maxMMI {
		return "", false
	}
	return string(b), true
}

// dial hands the number to the backend, checking expiry right before. The
// returned func starts streaming the call's states (after the reply went out).
func (a *Agent) dial(ctx context.Context, req protocol.DialRequest, peer device.Peer, num string, mode call.Mode, pub Publisher) (protocol.Reply, func()) {
	r := protocol.Reply{V: protocol.Version, ID: req.ID}
	exp := time.UnixMilli(req.ExpiresAt)
	// The message may have sat in a socket buffer while this process was
	// stopped; never dial once the desktop has given up.
	if now := a.now(); !now.Before(exp) {
		r.Code, r.Reason = protocol.CodeExpired, fmt.Sprintf("the request expired %s ago before it could be dialled", now.Sub(exp).Round(time.Millisecond))
		return r, nil
	}
	dctx, cancel := context.WithDeadline(ctx, exp)
	dc, err := a.cfg.Dialer.Dial(dctx, dialer.Request{ID: req.ID, Number: num, Mode: mode, Expires: exp})
	cancel()
	if err != nil {
		r.Code = protocol.CodeDialerFailed
		if errors.Is(err, dialer.ErrUnavailable) {
			r.Code = protocol.CodeDialerUnavailable
		}
		r.Reason = err.Error()
		return r, nil
	}
	r.Accepted, r.Number, r.Mode = true, num, call.ModeCall
	if mode == call.ModePrefill {
		r.Mode = call.ModePrefill
	}
	return r, func() { a.watch(ctx, req.ID, peer, dc, pub) }
}

// watch streams the call's states, sealed, to the desktop's status subject.
// The goroutine belongs to ctx (Serve's); Close waits for it.
func (a *Agent) watch(ctx context.Context, id string, peer device.Peer, dc dialer.Call, pub Publisher) {
	wctx, cancel := context.WithCancel(ctx)
	ch, err := a.cfg.Dialer.Watch(wctx, dc)
	if err != nil {
		cancel()
		a.sendStatus(pub, peer, protocol.Status{ID: id, State: call.Failed, Reason: err.Error()})
		return
	}
	a.mu.Lock()
	a.live[id] = liveCall{call: dc, from: peer.ID, cancel: cancel}
	a.mu.Unlock()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer cancel()
		defer func() {
			a.mu.Lock()
			delete(a.live, id)
			a.mu.Unlock()
		}()
		seq := 0
		for ev := range ch {
			a.sendStatus(pub, peer, protocol.Status{ID: id, Seq: seq, State: ev.State,
				At: ev.At.UnixMilli(), DurationMS: ev.Duration.Milliseconds(), Reason: ev.Reason})
			seq++
		}
	}()
}

func (a *Agent) sendStatus(pub Publisher, peer device.Peer, st protocol.Status) {
	if pub == nil {
		return
	}
	st.V = protocol.Version
	st.From = a.self
	if st.At == 0 {
		st.At = a.now().UnixMilli()
	}
	b, err := a.box.Seal(protocol.KindStatus, st, peer.CurvePub)
	if err != nil {
		return
	}
	_ = pub.Publish(protocol.SubjectStatus(a.cfg.Prefix, peer.ID), b)
}

func (a *Agent) handleHangup(ctx context.Context, plain []byte, sender string, peer device.Peer, known bool) []byte {
	e := Entry{Kind: "hangup"}
	h, err := protocol.DecodeHangup(plain)
	r := protocol.Reply{V: protocol.Version, ID: protocol.UnknownID}
	fail := func(code protocol.Code, why string) []byte {
		r.Code, r.Reason = code, why
		e.Decision, e.Code, e.Reason = "refused", code, why
		a.audit(e)
		return a.seal(r, sender)
	}
	if err != nil {
		return fail(protocol.CodeMalformed, "malformed hang-up request")
	}
	r.ID, e.ID = h.ID, h.CallID
	if !known || peer.Role != device.RoleDesktop {
		return fail(protocol.CodeUnknownSender, "this phone is not paired with the sending desktop")
	}
	e.From, e.FromName = peer.ID.String(), peer.Name
	if h.From != peer.ID.String() {
		return fail(protocol.CodeForged, "the request names a sender other than the desktop that sealed it")
	}
	if h.To != a.self {
		return fail(protocol.CodeWrongRecipient, "the request is for another phone")
	}
	now := a.now()
	if err := h.CheckTime(now); err != nil {
		return fail(protocol.RefusalCode(err), "the hang-up request is out of its time window")
	}
	if a.mark.advance(now).After(time.UnixMilli(h.ExpiresAt)) {
		return fail(protocol.CodeExpired, "the hang-up request expired by an earlier reading of this phone's clock")
	}
	a.mu.Lock()
	lc, ok := a.live[h.CallID]
	a.mu.Unlock()
	if !ok || lc.from != peer.ID {
		return fail(protocol.CodeUnknownCall, "no call with this id is running")
	}
	if err := a.cfg.Dialer.Hangup(ctx, lc.call); err != nil {
		return fail(protocol.CodeDialerFailed, err.Error())
	}
	r.Accepted = true
	e.Decision = "accepted"
	a.audit(e)
	return a.seal(r, sender)
}

// requestDigest identifies what a request asks for, so a retry (same id,
// same digest) is told apart from a replay with changed fields.
func requestDigest(req protocol.DialRequest) [32]byte {
	return sha256.Sum256([]byte(req.From + "\x00" + req.Target + "\x00" + string(req.Mode) + "\x00" +
		strconv.FormatInt(req.IssuedAt, 10) + "\x00" + strconv.FormatInt(req.ExpiresAt, 10)))
}

// complete gives a claimed id its answer, for copies of the request that
// arrive later or are waiting.
func (a *Agent) complete(slot *seenEntry, reply protocol.Reply) {
	a.mu.Lock()
	slot.reply = reply
	a.mu.Unlock()
	close(slot.done)
}

// pruneLocked forgets ids whose requests expired by the clock mark: those
// are refused as expired whatever the wall clock is set to later, so the
// replay cache needs nothing older.
func (a *Agent) pruneLocked(mark time.Time) {
	// Sweep at most once a second of real time: the map holds at most a
	// minute or two of requests, and a sweep per request would cost more
	// than the rest of the policy.
	mono := a.mono()
	if mono-a.pruned < time.Second {
		return
	}
	a.pruned = mono
	for id, s := range a.seen {
		if mark.After(s.expires) {
			delete(a.seen, id)
		}
	}
}

func (a *Agent) seal(r protocol.Reply, peerCurve string) []byte {
	b, err := a.box.Seal(protocol.KindReply, r, peerCurve)
	if err != nil {
		return nil
	}
	return b
}

// audit logs a decision and tells OnEntry. A decision that cannot be
// logged is still told: it dialled nothing (see record).
func (a *Agent) audit(e Entry) {
	e.Time = a.now().UTC()
	_ = a.record(e)
	if a.cfg.OnEntry != nil {
		a.cfg.OnEntry(e)
	}
}

// record writes e to the audit log with the clock mark.
func (a *Agent) record(e Entry) error {
	if a.aud == nil {
		return nil
	}
	if e.Time.IsZero() {
		e.Time = a.now().UTC()
	}
	e.Mark = a.mark.advance(e.Time).UnixMilli()
	return a.aud.write(e)
}

// reloadRegistry picks up pairings and unpairings made by another process
// (`deskdial unpair` while the agent runs) before a request is judged; a
// stat per request keeps it cheap. An error means the file changed and
// cannot be read: it is tried again on the next request.
func (a *Agent) reloadRegistry() error {
	if a.peersPath == "" {
		return nil
	}
	fi, err := os.Stat(a.peersPath)
	var stamp regStamp
	if err == nil {
		stamp = regStamp{ok: true, mtime: fi.ModTime().UnixNano(), size: fi.Size()}
	}
	a.regMu.Lock()
	defer a.regMu.Unlock()
	if stamp == a.regStamp {
		return nil
	}
	if err := a.cfg.Registry.Reload(); err != nil {
		return err
	}
	a.regStamp = stamp
	return nil
}
