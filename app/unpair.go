package main

import (
	"context"
	"fmt"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/device"
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
		err = d.UnpairPhone(ctx, p.ID)
	} else {
		// This is a phone forgetting a desktop.
		var notice error
		notice, err = agent.ForgetDesktop(ctx, d.Identity, d.Registry, d.Paths.Config, p, e.creds, d.CA, d.Settings.SubjectPrefix)
		if notice != nil && err == nil {
			fmt.Fprintf(e.stderr, "note: could not %v\n%s keeps listing this phone (offline) until you unpair it there too\n", notice, p.Name)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Unpaired %s (%s)\n", p.Name, p.ID.Short())
	return nil
}
