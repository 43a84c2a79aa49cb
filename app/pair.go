package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/webagent"
)

// cmdPair makes a pairing offer, prints its URI and waits for a phone.
func cmdPair(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "pair")
	printOnly := fs.Bool("print", false, "print the offer and exit; the running deskdial answers the phone")
	link := fs.Bool("link", false, "print the pairing link a phone's browser opens (https://HOST:PORT/pair#OFFER) instead of the offer")
	page := fs.String("page", "", "the phone page's address for --link (https://HOST[:PORT], e.g. a relay's serve-web); default: the page this desktop serves")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("pair takes no arguments")
	}
	if *page != "" {
		u, err := url.Parse(*page)
		if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return usageErr("--page %q is not an https://HOST[:PORT] address", *page)
		}
		*link = true
	}
	d, err := openDesktop(e)
	if err != nil {
		return err
	}
	var opts []remote.ClientOption
	if !*printOnly {
		opts = append(opts, remote.StartService())
	}
	c, err := remote.Open(ctx, d, opts...)
	if errors.Is(err, remote.ErrNoInstance) {
		return fmt.Errorf("no deskdial is running to answer the phone: start `deskdial serve` (or the tray app) first, or run `deskdial pair` without --print")
	}
	if err != nil {
		return err
	}
	defer c.Close()
	before := d.Registry.List()
	o, err := c.Offer(ctx)
	if err != nil {
		return err
	}
	out := o.URI()
	if *link {
		pages := c.PageURLs()
		if *page != "" {
			pages = []string{*page}
		}
		if len(pages) == 0 {
			warnOfferLeft(e, c.CancelOffer(o), o)
			return errors.New("no phone page is served here (a hosted server, or its port is taken): pair with `deskdial phone --pair`, or serve the page with `deskdial serve-web`")
		}
		out = webagent.PairURL(pages[0], o.URI())
	}
	if *printOnly {
		fmt.Fprintln(e.stdout, out)
		return nil
	}
	if pages := c.PageURLs(); len(pages) > 0 {
		fmt.Fprintf(e.stderr, "On the phone, open this link in its browser (accept the certificate warning once; the page shows the fingerprint %s):\n  %s\n",
			o.CertFP, webagent.PairURL(pages[0], o.URI()))
		for _, p := range pages[1:] {
			fmt.Fprintf(e.stderr, "  or %s\n", webagent.PairURL(p, o.URI()))
		}
		fmt.Fprintln(e.stderr, "or, with deskdial on the phone, run:")
	} else {
		fmt.Fprintln(e.stderr, "On the phone, run:")
	}
	fmt.Fprintf(e.stderr, "  deskdial phone --pair '%s'\nWaiting for a phone (the offer expires at %s)...\n",
		o.URI(), o.Expires.Local().Format("15:04:05"))
	fmt.Fprintln(e.stdout, out)
	wctx, cancel := context.WithDeadline(ctx, o.Expires)
	defer cancel()
	p, err := c.WaitPaired(wctx, before)
	if err != nil {
		warnOfferLeft(e, c.CancelOffer(o), o)
		if errors.Is(err, context.DeadlineExceeded) {
			return withCode(exitTimedOut, errors.New("the offer expired before a phone joined; run `deskdial pair` again"))
		}
		return err
	}
	fmt.Fprintf(e.stdout, "Paired with %s (%s)\n", p.Name, p.ID.Short())
	return nil
}

// warnOfferLeft says that an offer could not be withdrawn (the offers
// file could not be rewritten): the running instance answers it until it
// expires.
func warnOfferLeft(e *env, err error, o pairing.Offer) {
	if err != nil {
		fmt.Fprintf(e.stderr, "deskdial: %v\nThe offer can still be used until %s; check the config directory's permissions.\n", err, o.Expires.Local().Format("15:04:05"))
	}
}
