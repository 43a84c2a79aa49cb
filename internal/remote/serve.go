package remote

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/supervise"
)

// ServeReport is told what a running desktop does, to show it. Any of its
// functions may be nil.
type ServeReport struct {
	// Serving: the service is ready, on urls (the embedded server's, or
	// the hosted one), with the embedded server's certificate
	// fingerprint ("" for a hosted server).
	Serving func(urls []string, certFP string)
	// Syncing: recents are synced with the user's other desktops through
	// the hosted server.
	Syncing func(server string)
	Pair    func(PairEvent)
	Unpair  func(device.Peer)
	Status  func(StatusEvent)
	Relay   func(RelayEvent)
	// Note: something that works less than it could (no history, no
	// sync), one line for the user.
	Note func(msg string)
	// Log takes the history syncer's warnings (nil: dropped).
	Log *slog.Logger
}

func (r ServeReport) note(format string, a ...any) {
	if r.Note != nil {
		r.Note(fmt.Sprintf(format, a...))
	}
}

// Serve runs the desktop side without the tray (`deskdial serve`): the
// service (the embedded server, or the connection to a hosted one),
// pairing and call states, until ctx ends. Calls a phone asks another
// phone to make through this desktop go into the history with the asking
// phone; on a hosted server recents are synced with the user's other
// desktops.
func (d *Desktop) Serve(ctx context.Context, r ServeReport) error {
	// Nothing else here writes the history (deskdial call records its
	// own calls).
	hist, herr := history.Open(filepath.Join(d.Paths.Data, history.FileName))
	if herr != nil {
		r.note("note: calls from phones are not kept in the history: %v", herr)
	} else {
		defer hist.Close()
	}
	svc := NewService(d, OnPair(r.Pair), OnUnpair(r.Unpair), OnStatus(r.Status), OnRelay(r.Relay),
		RecordRelays(hist, func(err error) { r.note("warning: could not record a call from a phone: %v", err) }))
	errc := make(chan error, 1)
	go func() { errc <- svc.Run(ctx) }()
	if err := svc.Ready(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	if r.Serving != nil {
		r.Serving(svc.Servers())
	}
	if d.Hosted() {
		if stop, err := d.startHistorySync(ctx, r); err != nil {
			r.note("note: %v", err)
		} else {
			defer stop()
		}
	}
	return <-errc
}

// startHistorySync syncs this desktop's recents with the user's other
// desktops through the hosted server until stop is called.
func (d *Desktop) startHistorySync(ctx context.Context, r ServeReport) (stop func(), err error) {
	c, err := Open(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("history sync off: %w", err)
	}
	hist, err := history.Open(filepath.Join(d.Paths.Data, history.FileName))
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("history sync off: %w", err)
	}
	log := r.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	y, err := HistorySyncer(ctx, c.Conn(), hist, d.Paths.Config, d.Settings, log)
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
		// Sync that fails (the server restarting, the bucket briefly
		// gone) starts again, backing off, as in the tray.
		defer close(done)
		supervise.Retry(sctx, supervise.DefaultMin, supervise.DefaultMax, y.Run, func(err error) {
			r.note("history sync stopped: %v; trying again", err)
		})
	}()
	if r.Syncing != nil {
		r.Syncing(d.Server)
	}
	return func() { cancel(); <-done; hist.Close(); c.Close() }, nil
}
