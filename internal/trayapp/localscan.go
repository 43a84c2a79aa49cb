//go:build cgo

package trayapp

import (
	"context"
	"strings"

	"github.com/deskdial/deskdial/internal/dialer/backends"
	"github.com/deskdial/deskdial/internal/localphone"
	"github.com/deskdial/deskdial/internal/ui"
)

// scanLocal is the settings window's look for local phones: what
// localphone.Scan finds, and for each kind that found none, why.
func scanLocal(opts backends.Options) func(context.Context) ui.LocalScan {
	return func(ctx context.Context) ui.LocalScan {
		found, problems := localphone.Scan(ctx, opts)
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
