//go:build cgo

package trayapp

import (
	"context"
	"log/slog"
	"strings"

	"github.com/deskdial/deskdial/internal/dialer/backends"
	"github.com/deskdial/deskdial/internal/localphone"
	"github.com/deskdial/deskdial/internal/ui"
)

// scanLocal is the settings window's look for local phones: what
// localphone.Scan finds, and for each kind that found none, why.
// The log says what was found, for troubleshooting a phone that does not
// show up.
func scanLocal(opts backends.Options, log *slog.Logger) func(context.Context) ui.LocalScan {
	return func(ctx context.Context) ui.LocalScan {
		found, problems := localphone.Scan(ctx, opts)
		log.Info("tray: looked for local phones", "found", len(found), "problems", strings.Join(problems, "; "))
		var out ui.LocalScan
		for _, f := range found {
			out.Phones = append(out.Phones, ui.LocalPhone{Bluetooth: f.Kind == localphone.KindBluetooth,
				Backend: f.Backend, Name: f.Name, Via: f.Via, Places: f.Places, Ready: f.Ready, Why: f.Why})
		}
		for _, p := range problems {
			if why, ok := strings.CutPrefix(p, "Bluetooth: "); ok {
				out.NoBluetooth = why
			} else if why, ok := strings.CutPrefix(p, "KDE Connect: "); ok {
				out.NoKDEConnect = why
			}
		}
		return out
	}
}
