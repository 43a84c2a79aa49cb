package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/textsafe"
)

// cmdPhones lists the paired phones with online/offline and what they do
// with a number.
func cmdPhones(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "phones")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("phones takes no arguments")
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
