package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/deskdial/deskdial/internal/remote"
)

// cmdPair makes a pairing offer, prints its URI and waits for a phone.
func cmdPair(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "pair")
	printOnly := fs.Bool("print", false, "print the offer and exit; the running deskdial answers the phone")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("pair takes no arguments")
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
	if *printOnly {
		fmt.Fprintln(e.stdout, o.URI())
		return nil
	}
	fmt.Fprintf(e.stderr, "On the phone, run:\n  deskdial phone --pair '%s'\nWaiting for a phone (the offer expires at %s)...\n",
		o.URI(), o.Expires.Local().Format("15:04:05"))
	fmt.Fprintln(e.stdout, o.URI())
	wctx, cancel := context.WithDeadline(ctx, o.Expires)
	defer cancel()
	p, err := c.WaitPaired(wctx, before)
	if err != nil {
		c.CancelOffer(o)
		if errors.Is(err, context.DeadlineExceeded) {
			return withCode(exitTimedOut, errors.New("the offer expired before a phone joined; run `deskdial pair` again"))
		}
		return err
	}
	fmt.Fprintf(e.stdout, "Paired with %s (%s)\n", p.Name, p.ID.Short())
	return nil
}
