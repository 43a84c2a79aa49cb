package remote

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// relayRig is a world (desktop + Go phone agent "Pixel" with the log
// backend) and a second paired phone, the tablet, connected with its own
// nkey to the desktop's real embedded server, as the phone page is.
type relayRig struct {
	*world
	svc    *Service // the desktop's
	tablet *device.Identity
	nc     *nats.Conn
	got    chan *nats.Msg
	states []protocol.Status // states that arrived while a reply was awaited
}

// newRelayRig makes the rig; o says how the desktop runs (o.setup is
// replaced).
func newRelayRig(t *testing.T, deny bool, o worldOpts) *relayRig {
	t.Helper()
	tablet, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o.setup = func(d *Desktop) {
		if deny {
			d.Settings.NoPhoneCalls = []string{tablet.ID.String()}
		}
	}
	w := newWorld(t, o)
	svc := w.client.svc
	if svc == nil {
		svc = localServiceFor(w.desk.Paths.Config) // run apart from the client
	}
	if err := w.desk.Registry.Add(device.Peer{ID: tablet.ID, Name: "Tablet", Role: device.RolePhone,
		SignPub: tablet.SignPub, CurvePub: tablet.CurvePub, AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Reload(); err != nil {
		t.Fatal(err)
	}
	r := &relayRig{world: w, svc: svc, tablet: tablet, got: make(chan *nats.Msg, 16)}
	r.nc = rawConn(t, svc.srv.LoopbackURL(), nkeyOpt(t, tablet), nats.CustomInboxPrefix("_INBOX_"+tablet.ID.String()))
	if _, err := r.nc.ChanSubscribe(protocol.SubjectRelayed("deskdial", tablet.ID), r.got); err != nil {
		t.Fatal(err)
	}
	if err := r.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *relayRig) request(op, target string) protocol.RelayRequest {
	now := time.Now()
	q := protocol.RelayRequest{V: 1, ID: protocol.NewMsgID(), IssuedAt: now.UnixMilli(), ExpiresAt: now.Add(30 * time.Second).UnixMilli(),
		From: r.tablet.ID.String(), To: r.desk.Identity.ID.String(), Op: op}
	if op == protocol.OpDial {
		q.Phone, q.Target, q.Mode = r.phone.ID.String(), target, call.ModeCall
	}
	return q
}

func (r *relayRig) send(sealer *device.Identity, q protocol.RelayRequest) {
	r.t.Helper()
	b, err := protocol.NewBox(sealer).Seal(protocol.KindRelay, q, r.desk.Identity.CurvePub)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.nc.Publish(protocol.SubjectRelay("deskdial", r.desk.Identity.ID), b); err != nil {
		r.t.Fatal(err)
	}
}

// next opens the next answer on the tablet's relayed subject: it must be
// sealed by the desktop.
func (r *relayRig) next() (protocol.Kind, []byte) {
	r.t.Helper()
	select {
	case m := <-r.got:
		kind, sender, plain, err := protocol.NewBox(r.tablet).Open(m.Data)
		if err != nil || sender != r.desk.Identity.CurvePub {
			r.t.Fatalf("answer not sealed by the desktop: %v", err)
		}
		return kind, plain
	case <-time.After(10 * time.Second):
		r.t.Fatal("no answer from the desktop")
	}
	return 0, nil
}

// reply waits for the reply to id. A relayed call's state may overtake
// the reply (the called phone reports it right after answering); such
// states are kept for state.
func (r *relayRig) reply(id string) protocol.Reply {
	r.t.Helper()
	kind, plain := r.next()
	for kind == protocol.KindStatus {
		st, err := protocol.DecodeStatus(plain)
		if err != nil {
			r.t.Fatal(err)
		}
		r.states = append(r.states, st)
		kind, plain = r.next()
	}
	rep, err := protocol.DecodeReply(plain)
	if kind != protocol.KindReply || err != nil {
		r.t.Fatalf("want a reply, got kind %s: %v", kind, err)
	}
	if rep.ID != id {
		r.t.Fatalf("reply to %q, want %q: %+v", rep.ID, id, rep)
	}
	return rep
}

// state returns the next state of a relayed call.
func (r *relayRig) state() protocol.Status {
	r.t.Helper()
	if len(r.states) > 0 {
		st := r.states[0]
		r.states = r.states[1:]
		return st
	}
	kind, plain := r.next()
	st, err := protocol.DecodeStatus(plain)
	if kind != protocol.KindStatus || err != nil {
		r.t.Fatalf("want a state, got kind %s: %v", kind, err)
	}
	return st
}

func (r *relayRig) silent() {
	r.t.Helper()
	// A request that must get no answer is followed by a list request,
	// which does: whatever came before it would show up first.
	q := r.request(protocol.OpPhones, "")
	r.send(r.tablet, q)
	kind, plain := r.next()
	l, err := protocol.DecodePhones(plain)
	if kind != protocol.KindPhones || err != nil || l.ID != q.ID {
		r.t.Fatalf("got kind %s (%v) before the list: an answer to a request that deserved none", kind, err)
	}
}

// TestRelayCallFromAnotherPhone: the tablet lists the desktop's other
// phones, asks Pixel to call through the desktop, gets Pixel's acceptance
// and its state under its own request id, and Pixel's log backend dials.
func TestRelayCallFromAnotherPhone(t *testing.T) {
	r := newRelayRig(t, false, worldOpts{})
	events := make(chan RelayEvent, 4)
	r.svc.onRelay = append(r.svc.onRelay, func(ev RelayEvent) { events <- ev })

	q := r.request(protocol.OpPhones, "")
	r.send(r.tablet, q)
	kind, plain := r.next()
	l, err := protocol.DecodePhones(plain)
	if kind != protocol.KindPhones || err != nil || l.ID != q.ID {
		t.Fatalf("list: kind %s %+v %v", kind, l, err)
	}
	if len(l.Phones) != 1 || l.Phones[0].ID != r.phone.ID.String() || l.Phones[0].Name != "Pixel" {
		t.Fatalf("phones %+v, want only Pixel (not the tablet itself)", l.Phones)
	}

	q = r.request(protocol.OpDial, "+49 30 901820")
	r.send(r.tablet, q)
	rep := r.reply(q.ID)
	if !rep.Accepted || rep.Number != "+4930901820" {
		t.Fatalf("reply %+v", rep)
	}
	if st := r.state(); st.ID != q.ID || st.From != r.phone.ID.String() || st.State != call.Ended {
		t.Fatalf("state %+v", st)
	}
	waitDialled(t, r.world, "+4930901820")
	if ev := <-events; ev.From.ID != r.tablet.ID || ev.Phone.ID != r.phone.ID || !ev.Reply.Accepted || ev.Target != "+4930901820" {
		t.Fatalf("relay event %+v", ev)
	}
}

// TestRelayRefusals: what a rogue or confused phone may send, and that
// nothing is dialled for any of it.
func TestRelayRefusals(t *testing.T) {
	r := newRelayRig(t, false, worldOpts{})
	stranger, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Sealed by a device that is not paired: no answer, nothing dialled.
	r.send(stranger, r.request(protocol.OpDial, "+4930901820"))
	r.silent()

	cases := []struct {
		name string
		edit func(q *protocol.RelayRequest)
		code protocol.Code
	}{
		{"from names Pixel", func(q *protocol.RelayRequest) { q.From, q.Phone = r.phone.ID.String(), r.tablet.ID.String() }, protocol.CodeForged},
		{"for another desktop", func(q *protocol.RelayRequest) { q.To = stranger.ID.String() }, protocol.CodeWrongRecipient},
		{"expired", func(q *protocol.RelayRequest) {
			q.IssuedAt, q.ExpiresAt = q.IssuedAt-60000, q.IssuedAt-1
		}, protocol.CodeExpired},
		{"not a paired phone", func(q *protocol.RelayRequest) { q.Phone = stranger.ID.String() }, protocol.CodeUnknownPhone},
		{"the desktop itself", func(q *protocol.RelayRequest) { q.Phone = r.desk.Identity.ID.String() }, protocol.CodeUnknownPhone},
		{"itself", func(q *protocol.RelayRequest) { q.Phone = r.tablet.ID.String() }, protocol.CodeMalformed},
	}
	for _, c := range cases {
		q := r.request(protocol.OpDial, "+4930901820")
		c.edit(&q)
		r.send(r.tablet, q)
		want := q.ID
		if c.code == protocol.CodeMalformed {
			want = protocol.UnknownID
		}
		if rep := r.reply(want); rep.Accepted || rep.Code != c.code {
			t.Errorf("%s: %+v, want %s", c.name, rep, c.code)
		}
	}

	// The called phone still applies its own policy: a premium number is
	// refused by Pixel, and the refusal comes back.
	q := r.request(protocol.OpDial, "+49 900 1234567")
	r.send(r.tablet, q)
	if rep := r.reply(q.ID); rep.Accepted || rep.Code != protocol.CodePremium {
		t.Errorf("premium number: %+v", rep)
	}

	// A replay of a request the desktop took on is refused.
	q = r.request(protocol.OpDial, "+4930901820")
	r.send(r.tablet, q)
	if rep := r.reply(q.ID); !rep.Accepted {
		t.Fatalf("dial: %+v", rep)
	}
	r.state()
	waitDialled(t, r.world, "+4930901820")
	r.send(r.tablet, q)
	if rep := r.reply(q.ID); rep.Code != protocol.CodeReplayed {
		t.Fatalf("replay: %+v", rep)
	}

	// The phone cannot reach Pixel's dial subject itself, nor read the
	// desktop's answers to Pixel.
	sealed, err := protocol.NewBox(r.tablet).Seal(protocol.KindDial,
		protocol.NewDial(r.desk.Identity.ID, r.phone.ID, "+4930111111", call.ModeCall, time.Now(), 0), r.phone.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.nc.Request(protocol.SubjectDial("deskdial", r.phone.ID), sealed, time.Second); err == nil {
		t.Fatal("the tablet's dial request to Pixel was answered")
	}
	errs := make(chan error, 4)
	nc2 := rawConn(t, r.svc.srv.LoopbackURL(), nkeyOpt(t, r.tablet), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if _, err := nc2.Subscribe(protocol.SubjectRelayed("deskdial", r.phone.ID), func(*nats.Msg) {}); err != nil {
		t.Fatal(err)
	}
	_ = nc2.Flush()
	select {
	case err := <-errs:
		if !errors.Is(err, nats.ErrPermissionViolation) {
			t.Fatalf("subscribing to Pixel's relayed subject: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the tablet could subscribe to Pixel's relayed subject")
	}
	if got := r.dialled(); len(got) != 1 {
		t.Fatalf("Pixel dialled %v, want only the one relayed call", got)
	}

	// Over the rate: the burst of dials, then a refusal.
	var code protocol.Code
	for i := 0; i < relayDialBurst+1 && code == ""; i++ {
		q := r.request(protocol.OpDial, "+4930901820")
		r.send(r.tablet, q)
		rep := r.reply(q.ID)
		code = rep.Code
		if rep.Accepted {
			r.state()
		}
	}
	if code != protocol.CodeRateLimited {
		t.Fatalf("after the burst: %q, want rate_limited", code)
	}
}

// TestRelayNotAllowed: a phone the settings exclude is refused and its
// request goes nowhere.
func TestRelayNotAllowed(t *testing.T) {
	r := newRelayRig(t, true, worldOpts{})
	q := r.request(protocol.OpDial, "+4930901820")
	r.send(r.tablet, q)
	if rep := r.reply(q.ID); rep.Code != protocol.CodeNotAllowed {
		t.Fatalf("excluded phone: %+v", rep)
	}
	if got := r.dialled(); len(got) != 0 {
		t.Fatalf("dialled %v", got)
	}
}

// A paired phone flooding the desktop with new ids over the rate cannot
// grow what the desktop remembers: only ids it acted on are kept.
func TestRelayAdmitKeepsOnlyAdmittedIDs(t *testing.T) {
	r := newRelayer("")
	phone, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	admitted := 0
	for i := 0; i < 1000; i++ {
		q := protocol.RelayRequest{ID: protocol.NewMsgID(), Op: protocol.OpDial, ExpiresAt: now.Add(time.Minute).UnixMilli()}
		if r.admit(phone.ID, q, now) == "" {
			admitted++
		}
	}
	if admitted != relayDialBurst || len(r.seen) != relayDialBurst {
		t.Fatalf("admitted %d, remembered %d; want the burst, %d", admitted, len(r.seen), relayDialBurst)
	}
}

// The ids acted on survive a restart of the desktop: a request a relay kept
// and sends again afterwards is still a replay. Ids that cannot be kept, or
// a record that cannot be read back, mean nothing is taken on.
func TestRelaySeenSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, RelaySeenFile)
	phone, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	q := protocol.RelayRequest{ID: protocol.NewMsgID(), Op: protocol.OpDial, ExpiresAt: now.Add(time.Minute).UnixMilli()}
	if code := newRelayer(path).admit(phone.ID, q, now); code != "" {
		t.Fatalf("first: %s", code)
	}
	if code := newRelayer(path).admit(phone.ID, q, now); code != protocol.CodeReplayed {
		t.Fatalf("after a restart: %q, want replayed", code)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("record file: %v %v", fi, err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	q.ID = protocol.NewMsgID()
	r := newRelayer(path)
	if code := r.admit(phone.ID, q, now); code != protocol.CodeAuditFailed {
		t.Fatalf("with an unreadable record: %q, want audit_failed", code)
	}
	if code := r.admit(phone.ID, q, now.Add(protocol.MaxTTL+time.Second)); code != "" {
		t.Fatalf("once every request it could hold has expired: %q", code)
	}
	// A record that cannot be written: refused, not acted on.
	bad := newRelayer(filepath.Join(dir, "missing", RelaySeenFile))
	q.ID = protocol.NewMsgID()
	if code := bad.admit(phone.ID, q, now); code != protocol.CodeAuditFailed {
		t.Fatalf("unwritable record: %q, want audit_failed", code)
	}
}

// TestRelayCallKeptWithItsOutcome: the tablet has Pixel (log backend) call
// through the desktop. The desktop's history keeps the call with the
// tablet as the phone that asked, and by the time the tablet hears the
// call's end the row holds the outcome and talk time Pixel reported: the
// same as a call placed from the desktop to Pixel (`deskdial call`).
func TestRelayCallKeptWithItsOutcome(t *testing.T) {
	var notes []string
	var mu sync.Mutex
	r := newRelayRig(t, false, worldOpts{desk: &ServeReport{Note: func(m string) { mu.Lock(); notes = append(notes, m); mu.Unlock() }}})
	// The desktop's own history, which Serve and `deskdial call` write.
	hist, err := history.Open(filepath.Join(r.desk.Paths.Data, history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer hist.Close()
	ctx := context.Background()

	q := r.request(protocol.OpDial, "+49 30 901820")
	r.send(r.tablet, q)
	if rep := r.reply(q.ID); !rep.Accepted {
		t.Fatalf("reply %+v", rep)
	}
	last := r.state()
	for !last.Final() {
		last = r.state()
	}
	outcome, talk, _ := call.OutcomeOf(last.State, time.Duration(last.DurationMS)*time.Millisecond)
	calls, err := hist.Calls(ctx, 0)
	if err != nil || len(calls) != 1 {
		t.Fatalf("history %+v, %v; want the relayed call", calls, err)
	}
	c := calls[0]
	if c.Outcome != outcome || c.Duration != talk || outcome == call.OutcomeAccepted {
		t.Errorf("history keeps %s %v; Pixel reported %s (%s %v)", c.Outcome, c.Duration, last.State, outcome, talk)
	}
	if c.Number != "+4930901820" || c.PhoneID != r.phone.ID.String() || c.PhoneName != "Pixel" ||
		c.AskedByID != r.tablet.ID.String() || c.AskedByName != "Tablet" {
		t.Errorf("history call %+v", c)
	}

	// The same call placed from the desktop ends with the same row.
	if err := r.desk.PlaceCall(ctx, CallRequest{Target: "+49 30 901820", Phone: "Pixel", Mode: call.ModeCall, Wait: true}); err != nil {
		t.Fatal(err)
	}
	calls, err = hist.Calls(ctx, 0)
	if err != nil || len(calls) != 2 {
		t.Fatalf("history %+v, %v", calls, err)
	}
	if d := calls[0]; d.AskedByID != "" || d.Outcome != c.Outcome || d.Duration != c.Duration {
		t.Errorf("placed from the desktop: %s %v (asked by %q); relayed: %s %v", d.Outcome, d.Duration, d.AskedByID, c.Outcome, c.Duration)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(notes) != 0 {
		t.Errorf("Serve noted %q", notes)
	}
}

// TestRelayStateBeforeReply: the called phone reports its call, through to
// its end with the talk time, before it answers the desktop's request; the
// states come on another subscription than the answer. None is lost: the
// history row, made with the answer, ends answered with the talk time. The
// phone here speaks the protocol from the test, so that its states surely
// come first.
func TestRelayStateBeforeReply(t *testing.T) {
	hist := openHistory(t)
	seen := make(chan protocol.Status, 16)
	r := newRelayRig(t, false, worldOpts{svc: []ServiceOption{RecordRelays(hist, nil), OnStatus(func(ev StatusEvent) { seen <- ev.Status })}})
	ctx := context.Background()
	fair, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.desk.Registry.Add(device.Peer{ID: fair.ID, Name: "Fairphone", Role: device.RolePhone,
		SignPub: fair.SignPub, CurvePub: fair.CurvePub, AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.Reload(); err != nil {
		t.Fatal(err)
	}
	nc := rawConn(t, r.svc.srv.LoopbackURL(), nkeyOpt(t, fair), nats.CustomInboxPrefix("_INBOX_"+fair.ID.String()))
	dials := make(chan *nats.Msg, 1)
	if _, err := nc.ChanSubscribe(protocol.SubjectDial("deskdial", fair.ID), dials); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	box := protocol.NewBox(fair)
	report := func(dialID string, seq int, state call.State, talk time.Duration) {
		b, err := box.Seal(protocol.KindStatus, protocol.Status{V: protocol.Version, ID: dialID, Seq: seq, State: state,
			At: time.Now().UnixMilli(), DurationMS: talk.Milliseconds(), From: fair.ID.String()}, r.desk.Identity.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		if err := nc.Publish(protocol.SubjectStatus("deskdial", r.desk.Identity.ID), b); err != nil {
			t.Fatal(err)
		}
	}

	q := r.request(protocol.OpDial, "+4930901820")
	q.Phone = fair.ID.String()
	r.send(r.tablet, q)
	var m *nats.Msg
	select {
	case m = <-dials:
	case <-time.After(10 * time.Second):
		t.Fatal("the desktop sent Fairphone no dial request")
	}
	kind, _, plain, err := box.Open(m.Data)
	if err != nil || kind != protocol.KindDial {
		t.Fatalf("dial request: kind %s, %v", kind, err)
	}
	dial, err := protocol.DecodeDial(plain)
	if err != nil {
		t.Fatal(err)
	}
	report(dial.ID, 0, call.Dialing, 0)
	report(dial.ID, 1, call.Alerting, 0)
	report(dial.ID, 2, call.Active, 0)
	report(dial.ID, 3, call.Ended, 42*time.Second)
	// The tablet hears all four before anyone hears the answer: the
	// desktop has handled them.
	for i := 0; i < 4; i++ {
		if st := r.state(); st.ID != q.ID || st.Seq != i {
			t.Fatalf("state %d: %+v", i, st)
		}
	}
	if calls, _ := hist.Calls(ctx, 0); len(calls) != 0 {
		t.Fatalf("a row before the answer: %+v", calls)
	}
	b, err := box.Seal(protocol.KindReply, protocol.Accept(dial.ID, "+4930901820"), r.desk.Identity.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Respond(b); err != nil {
		t.Fatal(err)
	}
	if rep := r.reply(q.ID); !rep.Accepted {
		t.Fatalf("reply %+v", rep)
	}
	want := func(when string) {
		t.Helper()
		calls, err := hist.Calls(ctx, 0)
		if err != nil || len(calls) != 1 {
			t.Fatalf("%s: history %+v, %v", when, calls, err)
		}
		if c := calls[0]; c.Outcome != call.OutcomeAnswered || c.Duration != 42*time.Second || c.PhoneName != "Fairphone" || c.AskedByName != "Tablet" {
			t.Fatalf("%s: history call %+v, want answered, 42 s, on Fairphone asked by Tablet", when, c)
		}
	}
	want("after the answer")

	// A state repeated late, and one after the end, change nothing.
	report(dial.ID, 2, call.Active, 0)
	report(dial.ID, 4, call.Dialing, 0)
	testsupport.WaitFor(t, "the desktop handles the late states", func() bool {
		for {
			select {
			case st := <-seen:
				if st.Seq == 4 {
					return true
				}
			default:
				return false
			}
		}
	})
	want("after late states")
}
