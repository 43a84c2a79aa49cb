package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/protocol"
)

// Calling from a phone: a phone (the page's dial box) asks this desktop to
// have another of its phones call. The phone may not reach another phone's
// dial subject; the desktop checks the request like a phone checks a dial
// request (sealed by a paired phone, from names the sealer, for this
// desktop, in time, not replayed, within the rate), checks that the phone
// asked for is one of its own, and sends it an ordinary dial request of
// its own. The called phone applies its whole policy as for any request
// of this desktop. docs/security.md says what limits a rogue phone.

// Relay limits, per asking phone. A relayed dial also counts against this
// desktop's rate at the called phone (10 a minute by default), so a phone
// gets fewer, leaving the desktop's own calls room.
const (
	relayDialBurst  = 5
	relayDialEvery  = 12 * time.Second // 5 a minute
	relayListBurst  = 10
	relayListEvery  = 3 * time.Second
	relayConcurrent = 4                // requests handled at once, all phones together
	relayKeep       = 10 * time.Minute // how long a relayed call's states are forwarded
)

// RelayEvent is one dial a phone asked for through this desktop, with the
// called phone's answer.
type RelayEvent struct {
	From   device.Peer    // the asking phone
	Phone  device.Peer    // the phone asked to call
	Target string         // as sent to the called phone
	Reply  protocol.Reply // the called phone's answer (or this desktop's refusal)
}

// Number is the number to keep in the call history: what the called phone
// dials, else the target as sent; "" for a short code, which recents do
// not keep.
func (ev RelayEvent) Number() string {
	n := ev.Reply.Number
	if n == "" {
		n = ev.Target
	}
	if !strings.HasPrefix(n, "+") {
		return ""
	}
	return n
}

// OnRelay calls fn for every dial a phone asked for that was sent on to
// another phone.
func OnRelay(fn func(RelayEvent)) ServiceOption {
	return func(s *Service) {
		if fn != nil {
			s.onRelay = append(s.onRelay, fn)
		}
	}
}

// relayCall is a dial this desktop sent for a phone: the called phone's
// states go back to the asking phone under the id it chose.
type relayCall struct {
	from    device.Peer // asking phone
	reqID   string
	phone   device.ID // called phone
	expires time.Time
	rec     *relayRecord // its history row (nil: not recorded)
}

type relayer struct {
	path  string // where the ids acted on are kept across restarts ("": memory only)
	sem   chan struct{}
	mu    sync.Mutex
	seen  map[string]time.Time // asking phone ID + request id -> expiry
	dials map[device.ID]*bucket
	lists map[device.ID]*bucket
	calls map[string]relayCall // by the id of the dial this desktop sent
	// blocked: until then nothing is taken on (the kept ids could not be
	// read back).
	blocked time.Time
}

// RelaySeenFile keeps the ids of the relay requests the desktop acted on
// until they expire, in the config dir: a request kept by a relay and sent
// again after the desktop restarted is still a replay.
const RelaySeenFile = "relay-seen.json"

// maxRelaySeen bounds the file read back; the rate keeps far fewer.
const maxRelaySeen = 4096

func newRelayer(path string) *relayer {
	r := &relayer{path: path, sem: make(chan struct{}, relayConcurrent), seen: map[string]time.Time{},
		dials: map[device.ID]*bucket{}, lists: map[device.ID]*bucket{}, calls: map[string]relayCall{}}
	if path == "" {
		return r
	}
	var kept map[string]int64
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &kept) == nil && len(kept) <= maxRelaySeen {
		for k, exp := range kept {
			r.seen[k] = time.UnixMilli(exp)
		}
	} else if err == nil || !errors.Is(err, os.ErrNotExist) {
		// Unreadable: the ids it held are lost, so nothing is taken on
		// until every request they could name has expired.
		r.blocked = time.Now().Add(protocol.MaxTTL)
	}
	return r
}

// save writes the ids acted on; the caller holds r.mu.
func (r *relayer) save() error {
	if r.path == "" {
		return nil
	}
	kept := make(map[string]int64, len(r.seen))
	for k, exp := range r.seen {
		kept[k] = exp.UnixMilli()
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return err
	}
	return config.WriteFileAtomic(r.path, b, 0o600)
}

// bucket is a token bucket: burst at once, then one per every.
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) allow(now time.Time, burst float64, every time.Duration) bool {
	if b.last.IsZero() {
		b.tokens = burst
	} else if d := now.Sub(b.last); d > 0 {
		b.tokens = min(burst, b.tokens+float64(d)/float64(every))
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// admit refuses a replayed id and applies the rate, and then records the
// id until the request expires; it returns the refusal code, or "".
func (r *relayer) admit(from device.ID, req protocol.RelayRequest, now time.Time) protocol.Code {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, exp := range r.seen {
		if now.After(exp) {
			delete(r.seen, k)
		}
	}
	r.sweepCalls(now)
	if now.Before(r.blocked) {
		return protocol.CodeAuditFailed
	}
	key := from.String() + "/" + req.ID
	if _, ok := r.seen[key]; ok {
		return protocol.CodeReplayed
	}
	m, burst, every := r.dials, float64(relayDialBurst), relayDialEvery
	if req.Op == protocol.OpPhones {
		m, burst, every = r.lists, relayListBurst, relayListEvery
	}
	b := m[from]
	if b == nil {
		b = &bucket{}
		m[from] = b
	}
	if !b.allow(now, burst, every) {
		return protocol.CodeRateLimited
	}
	// Only ids acted on are kept: a flood over the rate cannot grow the
	// list, and a request refused for the rate was never acted on.
	r.seen[key] = req.Expires()
	if err := r.save(); err != nil {
		// Fail closed, as a phone does with its audit log: an id that
		// would be forgotten by a restart is not acted on.
		delete(r.seen, key)
		return protocol.CodeAuditFailed
	}
	return ""
}

// sweepCalls forgets relayed calls kept past relayKeep: a called phone that
// never reports the end (switched off mid-call) leaves nothing behind. The
// caller holds r.mu.
func (r *relayer) sweepCalls(now time.Time) {
	for k, c := range r.calls {
		if now.After(c.expires) {
			delete(r.calls, k)
		}
	}
}

func (r *relayer) addCall(dialID string, c relayCall) {
	r.mu.Lock()
	r.calls[dialID] = c
	r.mu.Unlock()
}

func (r *relayer) call(dialID string, final bool) (relayCall, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweepCalls(time.Now())
	c, ok := r.calls[dialID]
	if ok && final {
		delete(r.calls, dialID)
	}
	return c, ok
}

func (r *relayer) dropCall(dialID string) {
	r.mu.Lock()
	delete(r.calls, dialID)
	r.mu.Unlock()
}

// handleRelay takes a phone's relay request. Requests are handled apart
// (a dial waits for the called phone), at most relayConcurrent at once;
// more are dropped, as a busy phone's would be.
func (s *Service) handleRelay(ctx context.Context, m bus.Msg) {
	select {
	case s.relay.sem <- struct{}{}:
	default:
		return
	}
	go func() {
		defer func() { <-s.relay.sem }()
		s.relayOne(ctx, m.Data)
	}()
}

func (s *Service) relayOne(ctx context.Context, data []byte) {
	kind, sender, plain, err := s.box.Open(data)
	if err != nil || kind != protocol.KindRelay {
		return // nobody to answer: only a paired phone has a subject to answer on
	}
	from, ok := s.d.Registry.ByCurveKey(sender)
	if !ok || from.Role != device.RolePhone {
		return // not one of this desktop's phones: nothing is sent anywhere
	}
	now := time.Now()
	refuse := func(id string, code protocol.Code, reason string) {
		s.relayAnswer(from, protocol.KindReply, protocol.Refuse(id, code, reason))
	}
	req, err := protocol.DecodeRelay(plain)
	if err != nil {
		refuse(protocol.UnknownID, protocol.RefusalCode(err), err.Error())
		return
	}
	switch {
	case req.From != from.ID.String():
		refuse(req.ID, protocol.CodeForged, "the request names another phone than the one that sealed it")
		return
	case req.To != s.d.Identity.ID.String():
		refuse(req.ID, protocol.CodeWrongRecipient, "the request is for another computer")
		return
	}
	if err := req.CheckTime(now); err != nil {
		refuse(req.ID, protocol.RefusalCode(err), fmt.Sprintf("the request is outside its time window (check the clocks): %v", err))
		return
	}
	if slices.Contains(s.d.Settings.NoPhoneCalls, from.ID.String()) {
		refuse(req.ID, protocol.CodeNotAllowed, fmt.Sprintf("%s may not have your other phones call: allow it in the settings of %s", from.Name, s.d.Name))
		return
	}
	if code := s.relay.admit(from.ID, req, now); code != "" {
		why := "this request was sent before; send a new one"
		switch code {
		case protocol.CodeRateLimited:
			why = "too many requests from this phone; wait a minute"
		case protocol.CodeAuditFailed:
			why = "the computer cannot keep a record of requests (its settings folder); try again in a minute, or look at the folder's space and permissions"
		}
		refuse(req.ID, code, why)
		return
	}
	if req.Op == protocol.OpPhones {
		s.relayList(ctx, from, req)
		return
	}
	s.relayDial(ctx, from, req)
}

// relayAnswer seals msg to the asking phone and publishes it on its relayed
// subject, the only place a desktop answers a phone's relay request.
func (s *Service) relayAnswer(to device.Peer, kind protocol.Kind, msg any) {
	b, err := s.box.Seal(kind, msg, to.CurvePub)
	if err != nil {
		return
	}
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn != nil {
		_ = conn.Publish(protocol.SubjectRelayed(s.d.prefix(), to.ID), b)
	}
}

// relayList answers with this desktop's other phones that are online. Names
// are the ones this desktop keeps (given at pairing), not what presence says.
func (s *Service) relayList(ctx context.Context, from device.Peer, req protocol.RelayRequest) {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	list := protocol.PhoneList{V: protocol.Version, ID: req.ID, Phones: []protocol.PhoneEntry{}}
	var others []device.Peer
	for _, p := range s.d.Registry.List() {
		if p.Role == device.RolePhone && p.ID != from.ID {
			others = append(others, p)
		}
	}
	infos, err := surveyPhones(ctx, conn, s.d.prefix(), others, &s.legacy)
	if err != nil {
		s.relayAnswer(from, protocol.KindReply, protocol.Refuse(req.ID, protocol.CodeDialerUnavailable, "the computer could not list its phones; try again"))
		return
	}
	for _, p := range infos {
		// Only a presence signed by the phone counts: anyone on a
		// relay can answer in a phone's name.
		if p.Online && p.Verified && len(list.Phones) < protocol.MaxPhones {
			list.Phones = append(list.Phones, protocol.PhoneEntry{ID: p.Peer.ID.String(), Name: p.Peer.Name})
		}
	}
	s.relayAnswer(from, protocol.KindPhones, list)
}

// relayDial sends the phone asked for a dial request of this desktop's own
// (new id, fresh expiry) and hands its answer back to the asking phone.
func (s *Service) relayDial(ctx context.Context, from device.Peer, req protocol.RelayRequest) {
	refuse := func(code protocol.Code, reason string) {
		rep := protocol.Refuse(req.ID, code, reason)
		s.relayAnswer(from, protocol.KindReply, rep)
	}
	pid, _ := device.ParseID(req.Phone) // canonical: checked by Validate
	phone, ok := s.d.Registry.Get(pid)
	if !ok || phone.Role != device.RolePhone || phone.ID == from.ID {
		refuse(protocol.CodeUnknownPhone, "that phone is not paired with this computer")
		return
	}
	target, err := number.PrepareTarget(req.Target, s.d.Settings.KnownRegion(), req.Mode == call.ModePrefill)
	if err != nil {
		refuse(protocol.CodeNotANumber, err.Error())
		return
	}
	dial := protocol.NewDial(s.d.Identity.ID, phone.ID, target, req.Mode, time.Now(), DefaultTimeout)
	sealed, err := s.box.Seal(protocol.KindDial, dial, phone.CurvePub)
	if err != nil {
		refuse(protocol.CodeDialerFailed, "the computer could not seal the request")
		return
	}
	// The call's history row follows it from here: a state the called
	// phone reports before its reply is handled is kept for the row.
	rec := s.relayHist.newRecord(time.Now())
	s.relay.addCall(dial.ID, relayCall{from: from, reqID: req.ID, phone: phone.ID, expires: time.Now().Add(relayKeep), rec: rec})
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	raw, err := conn.RequestRetry(ctx, protocol.SubjectDial(s.d.prefix(), phone.ID), sealed, DefaultTimeout)
	var rep protocol.Reply
	switch {
	case errors.Is(err, bus.ErrOffline):
		rep = protocol.Refuse(req.ID, protocol.CodeOffline, phone.Name+" is offline")
	case err != nil:
		rep = protocol.Refuse(req.ID, protocol.CodeNoAnswer, "no answer from "+phone.Name)
	default:
		rep, err = s.relayReply(phone, dial.ID, raw)
		if err != nil {
			rep = protocol.Refuse(req.ID, protocol.CodeNoAnswer, fmt.Sprintf("%s answered with something unreadable", phone.Name))
		}
		rep.ID = req.ID
	}
	if !rep.Accepted {
		s.relay.dropCall(dial.ID)
	}
	ev := RelayEvent{From: from, Phone: phone, Target: target, Reply: rep}
	rec.begin(ev)
	s.relayAnswer(from, protocol.KindReply, rep)
	for _, fn := range s.onRelay {
		fn(ev)
	}
}

// relayReply opens the called phone's answer: sealed by it, about the dial
// this desktop sent.
func (s *Service) relayReply(phone device.Peer, dialID string, raw []byte) (protocol.Reply, error) {
	kind, sender, plain, err := s.box.Open(raw)
	if err != nil {
		return protocol.Reply{}, err
	}
	if sender != phone.CurvePub || kind != protocol.KindReply {
		return protocol.Reply{}, ErrBadReply
	}
	rep, err := protocol.DecodeReply(plain)
	if err != nil {
		return protocol.Reply{}, err
	}
	if rep.ID != dialID && (rep.Accepted || rep.ID != protocol.UnknownID) {
		return protocol.Reply{}, ErrBadReply
	}
	return rep, nil
}

// relayStatus hands a called phone's state of a relayed call to the phone
// that asked for it, under that phone's request id.
func (s *Service) relayStatus(phone device.Peer, st protocol.Status) {
	c, ok := s.relay.call(st.ID, st.Final())
	if !ok || c.phone != phone.ID {
		return
	}
	c.rec.state(st)
	st.ID = c.reqID
	s.relayAnswer(c.from, protocol.KindStatus, st)
}
