package remote

import (
	"context"
	"errors"
	"fmt"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/webagent"
)

var (
	// ErrNoPage means a pairing link was asked for and no phone page is
	// served here (a hosted server, or the page's port is taken).
	ErrNoPage = errors.New("remote: no phone page is served here")
	// ErrOfferExpired means no phone joined before the offer expired.
	ErrOfferExpired = errors.New("remote: the offer expired before a phone joined")
)

// PairRequest is one pairing offer made for a phone (`deskdial pair`).
type PairRequest struct {
	// Wait for a phone to join; without it the offer is made for the
	// running deskdial to answer, and Pair returns once it is.
	Wait bool
	// Link hands out the link a phone's browser opens instead of the
	// offer; Page is the phone page's address for it ("": the page this
	// desktop serves).
	Link bool
	Page string
	// Offered is told the offer, what to hand the phone (the offer URI,
	// or the link with Link) and the addresses of the phone page served
	// here (none for a hosted server).
	Offered func(o pairing.Offer, out string, pages []string)
	// OfferLeft is told that an offer could not be withdrawn (the offers
	// file could not be rewritten): it can still be used until it
	// expires.
	OfferLeft func(err error, o pairing.Offer)
}

// Pair makes a pairing offer and, with Wait, waits for a phone to join
// (starting the service when no deskdial runs). It returns the phone that
// joined. Its errors: ErrNoInstance (no Wait and nothing runs to answer),
// ErrNoPage, ErrOfferExpired.
func (d *Desktop) Pair(ctx context.Context, req PairRequest) (device.Peer, error) {
	var opts []ClientOption
	if req.Wait {
		opts = append(opts, StartService())
	}
	c, err := Open(ctx, d, opts...)
	if err != nil {
		return device.Peer{}, err
	}
	defer c.Close()
	before := d.Registry.List()
	o, err := c.Offer(ctx)
	if err != nil {
		return device.Peer{}, err
	}
	pages := c.PageURLs()
	out := o.URI()
	if req.Link {
		if req.Page != "" {
			pages = []string{req.Page}
		}
		if len(pages) == 0 {
			c.cancelOffer(o, req.OfferLeft)
			return device.Peer{}, ErrNoPage
		}
		out = webagent.PairURL(pages[0], o.URI())
	}
	if req.Offered != nil {
		req.Offered(o, out, c.PageURLs())
	}
	if !req.Wait {
		return device.Peer{}, nil
	}
	return c.waitJoined(ctx, o, before, req.OfferLeft)
}

// waitJoined waits until a phone joined with offer o, or o expired.
func (c *Client) waitJoined(ctx context.Context, o pairing.Offer, before []device.Peer, left func(error, pairing.Offer)) (device.Peer, error) {
	wctx, cancel := context.WithDeadline(ctx, o.Expires)
	defer cancel()
	p, err := c.WaitPaired(wctx, before)
	if err != nil {
		c.cancelOffer(o, left)
		if errors.Is(err, context.DeadlineExceeded) {
			return p, fmt.Errorf("pair: %w", ErrOfferExpired)
		}
		return p, err
	}
	return p, nil
}

// cancelOffer withdraws o, telling left when it could not.
func (c *Client) cancelOffer(o pairing.Offer, left func(error, pairing.Offer)) {
	if err := c.CancelOffer(o); err != nil && left != nil {
		left(err, o)
	}
}
