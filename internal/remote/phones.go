package remote

import (
	"context"
	"errors"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/protocol"
)

// ListPhones lists the paired phones with their presence (`deskdial
// phones`), through the running deskdial, or a service started for it.
func (d *Desktop) ListPhones(ctx context.Context) ([]PhoneInfo, error) {
	c, err := Open(ctx, d, StartService())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Phones(ctx)
}

// Known is what the phone does with a number as it said last: while
// online, its presence; offline, what it said when it paired.
func (p PhoneInfo) Known() protocol.Presence {
	if p.Online {
		return p.Presence
	}
	return pairedPresence(p.Peer)
}

// UnpairPhone forgets a paired phone: through the running deskdial, which
// also closes the phone's access to its embedded server at once, or, with
// none running, in the registry alone.
func (d *Desktop) UnpairPhone(ctx context.Context, id device.ID) error {
	c, err := Open(ctx, d)
	switch {
	case errors.Is(err, ErrNoInstance):
		// No server runs: the registry is all there is to change.
		return d.Registry.Remove(id)
	case err != nil:
		return err
	}
	defer c.Close()
	return c.Unpair(ctx, id)
}
