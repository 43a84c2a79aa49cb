package remote

import (
	"context"

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
