package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/textsafe"
)

// cmdCall sends a dial request to a paired phone and prints what happens.
func cmdCall(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "call")
	phone := fs.String("phone", "", "phone to use: name, ID or unique prefix (default: the only or default phone)")
	prefill := fs.Bool("prefill", false, "open the phone's dialer with the number instead of calling")
	timeout := fs.Duration("timeout", remote.DefaultTimeout, "how long to wait for the phone's answer")
	region := fs.String("region", "", "region for national numbers such as 030 123456 (default: settings, then locale)")
	wait := fs.Bool("wait", false, "follow the call until it ends")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("call needs a TARGET: a number, a tel: URI or a contact name")
	}
	if *timeout <= 0 || *timeout > protocol.MaxTTL {
		return usageErr("--timeout must be between 0 and %s", protocol.MaxTTL)
	}
	target := strings.TrimSpace(strings.Join(pos, " ")) // "030 1234567" typed without quotes
	if target == "" {
		return usageErr("call needs a TARGET: a number, a tel: URI or a contact name")
	}
	*region = strings.ToUpper(strings.TrimSpace(*region))
	if *region != "" && !number.KnownRegion(*region) {
		return usageErr("call: unknown region %q (use an ISO 3166 code such as US, DE, JP)", *region)
	}
	d, err := openDesktop(e)
	if err != nil {
		return err
	}
	peer, err := pickPhone(d, *phone)
	if err != nil {
		return err
	}
	// Only a region the user gave (flag, setting, locale) reads national
	// numbers: a guessed one would send a number of another country.
	rg := d.Settings.KnownRegion()
	if *region != "" {
		rg = *region
	}
	// History is a convenience: a call still goes out when the database
	// cannot be opened (say, a full disk); the reason is shown once.
	hist, herr := history.Open(filepath.Join(d.Paths.Data, historyFile))
	if herr != nil {
		fmt.Fprintf(e.stderr, "warning: call history unavailable: %v\n", herr)
	} else {
		defer hist.Close()
	}
	who, ext := "", ""
	if number.LooksLikeName(target, rg) {
		if hist == nil {
			return fmt.Errorf("cannot look up %q: %w", target, herr)
		}
		res, err := resolveContact(ctx, hist, target)
		if err != nil {
			return err
		}
		who = res.Name
		fmt.Fprintf(e.stdout, "%s (%s): %s%s\n", textsafe.Terminal(res.Name), labelOr(res.Number.Label), res.Number.E164, extSuffix(res.Number.Ext))
		target = res.Number.E164
		ext = res.Number.Ext
	}
	if _, err := number.PrepareTarget(target, rg, *prefill); err != nil {
		return targetErr(err)
	}
	rec := recordCall(ctx, e, hist, target, who, peer, rg)
	c, err := remote.Open(ctx, d, remote.StartService())
	if err != nil {
		return err
	}
	defer c.Close()
	mode := call.ModeCall
	if *prefill {
		mode = call.ModePrefill
	}
	opts := []remote.CallOption{remote.Timeout(*timeout)}
	if *region != "" {
		opts = append(opts, remote.Region(*region))
	}
	h, err := c.Call(ctx, peer.ID, target, mode, opts...)
	if err != nil {
		rec.reached(failedState(err), 0)
		return callExit(err)
	}
	defer h.Close()
	rec.reached(call.Sent, 0)
	if d.Hosted() && rec.on() {
		defer flushHistory(ctx, c.Conn(), hist, d.Paths.Config, d.Settings, e.stderr)
	}
	what := "calling"
	if mode == call.ModePrefill || h.Reply.Mode == call.ModePrefill {
		what = "opening the dialer with"
	}
	printSent(e.stdout, peer, what, h.Reply.Number)
	if ext != "" {
		// The phone dials the main number only: no dialer backend is
		// asked to send tones after answer, so the user keys them in.
		fmt.Fprintf(e.stdout, "When the call is answered, key in %s on the phone (the extension is not dialled for you)\n", keyIn(ext))
	}
	if !*wait {
		return nil
	}
	for {
		select {
		case st, ok := <-h.Updates:
			if !ok {
				return nil
			}
			printStatus(e.stdout, peer, st)
			rec.reached(st.State, time.Duration(st.DurationMS)*time.Millisecond)
			if st.State == call.Failed {
				return callFailed(peer, st)
			}
		case <-ctx.Done():
			return nil
		}
	}
}

// targetErr explains, as a usage error (exit 2), why a target is not sent:
// nothing reached the phone.
func targetErr(err error) error {
	var se *number.ShortCodeError
	switch {
	case errors.As(err, &se):
		return usageErr("%v; or send it with --prefill to open the phone's dialer with it", se)
	case errors.Is(err, number.ErrNoRegion):
		return usageErr("%s; give the region with --region (such as --region DE) or set it in the settings, then call again",
			strings.TrimPrefix(err.Error(), number.ErrNoRegion.Error()+": "))
	}
	return err
}

// printSent, printStatus and callFailed show what the phone answered. The
// phone's name, the number it echoes and a state's reason are the peer's
// text (a dialer's error can name a Bluetooth device, which names itself),
// so they are escaped for the terminal.
func printSent(w io.Writer, peer device.Peer, what, num string) {
	fmt.Fprintf(w, "Sent to %s: accepted, %s %s\n", textsafe.Terminal(peer.Name), what, textsafe.Terminal(num))
}

func printStatus(w io.Writer, peer device.Peer, st protocol.Status) {
	fmt.Fprintf(w, "%s: %s\n", textsafe.Terminal(peer.Name), statusText(st))
}

func callFailed(peer device.Peer, st protocol.Status) error {
	return withCode(exitError, fmt.Errorf("the call on %s failed: %s", textsafe.Terminal(peer.Name), textsafe.Terminal(st.Reason)))
}

// shownErr shows an error that carries a peer's text (a refusal's reason,
// the phone's name) escaped for the terminal; errors.Is still sees it.
type shownErr struct{ err error }

func (e shownErr) Error() string { return textsafe.Terminal(e.err.Error()) }
func (e shownErr) Unwrap() error { return e.err }

// callExit maps a call error to its exit code.
func callExit(err error) error {
	err = shownErr{err}
	switch {
	case errors.Is(err, remote.ErrOffline):
		return withCode(exitOffline, err)
	case errors.Is(err, remote.ErrRefused):
		return withCode(exitRefused, err)
	case errors.Is(err, remote.ErrTimeout):
		return withCode(exitTimedOut, err)
	}
	return err
}

// pickPhone resolves --phone, else the default phone, else the only one.
func pickPhone(d *remote.Desktop, name string) (device.Peer, error) {
	if name == "" {
		name = d.Settings.DefaultPhone
	}
	if name != "" {
		p, err := d.Registry.Find(name)
		if err != nil {
			return p, withCode(exitUsage, fmt.Errorf("no paired phone %q (see deskdial phones)", name))
		}
		if p.Role != device.RolePhone {
			return p, withCode(exitUsage, fmt.Errorf("%s is not a phone", p.Name))
		}
		return p, nil
	}
	var phones []device.Peer
	for _, p := range d.Registry.List() {
		if p.Role == device.RolePhone {
			phones = append(phones, p)
		}
	}
	switch len(phones) {
	case 0:
		return device.Peer{}, withCode(exitUsage, errors.New("no phone is paired yet: run `deskdial pair` here and `deskdial phone --pair OFFER` on the phone"))
	case 1:
		return phones[0], nil
	}
	names := make([]string, len(phones))
	for i, p := range phones {
		names[i] = p.Name
	}
	return device.Peer{}, withCode(exitUsage, fmt.Errorf("several phones are paired (%s): choose one with --phone", strings.Join(names, ", ")))
}

// statusText is one call state for people: "dialing", "ended 0:42".
func statusText(st protocol.Status) string {
	s := string(st.State)
	if st.State == call.Ended {
		s += " " + formatDuration(time.Duration(st.DurationMS)*time.Millisecond)
	}
	if st.Reason != "" {
		s += " (" + textsafe.Terminal(st.Reason) + ")"
	}
	return s
}

// replyText says how a phone answered, for a terminal.
func replyText(r protocol.Reply) string {
	if r.Accepted {
		return "accepted"
	}
	why := r.Reason
	if why == "" {
		why = string(r.Code)
	}
	return "refused (" + textsafe.Terminal(why) + ")"
}

// historyFile is the call history and contacts database in the data dir.
const historyFile = history.FileName

// resolveContact turns a contact's name into the number to call, or an
// error listing the choices (exit 2) or saying nobody matched.
func resolveContact(ctx context.Context, hist *history.Store, name string) (history.Resolution, error) {
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
			fmt.Fprintf(&b, "\n  %s (%s): %s%s", who, labelOr(c.Label), c.E164, extSuffix(c.Ext))
		}
		return res, withCode(exitUsage, errors.New(b.String()))
	case errors.Is(err, history.ErrNoMatch):
		return res, fmt.Errorf("no contact matches %q (import contacts with `deskdial contacts import FILE.vcf`)", name)
	case errors.Is(err, history.ErrNoNumber):
		return res, fmt.Errorf("%q has no phone number", name)
	}
	return res, fmt.Errorf("look up %q: %w", name, err)
}

// extSuffix shows a contact's extension after its number: ", ext. 102".
func extSuffix(ext string) string {
	if ext == "" {
		return ""
	}
	return ", " + history.ExtText(ext)
}

// keyIn is what to key in after answer, pauses and waits read as "then":
// "1234 then 9".
func keyIn(ext string) string {
	return strings.Join(strings.FieldsFunc(ext, func(r rune) bool { return r == ',' || r == ';' }), " then ")
}

func labelOr(l string) string {
	if l == "" {
		return "other"
	}
	return l
}

// callRecord follows one call in the history (history.Recorder: the same
// outcomes as the tray's: call.OutcomeOf). A failing write is reported once and the call
// goes on.
type callRecord struct {
	ctx    context.Context
	stderr io.Writer
	rec    history.Recorder
	warned bool
}

// recordCall starts the history row of a call to target. Codes and
// unparseable targets are not kept: the phone decides about them, and
// history holds numbers one can call again.
func recordCall(ctx context.Context, e *env, hist *history.Store, target, name string, peer device.Peer, region string) *callRecord {
	r := &callRecord{ctx: ctx, stderr: e.stderr}
	if hist == nil {
		return r
	}
	if _, short := number.Short(target, region); short {
		// A short code works only as typed on the phone; recents would
		// offer it again as a number it is not.
		return r
	}
	n, err := number.Parse(target, region)
	if err != nil {
		return r
	}
	r.rec, err = hist.Begin(ctx, history.Call{At: time.Now(), Number: n.E164, Name: name,
		PhoneID: peer.ID.String(), PhoneName: peer.Name})
	r.check(err)
	return r
}

// on reports whether the call has a history row.
func (r *callRecord) on() bool { return r.rec.ID() != 0 }

func (r *callRecord) check(err error) {
	if err != nil && !r.warned {
		r.warned = true
		fmt.Fprintf(r.stderr, "warning: could not record the call: %v\n", err)
	}
}

// reached records how far the call got (see call.OutcomeOf).
func (r *callRecord) reached(state call.State, talk time.Duration) {
	r.check(r.rec.Reached(r.ctx, state, talk))
}

// failedState is how far a call got whose request failed with err.
func failedState(err error) call.State {
	switch {
	case errors.Is(err, remote.ErrOffline):
		return call.Offline
	case errors.Is(err, remote.ErrRefused):
		return call.Refused
	}
	return call.Failed
}
