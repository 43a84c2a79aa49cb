package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/deskdial/deskdial/internal/dialer/backends"
	"github.com/deskdial/deskdial/internal/localphone"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/textsafe"
)

// cmdPhones lists the paired phones with online/offline and what they do
// with a number; with --local, the phones this computer itself reaches.
func cmdPhones(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "phones")
	local := fs.Bool("local", false, "list the phones this computer reaches itself: over Bluetooth, or in KDE Connect / GSConnect")
	asJSON := fs.Bool("json", false, "with --local: one JSON object, for scripts")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("phones takes no arguments")
	}
	if *asJSON && !*local {
		return usageErr("--json goes with --local")
	}
	if *local {
		return listLocalPhones(ctx, e, *asJSON)
	}
	d, err := openDesktop(e)
	if err != nil {
		return err
	}
	list, err := d.ListPhones(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, "no phone is paired yet: run `deskdial pair`")
		return nil
	}
	return printPhones(e, list)
}

// printPhones prints one row per phone: name, ID, online or offline, and
// what it does with a number.
func printPhones(e *env, list []remote.PhoneInfo) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, p := range list {
		state := "offline"
		if p.Online {
			state = "online"
		}
		known := p.Known()
		does := "opens dialer"
		if known.PlacesCalls {
			does = "calls"
		}
		if known.Backend != "" {
			does += " (" + textsafe.Terminal(known.Backend) + ")"
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
func listLocalPhones(ctx context.Context, e *env, asJSON bool) error {
	found, problems := localphone.Scan(ctx, backends.Options{})
	if asJSON {
		return writeLocalJSON(e, found, problems)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	if len(found) > 0 {
		fmt.Fprintln(tw, "PHONE\tREACHED THROUGH\tSTATE\tBACKEND")
	}
	for _, f := range found {
		via, state := f.Via, "ready: opens the phone's dialer"
		if f.Kind == localphone.KindBluetooth {
			via, state = "Bluetooth, "+f.Via, "ready: calls, live states, hang up"
		}
		if !f.Ready {
			state = "not ready: " + f.Why
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, via, state, shellArg(f.Backend))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(found) == 0 {
		fmt.Fprintln(e.stdout, "This computer reaches no phone by itself.")
	}
	pointed := false // each problem says what to do; the docs are named once
	for _, p := range problems {
		fmt.Fprintln(e.stdout, p)
		pointed = pointed || strings.Contains(p, "docs/phones.md")
	}
	if len(found) == 0 && !pointed {
		fmt.Fprintln(e.stdout, "How to connect a phone: see docs/phones.md, \"hfp: any phone over Bluetooth\" and \"kdeconnect: KDE Connect and GSConnect\".")
	}
	return nil
}

// localJSON is `deskdial phones --local --json`.
type localJSON struct {
	Phones []localPhoneJSON `json:"phones"`
	// Problems says, for each way that found no phone, why and what to do.
	Problems []string `json:"problems"`
}

type localPhoneJSON struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"` // "bluetooth" or "kdeconnect"
	Via         string `json:"via"`
	Backend     string `json:"backend"`
	PlacesCalls bool   `json:"places_calls"`
	Ready       bool   `json:"ready"`
	Why         string `json:"why,omitempty"`
}

func writeLocalJSON(e *env, found []localphone.Found, problems []string) error {
	out := localJSON{Phones: []localPhoneJSON{}, Problems: problems}
	if out.Problems == nil {
		out.Problems = []string{}
	}
	for _, f := range found {
		out.Phones = append(out.Phones, localPhoneJSON{Name: f.Name, Kind: f.Kind, Via: f.Via, Backend: f.Backend,
			PlacesCalls: f.Places, Ready: f.Ready, Why: f.Why})
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
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
