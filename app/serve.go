package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/quiet"
	"github.com/deskdial/deskdial/internal/remote"
)

// openDesktop loads this desktop's settings, identity and paired devices.
func openDesktop(e *env) (*remote.Desktop, error) {
	p, err := e.paths()
	if err != nil {
		return nil, err
	}
	st, err := config.Open(p.Config)
	if err != nil {
		return nil, err
	}
	return openDesktopWith(p, st.Get(), e)
}

// openDesktopWith opens the desktop with the global flags over settings s.
func openDesktopWith(p config.Paths, s config.Settings, e *env) (*remote.Desktop, error) {
	if e.ca != "" {
		s.CA = e.ca
	}
	return remote.OpenDesktop(p, s, e.server, e.creds)
}

// cmdServe runs the desktop side without the tray: the embedded server (or
// the connection to a hosted one), pairing and call states. Other
// deskdial commands in other terminals use it.
func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("serve takes no arguments")
	}
	d, err := openDesktop(e)
	if err != nil {
		return err
	}
	quiet.OneProcessor() // it waits for phones and dials for days
	return d.Serve(ctx, serveReport(e, d))
}

// serveReport prints what the running desktop does.
func serveReport(e *env, d *remote.Desktop) remote.ServeReport {
	return remote.ServeReport{
		Serving: func(urls []string, fp string) {
			fmt.Fprintf(e.stdout, "deskdial %s (%s) is serving on %s\n", d.Name, d.Identity.ID.Short(), strings.Join(urls, ", "))
			if fp != "" {
				fmt.Fprintf(e.stdout, "certificate SHA-256 %s\n", fp)
			}
			fmt.Fprintf(e.stdout, "pair a phone with `deskdial pair` in another terminal; stop with Ctrl-C\n")
		},
		Syncing: func(server string) { fmt.Fprintf(e.stdout, "syncing recents through %s\n", server) },
		Pair: func(ev remote.PairEvent) {
			fmt.Fprintf(e.stdout, "Paired with %s (%s)\n", ev.Phone.Name, ev.Phone.ID.Short())
		},
		Unpair: func(p device.Peer) { fmt.Fprintf(e.stdout, "%s (%s) unpaired itself\n", p.Name, p.ID.Short()) },
		Status: func(ev remote.StatusEvent) { fmt.Fprintf(e.stdout, "%s: %s\n", ev.Phone.Name, statusText(ev.Status)) },
		Relay: func(ev remote.RelayEvent) {
			fmt.Fprintf(e.stdout, "%s asked %s to call %s: %s\n", ev.From.Name, ev.Phone.Name, ev.Target, replyText(ev.Reply))
		},
		Note: func(msg string) { fmt.Fprintln(e.stderr, msg) },
		Log:  slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

// formatDuration prints a call length as m:ss (h:mm:ss past an hour).
func formatDuration(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
