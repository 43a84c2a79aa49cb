package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/remote"
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
	target := strings.Join(pos, " ") // "030 1234567" typed without quotes
	d, err := openDesktop(e)
	if err != nil {
		return err
	}
	peer, err := pickPhone(d, *phone)
	if err != nil {
		return err
	}
	c, err := remote.Open(ctx, d, remote.StartService())
	if err != nil {
		return err
	}
	defer c.Close()
	mode := protocol.ModeCall
	if *prefill {
		mode = protocol.ModePrefill
	}
	opts := []remote.CallOption{remote.Timeout(*timeout)}
	if *region != "" {
		opts = append(opts, remote.Region(strings.ToUpper(*region)))
	}
	h, err := c.Call(ctx, peer.ID, target, mode, opts...)
	if err != nil {
		return callExit(err)
	}
	defer h.Close()
	what := "calling"
	if mode == protocol.ModePrefill || h.Reply.Mode == protocol.ModePrefill {
		what = "opening the dialer with"
	}
	fmt.Fprintf(e.stdout, "Sent to %s: accepted, %s %s\n", peer.Name, what, h.Reply.Number)
	if !*wait {
		return nil
	}
	for {
		select {
		case st, ok := <-h.Updates:
			if !ok {
				return nil
			}
			fmt.Fprintf(e.stdout, "%s: %s\n", peer.Name, statusText(st))
			if st.State == protocol.StateFailed {
				return withCode(exitError, fmt.Errorf("the call on %s failed: %s", peer.Name, st.Reason))
			}
		case <-ctx.Done():
			return nil
		}
	}
}

// callExit maps a call error to its exit code.
func callExit(err error) error {
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
	s := st.State
	if st.State == protocol.StateEnded {
		s += " " + formatDuration(time.Duration(st.DurationMS)*time.Millisecond)
	}
	if st.Reason != "" {
		s += " (" + st.Reason + ")"
	}
	return s
}
