package trayapp

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/hotkey"
)

// hotkeys keeps the global hotkey registered as the settings say.
type hotkeys struct {
	core *desktop.Core
	log  *slog.Logger
	mu   sync.Mutex
	cur  *hotkey.Hotkey
	spec string
}

func (h *hotkeys) set(ctx context.Context, spec string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if spec == h.spec && h.cur != nil {
		return
	}
	if h.cur != nil {
		h.cur.Close()
		h.cur = nil
	}
	h.spec = spec
	sp, err := hotkey.Parse(spec)
	if err == nil {
		h.cur, err = hotkey.Register(ctx, sp)
	}
	switch {
	case errors.Is(err, hotkey.ErrTaken):
		h.core.Tell(desktop.M("notice.hotkey_taken", "Key", spec), desktop.M("notice.hotkey_body"))
		h.log.Warn("tray: hotkey taken", "key", spec)
		return
	case errors.Is(err, hotkey.ErrUnsupported):
		h.core.Tell(desktop.M("notice.hotkey_none"), desktop.Msg{})
		return
	case err != nil:
		h.log.Warn("tray: hotkey", "key", spec, "err", err)
		return
	}
	hk := h.cur
	go func() {
		// Owned by this registration: Events ends when it is closed or ctx ends.
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-hk.Events():
				if !ok {
					return
				}
				h.core.Hotkey()
			}
		}
	}()
}

func (h *hotkeys) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur != nil {
		h.cur.Close()
		h.cur = nil
	}
}
