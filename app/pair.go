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
	p, err := d.Pair(ctx, remote.PairRequest{Wait: !*printOnly, Link: *link, Page: *page,
		Offered:   func(o pairing.Offer, out string, pages []string) { printOffer(e, *printOnly, o, out, pages) },
		OfferLeft: func(err error, o pairing.Offer) { warnOfferLeft(e, err, o) }})
	if err != nil || *printOnly {
		return pairErr(err)
	}
	fmt.Fprintf(e.stdout, "Paired with %s (%s)\n", p.Name, p.ID.Short())
	return nil
}

// printOffer prints what to hand the phone (out) on stdout and, unless
// only that was asked for, how on stderr.
func printOffer(e *env, printOnly bool, o pairing.Offer, out string, pages []string) {
	if printOnly {
		fmt.Fprintln(e.stdout, out)
		return
	}
	if len(pages) > 0 {
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
}

// pairErr says what to do about a pairing that did not happen.
func pairErr(err error) error {
	switch {
	case errors.Is(err, remote.ErrNoInstance):
		return fmt.Errorf("no deskdial is running to answer the phone: start `deskdial serve` (or the tray app) first, or run `deskdial pair` without --print")
	case errors.Is(err, remote.ErrNoPage):
		return errors.New("no phone page is served here (a hosted server, or its port is taken): pair with `deskdial phone --pair`, or serve the page with `deskdial serve-web`")
	case errors.Is(err, remote.ErrOfferExpired):
		return withCode(exitTimedOut, errors.New("the offer expired before a phone joined; run `deskdial pair` again"))
	}
	return err
}

// warnOfferLeft says that an offer could not be withdrawn (the offers
// file could not be rewritten): the running instance answers it until it
// expires.
func warnOfferLeft(e *env, err error, o pairing.Offer) {
	if err != nil {
		fmt.Fprintf(e.stderr, "deskdial: %v\nThe offer can still be used until %s; check the config directory's permissions.\n", err, o.Expires.Local().Format("15:04:05"))
	}
}
