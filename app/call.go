package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	req := remote.CallRequest{Phone: *phone, Mode: call.ModeCall, Timeout: *timeout, Wait: *wait, Report: callReport(e, *prefill)}
	if *prefill {
		req.Mode = call.ModePrefill
	}
	if req.Target, req.Region, err = callArgs(pos, *timeout, *region); err != nil {
		return err
	}
	d, err := openDesktop(e)
	if err != nil {
		return err
	}
	return callErr(d.PlaceCall(ctx, req))
}

// callArgs checks the target, --timeout and --region.
func callArgs(pos []string, timeout time.Duration, region string) (target, rg string, err error) {
	need := usageErr("call needs a TARGET: a number, a tel: URI or a contact name")
	if len(pos) == 0 {
		return "", "", need
	}
	if timeout <= 0 || timeout > protocol.MaxTTL {
		return "", "", usageErr("--timeout must be between 0 and %s", protocol.MaxTTL)
	}
	target = strings.TrimSpace(strings.Join(pos, " ")) // "030 1234567" typed without quotes
	if target == "" {
		return "", "", need
	}
	rg = strings.ToUpper(strings.TrimSpace(region))
	if rg != "" && !number.KnownRegion(rg) {
		return "", "", usageErr("call: unknown region %q (use an ISO 3166 code such as US, DE, JP)", rg)
	}
	return target, rg, nil
}

// callReport prints what happens to a call.
func callReport(e *env, prefill bool) remote.CallReport {
	return remote.CallReport{
		Contact: func(res history.Resolution) {
			fmt.Fprintf(e.stdout, "%s %s\n", textsafe.Terminal(res.Name), history.NumberText(res.Number.Label, res.Number.E164, res.Number.Ext))
		},
		Sent: func(peer device.Peer, r protocol.Reply, ext string) {
			what := "calling"
			if prefill || r.Mode == call.ModePrefill {
				what = "opening the dialer with"
			}
			printSent(e.stdout, peer, what, r.Number)
			if ext != "" {
				// The phone dials the main number only: no dialer backend is
				// asked to send tones after answer, so the user keys them in.
				fmt.Fprintf(e.stdout, "When the call is answered, key in %s on the phone (the extension is not dialled for you)\n", keyIn(ext))
			}
		},
		Status: func(peer device.Peer, st protocol.Status) { printStatus(e.stdout, peer, st) },
		Warn:   func(msg string) { fmt.Fprintln(e.stderr, msg) },
	}
}

// callErr maps what PlaceCall returns to the message and exit code.
func callErr(err error) error {
	var te *remote.TargetError
	var ce *remote.CallError
	var fe *remote.FailedError
	switch {
	case errors.As(err, &te):
		return targetErr(te.Err)
	case errors.As(err, &ce):
		return callExit(ce.Err)
	case errors.As(err, &fe):
		return callFailed(fe.Phone, fe.Status)
	case errors.Is(err, remote.ErrChoose):
		return withCode(exitUsage, err)
	}
	return err
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

// keyIn is what to key in after answer, pauses and waits read as "then":
// "1234 then 9".
func keyIn(ext string) string {
	return strings.Join(strings.FieldsFunc(ext, func(r rune) bool { return r == ',' || r == ';' }), " then ")
}

// resolveContact is remote.ResolveContact with the exit code `call` gives
// its errors.
func resolveContact(ctx context.Context, hist *history.Store, name string) (history.Resolution, error) {
	res, err := remote.ResolveContact(ctx, hist, name)
	return res, callErr(err)
}
