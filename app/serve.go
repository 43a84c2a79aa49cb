package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/supervise"
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

// relayedCall is the history entry of a call a phone asked another phone to
// make through this desktop.
func relayedCall(ev remote.RelayEvent) history.Call {
	return history.Call{At: time.Now(), Number: ev.Number(), PhoneID: ev.Phone.ID.String(), PhoneName: ev.Phone.Name,
		Outcome: ev.Outcome(), AskedByID: ev.From.ID.String(), AskedByName: ev.From.Name}
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
	// Calls a phone asks another phone to make through this desktop go
	// into the history with the asking phone; nothing else here writes it
	// (deskdial call records its own calls).
	hist, herr := history.Open(filepath.Join(d.Paths.Data, history.FileName))
	if herr != nil {
		fmt.Fprintf(e.stderr, "note: calls from phones are not kept in the history: %v\n", herr)
	} else {
		defer hist.Close()
	}
	svc := remote.NewService(d,
		remote.OnPair(func(ev remote.PairEvent) {
			fmt.Fprintf(e.stdout, "Paired with %s (%s)\n", ev.Phone.Name, ev.Phone.ID.Short())
		}),
		remote.OnUnpair(func(p device.Peer) {
			fmt.Fprintf(e.stdout, "%s (%s) unpaired itself\n", p.Name, p.ID.Short())
		}),
		remote.OnStatus(func(ev remote.StatusEvent) {
			fmt.Fprintf(e.stdout, "%s: %s\n", ev.Phone.Name, statusText(ev.Status))
		}),
		remote.OnRelay(func(ev remote.RelayEvent) {
			fmt.Fprintf(e.stdout, "%s asked %s to call %s: %s\n", ev.From.Name, ev.Phone.Name, ev.Target, replyText(ev.Reply))
			if hist != nil && ev.Number() != "" {
				if _, err := hist.RecordCall(ctx, relayedCall(ev)); err != nil {
					fmt.Fprintf(e.stderr, "warning: could not record the call: %v\n", err)
				}
			}
		}))
	errc := make(chan error, 1)
	go func() { errc <- svc.Run(ctx) }()
	if err := svc.Ready(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	urls, fp := svc.Servers()
	fmt.Fprintf(e.stdout, "deskdial %s (%s) is serving on %s\n", d.Name, d.Identity.ID.Short(), strings.Join(urls, ", "))
	if fp != "" {
		fmt.Fprintf(e.stdout, "certificate SHA-256 %s\n", fp)
	}
	fmt.Fprintf(e.stdout, "pair a phone with `deskdial pair` in another terminal; stop with Ctrl-C\n")
	if d.Hosted() {
		stopSync, err := startHistorySync(ctx, e, d)
		if err != nil {
			fmt.Fprintf(e.stderr, "note: %v\n", err)
		} else {
			defer stopSync()
		}
	}
	return <-errc
}

// startHistorySync syncs this desktop's recents with the user's other
// desktops through the hosted server while serve runs.
func startHistorySync(ctx context.Context, e *env, d *remote.Desktop) (stop func(), err error) {
	c, err := remote.Open(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("history sync off: %w", err)
	}
	hist, err := history.Open(filepath.Join(d.Paths.Data, historyFile))
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("history sync off: %w", err)
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	y, err := remote.HistorySyncer(ctx, c.Conn(), hist, d.Paths.Config, d.Settings, log)
	if err != nil || y == nil {
		hist.Close()
		c.Close()
		if err == nil {
			err = errors.New("history sync off: no sync key (see `deskdial sync-key`)")
		}
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		// Owned by serve: sync that fails (the server restarting, the
		// bucket briefly gone) starts again, backing off, as in the tray.
		defer close(done)
		supervise.Retry(sctx, supervise.DefaultMin, supervise.DefaultMax, y.Run, func(err error) {
			fmt.Fprintf(e.stderr, "history sync stopped: %v; trying again\n", err)
		})
	}()
	fmt.Fprintf(e.stdout, "syncing recents through %s\n", d.Server)
	return func() { cancel(); <-done; hist.Close(); c.Close() }, nil
}

// formatDuration prints a call length as m:ss (h:mm:ss past an hour).
func formatDuration(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
