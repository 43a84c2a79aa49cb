package remote

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/textsafe"
)

// ErrChoose means the user has to say more before anything is sent: which
// phone (none or several are paired), or which of a contact's numbers.
var ErrChoose = errors.New("remote: say which")

// chooseError is an ErrChoose whose message is shown as is.
type chooseError struct{ msg string }

func (e *chooseError) Error() string        { return e.msg }
func (e *chooseError) Is(target error) bool { return target == ErrChoose }

func choose(format string, a ...any) error { return &chooseError{msg: fmt.Sprintf(format, a...)} }

// TargetError is a target that is not sent as it stands: a short code to
// be prefilled, a national number with no region known
// (number.PrepareTarget's errors). Nothing reached the phone.
type TargetError struct{ Err error }

func (e *TargetError) Error() string { return e.Err.Error() }
func (e *TargetError) Unwrap() error { return e.Err }

// CallError is a dial request the phone did not accept: ErrOffline,
// ErrTimeout or a *RefusedError (errors.Is and errors.As see them).
type CallError struct{ Err error }

func (e *CallError) Error() string { return e.Err.Error() }
func (e *CallError) Unwrap() error { return e.Err }

// FailedError is a call the phone accepted and then reported failed.
type FailedError struct {
	Phone  device.Peer
	Status protocol.Status
}

func (e *FailedError) Error() string {
	return fmt.Sprintf("the call on %s failed: %s", textsafe.Terminal(e.Phone.Name), textsafe.Terminal(e.Status.Reason))
}

// CallRequest is one call asked for by name or number (`deskdial call`).
type CallRequest struct {
	Target  string // a number, a tel: URI or a contact's name
	Phone   string // name, ID or unique prefix; "" for the default or only phone
	Mode    call.Mode
	Timeout time.Duration // for the phone's answer; 0: DefaultTimeout
	Region  string        // reads national numbers; "": the setting, then the locale
	Wait    bool          // follow the call until it ends
	Report  CallReport
}

// CallReport is told what happens, to show it. Any of its functions may be
// nil.
type CallReport struct {
	// Contact: a contact's name was resolved to this number.
	Contact func(history.Resolution)
	// Sent: the phone accepted; ext is what to key in once answered.
	Sent func(phone device.Peer, reply protocol.Reply, ext string)
	// Status: a call state the phone reported (with Wait).
	Status func(phone device.Peer, st protocol.Status)
	// Warn: the history could not keep the call; the call goes on.
	Warn func(msg string)
}

func (r CallReport) warn(format string, a ...any) {
	if r.Warn != nil {
		r.Warn(fmt.Sprintf(format, a...))
	}
}

// PlaceCall sends one call to a paired phone, records it in the history
// (as the tray does, through history.Recorder) and, with Wait, follows it
// to its end. Its errors: ErrChoose (which phone, which number), a
// *TargetError, a *CallError, a *FailedError, or what went wrong opening
// the connection.
func (d *Desktop) PlaceCall(ctx context.Context, req CallRequest) error {
	peer, err := d.PickPhone(req.Phone)
	if err != nil {
		return err
	}
	// Only a region the user gave (flag, setting, locale) reads national
	// numbers: a guessed one would send a number of another country.
	rg := d.Settings.KnownRegion()
	if req.Region != "" {
		rg = req.Region
	}
	// History is a convenience: a call still goes out when the database
	// cannot be opened (say, a full disk); the reason is shown once.
	hist, herr := history.Open(filepath.Join(d.Paths.Data, history.FileName))
	if herr != nil {
		req.Report.warn("warning: call history unavailable: %v", herr)
	} else {
		defer hist.Close()
	}
	target, who, ext, err := lookUpTarget(ctx, hist, herr, req, rg)
	if err != nil {
		return err
	}
	if _, err := number.PrepareTarget(target, rg, req.Mode == call.ModePrefill); err != nil {
		return &TargetError{Err: err}
	}
	rec := beginRecord(ctx, hist, history.Call{At: time.Now(), Number: target, Name: who,
		PhoneID: peer.ID.String(), PhoneName: peer.Name}, rg, req.Report)
	return d.sendCall(ctx, peer, target, ext, req, hist, rec)
}

// sendCall sends the request and, with Wait, follows the call.
func (d *Desktop) sendCall(ctx context.Context, peer device.Peer, target, ext string, req CallRequest, hist *history.Store, rec *callRecord) error {
	c, err := Open(ctx, d, StartService())
	if err != nil {
		return err
	}
	defer c.Close()
	opts := []CallOption{}
	if req.Timeout > 0 {
		opts = append(opts, Timeout(req.Timeout))
	}
	if req.Region != "" {
		opts = append(opts, Region(req.Region))
	}
	h, err := c.Call(ctx, peer.ID, target, req.Mode, opts...)
	if err != nil {
		rec.reached(failedState(err), 0)
		return &CallError{Err: err}
	}
	defer h.Close()
	rec.reached(call.Sent, 0)
	if d.Hosted() && rec.on() {
		defer d.flushHistory(ctx, c.Conn(), hist, req.Report)
	}
	if req.Report.Sent != nil {
		req.Report.Sent(peer, h.Reply, ext)
	}
	if !req.Wait {
		return nil
	}
	return follow(ctx, h, peer, rec, req.Report)
}

// follow reports the call's states until it ends.
func follow(ctx context.Context, h *CallHandle, peer device.Peer, rec *callRecord, r CallReport) error {
	for {
		select {
		case st, ok := <-h.Updates:
			if !ok {
				return nil
			}
			if r.Status != nil {
				r.Status(peer, st)
			}
			rec.reached(st.State, time.Duration(st.DurationMS)*time.Millisecond)
			if st.State == call.Failed {
				return &FailedError{Phone: peer, Status: st}
			}
		case <-ctx.Done():
			return nil
		}
	}
}

// lookUpTarget turns a contact's name into the number to call (and the
// name and extension that go with it); a number is returned as is.
func lookUpTarget(ctx context.Context, hist *history.Store, herr error, req CallRequest, region string) (target, who, ext string, err error) {
	if !number.LooksLikeName(req.Target, region) {
		return req.Target, "", "", nil
	}
	if hist == nil {
		return "", "", "", fmt.Errorf("cannot look up %q: %w", req.Target, herr)
	}
	res, err := ResolveContact(ctx, hist, req.Target)
	if err != nil {
		return "", "", "", err
	}
	if req.Report.Contact != nil {
		req.Report.Contact(res)
	}
	return res.Number.E164, res.Name, res.Number.Ext, nil
}

// ResolveContact turns a contact's name into the number to call, or an
// error listing the choices (ErrChoose) or saying nobody matched.
func ResolveContact(ctx context.Context, hist *history.Store, name string) (history.Resolution, error) {
	res, err := hist.ResolveName(ctx, name)
	switch {
	case err == nil:
		return res, nil
	case errors.Is(err, history.ErrAmbiguous):
		var b strings.Builder
		fmt.Fprintf(&b, "%q matches more than one number; call one of these:", name)
		for _, c := range res.Candidates {
			// Escaped: an imported name with a newline must not add a
			// choice that is not there.
			who := textsafe.Terminal(c.Name)
			if c.Org != "" {
				who += ", " + textsafe.Terminal(c.Org)
			}
			fmt.Fprintf(&b, "\n  %s %s", who, history.NumberText(c.Label, c.E164, c.Ext))
		}
		return res, choose("%s", b.String())
	case errors.Is(err, history.ErrNoMatch):
		return res, fmt.Errorf("no contact matches %q (import contacts with `deskdial contacts import FILE.vcf`)", name)
	case errors.Is(err, history.ErrNoNumber):
		return res, fmt.Errorf("%q has no phone number", name)
	}
	return res, fmt.Errorf("look up %q: %w", name, err)
}

// PickPhone finds the phone to call: the one named (name, ID or unique
// prefix), else the default phone, else the only one. Its errors are
// ErrChoose.
func (d *Desktop) PickPhone(name string) (device.Peer, error) {
	if name == "" {
		name = d.Settings.DefaultPhone
	}
	if name != "" {
		p, err := d.Registry.Find(name)
		if err != nil {
			return p, choose("no paired phone %q (see deskdial phones)", name)
		}
		if p.Role != device.RolePhone {
			return p, choose("%s is not a phone", p.Name)
		}
		return p, nil
	}
	var names []string
	var only device.Peer
	for _, p := range d.Registry.List() {
		if p.Role == device.RolePhone {
			names, only = append(names, p.Name), p
		}
	}
	switch len(names) {
	case 0:
		return device.Peer{}, choose("no phone is paired yet: run `deskdial pair` here and `deskdial phone --pair OFFER` on the phone")
	case 1:
		return only, nil
	}
	return device.Peer{}, choose("several phones are paired (%s): choose one with --phone", strings.Join(names, ", "))
}

// callRecord follows one call in the history (history.Recorder: the same
// outcomes as the tray's, call.OutcomeOf). A failing write is reported
// once and the call goes on.
type callRecord struct {
	ctx    context.Context
	report CallReport
	rec    history.Recorder
	warned bool
}

// beginRecord starts the history row of call c. Codes and unparseable
// targets are not kept: the phone decides about them, and history holds
// numbers one can call again.
func beginRecord(ctx context.Context, hist *history.Store, c history.Call, region string, r CallReport) *callRecord {
	rec := &callRecord{ctx: ctx, report: r}
	if hist == nil {
		return rec
	}
	if _, short := number.Short(c.Number, region); short {
		// A short code works only as typed on the phone; recents would
		// offer it again as a number it is not.
		return rec
	}
	n, err := number.Parse(c.Number, region)
	if err != nil {
		return rec
	}
	c.Number = n.E164
	rec.rec, err = hist.Begin(ctx, c)
	rec.check(err)
	return rec
}

// on reports whether the call has a history row.
func (r *callRecord) on() bool { return r.rec.ID() != 0 }

func (r *callRecord) check(err error) {
	if err != nil && !r.warned {
		r.warned = true
		r.report.warn("warning: could not record the call: %v", err)
	}
}

// reached records how far the call got (see call.OutcomeOf).
func (r *callRecord) reached(state call.State, talk time.Duration) {
	r.check(r.rec.Reached(r.ctx, state, talk))
}

// failedState is how far a call got whose request failed with err.
func failedState(err error) call.State {
	switch {
	case errors.Is(err, ErrOffline):
		return call.Offline
	case errors.Is(err, ErrRefused):
		return call.Refused
	}
	return call.Failed
}

// flushHistory sends this process's queued history changes once, for a
// short-lived command whose writes a long-running syncer in another
// process would not notice. Bounded in time; failures leave the changes
// queued for the next flush.
func (d *Desktop) flushHistory(ctx context.Context, conn *bus.Conn, hist *history.Store, r CallReport) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	y, err := HistorySyncer(ctx, conn, hist, d.Paths.Config, d.Settings, slog.New(slog.DiscardHandler))
	if err == nil && y != nil {
		err = y.Flush(ctx)
	}
	if err != nil {
		r.warn("note: recents not synced yet (%s); they will be on the next sync", strings.TrimPrefix(err.Error(), "history: "))
	}
}
