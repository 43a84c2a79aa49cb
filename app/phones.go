package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/deskdial/deskdial/internal/dialer/hfp"
	"github.com/deskdial/deskdial/internal/dialer/kdeconnect"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/textsafe"
)

// cmdPhones lists the paired phones with online/offline and what they do
// with a number; with --local, the phones this computer itself reaches.
func cmdPhones(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "phones")
	local := fs.Bool("local", false, "list the phones this computer reaches itself: over Bluetooth, or in KDE Connect / GSConnect")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("phones takes no arguments")
	}
	if *local {
		return listLocalPhones(ctx, e)
	}
	d, err := openDesktop(e)
	if err != nil {
		return err
	}
	c, err := remote.Open(ctx, d, remote.StartService())
	if err != nil {
		return err
	}
	defer c.Close()
	list, err := c.Phones(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, "no phone is paired yet: run `deskdial pair`")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, p := range list {
		state, places, backend := "offline", false, ""
		if p.Online {
			state, places, backend = "online", p.Presence.PlacesCalls, p.Presence.Backend
		} else {
			var caps struct {
				Backend     string `json:"backend"`
				PlacesCalls bool   `json:"places_calls"`
			}
			if json.Unmarshal(p.Peer.Caps, &caps) == nil {
				places, backend = caps.PlacesCalls, caps.Backend
			}
		}
		does := "opens dialer"
		if places {
			does = "calls"
		}
		if backend != "" {
			does += " (" + textsafe.Terminal(backend) + ")"
		}
		// Names and backends come from the phone: escaped, so no control
		// character can move the cursor or add a row.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", textsafe.Terminal(p.Peer.Name), p.Peer.ID.Short(), state, does)
	}
	return tw.Flush()
}

// listLocalPhones prints the phones this computer reaches without a phone
// agent on them, each with the --backend that uses it; when there are none
// it says, for each way, why and what to do.
func listLocalPhones(ctx context.Context, e *env) error {
	bt := hfp.New()
	defer bt.Close()
	kc := kdeconnect.New()
	defer kc.Close()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	n := 0
	row := func(name, via, state, backend string) {
		if n == 0 {
			fmt.Fprintln(tw, "PHONE\tREACHED THROUGH\tSTATE\tBACKEND")
		}
		n++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, via, state, backend)
	}
	var none []string
	phones, err := bt.Phones(ctx)
	for _, p := range phones {
		state := "ready: calls, live states, hang up"
		if !p.Ready {
			state = "not ready: " + p.Why
		}
		row(p.Name, "Bluetooth, "+p.Service, state, shellArg("hfp:"+p.Name))
	}
	switch {
	case err != nil:
		none = append(none, "Bluetooth: "+strings.TrimPrefix(err.Error(), "dialer: backend unavailable: "))
	case len(phones) == 0:
		none = append(none, "Bluetooth: no phone is connected for calls: connect it in the desktop's Bluetooth settings")
	}
	devs, err := kc.Devices(ctx)
	for _, d := range devs {
		state := "ready: opens the phone's dialer"
		if !d.Ready() {
			state = "not ready: " + d.Why
		}
		row(d.Name, d.Service, state, shellArg("kdeconnect:"+d.Name))
	}
	switch {
	case err != nil:
		none = append(none, "KDE Connect: "+strings.TrimPrefix(err.Error(), "dialer: backend unavailable: "))
	case len(devs) == 0:
		none = append(none, "KDE Connect: no device is paired: install KDE Connect on the phone and pair it with this computer")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(e.stdout, "This computer reaches no phone by itself.")
	}
	if n == 0 || len(none) > 0 {
		for _, s := range none {
			fmt.Fprintln(e.stdout, s)
		}
		if n == 0 {
			fmt.Fprintln(e.stdout, "How to connect a phone: see docs/phones.md (\"Phones over Bluetooth\", \"KDE Connect and GSConnect\").")
		}
	}
	return nil
}

// shellArg quotes s for a POSIX shell when it needs quoting, so a listed
// backend can be pasted after --backend.
func shellArg(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(":._-/", r)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
