package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/remote"
)

// cmdUnpair forgets a paired device. On a desktop the phone also loses its
// access to the running embedded server at once; on a phone the running
// agent leaves that desktop's server within a second.
func cmdUnpair(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "unpair")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("unpair needs one DEVICE: a name, ID or unique prefix (see deskdial phones)")
	}
	d, err := openDesktop(e)
	if err != nil {
		return err
	}
	p, err := d.Registry.Find(pos[0])
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("no paired device %q", pos[0]))
	}
	if p.Role == device.RolePhone {
		c, err := remote.Open(ctx, d)
		switch {
		case errors.Is(err, remote.ErrNoInstance):
			// No server runs: the registry is all there is to change.
			if err := d.Registry.Remove(p.ID); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			defer c.Close()
			if err := c.Unpair(ctx, p.ID); err != nil {
				return err
			}
		}
	} else {
		// This is a phone forgetting a desktop: tell the desktop first, so
		// it forgets this phone and closes its login too.
		nctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		creds := e.creds
		relayCreds := agent.RelayCredsPath(d.Paths.Config, p.ID) // issued by that desktop while pairing
		if _, err := os.Stat(relayCreds); err == nil && creds == "" {
			creds = relayCreds
		}
		nerr := agent.NotifyUnpaired(nctx, d.Identity, p, creds, d.Settings.SubjectPrefix)
		cancel()
		if err := d.Registry.Remove(p.ID); err != nil {
			return err
		}
		_ = os.Remove(relayCreds)
		if nerr != nil {
			fmt.Fprintf(e.stderr, "note: could not %v\n%s keeps listing this phone (offline) until you unpair it there too\n", nerr, p.Name)
		}
	}
	fmt.Fprintf(e.stdout, "Unpaired %s (%s)\n", p.Name, p.ID.Short())
	return nil
}
