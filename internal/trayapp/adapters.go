package trayapp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/clipwatch"
	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/notify"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/webagent"
)

// findNumbers is the desktop's Finder: a tel:/callto: link is one number;
// other text is searched for numbers.
func findNumbers(text, region string, limit int) []desktop.Found {
	t := strings.TrimSpace(text)
	lt := strings.ToLower(t)
	if strings.HasPrefix(lt, "tel:") || strings.HasPrefix(lt, "callto:") {
		if n, err := number.Parse(t, region); err == nil {
			return []desktop.Found{{E164: n.E164, Raw: t, Ext: n.Extension, SafeToAutoDial: n.SafeToAutoDial()}}
		}
	}
	var out []desktop.Found
	for _, m := range number.FindUnique(text, region, number.WithScanLimit(limit)) {
		out = append(out, desktop.Found{E164: m.E164, Raw: m.Raw, Ext: m.Extension, SafeToAutoDial: m.SafeToAutoDial()})
	}
	return out
}

func selFrom(s clipwatch.Selection) desktop.Selection {
	if s == clipwatch.Primary {
		return desktop.Primary
	}
	return desktop.Clipboard
}

// clipPort adapts the clipboard watcher (nil: no clipboard).
type clipPort struct{ w *clipwatch.Watcher }

func (c *clipPort) Read(ctx context.Context, sel desktop.Selection) (string, error) {
	if c.w == nil {
		return "", clipwatch.ErrUnsupported
	}
	s := clipwatch.Clipboard
	if sel == desktop.Primary {
		s = clipwatch.Primary
	}
	return c.w.Read(ctx, s)
}

func (c *clipPort) Write(ctx context.Context, text string) error {
	if c.w == nil {
		return clipwatch.ErrUnsupported
	}
	return c.w.Write(ctx, text)
}

// notifyPort adapts the notifier (nil: none, so prompts open a window).
type notifyPort struct{ n *notify.Notifier }

func (p *notifyPort) Show(ctx context.Context, n desktop.Notice) (uint32, error) {
	if p.n == nil {
		return 0, desktop.ErrNoActions
	}
	note := notify.Notification{Title: n.Title, Body: n.Body, Replaces: n.Replaces, Icon: "phone"}
	for _, a := range n.Actions {
		note.Actions = append(note.Actions, notify.Action{Key: a.Key, Label: a.Label})
	}
	id, err := p.n.Show(ctx, note)
	if errors.Is(err, notify.ErrNoActions) || errors.Is(err, notify.ErrNoServer) || errors.Is(err, notify.ErrClosed) {
		return 0, fmt.Errorf("%w: %v", desktop.ErrNoActions, err)
	}
	return id, err
}

// histPort adapts the history store.
type histPort struct{ s *history.Store }

func (h histPort) Recent(ctx context.Context, n int) ([]desktop.RecentCall, error) {
	calls, err := h.s.Recent(ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]desktop.RecentCall, 0, len(calls))
	for _, c := range calls {
		out = append(out, desktop.RecentCall{Name: c.Name, Number: c.Number, Phone: c.PhoneID, At: c.At})
	}
	return out, nil
}

func (h histPort) Search(ctx context.Context, q string, limit int) ([]desktop.Contact, error) {
	hits, err := h.s.Search(ctx, q, limit)
	if err != nil {
		return nil, err
	}
	out := make([]desktop.Contact, 0, len(hits))
	for _, hit := range hits {
		out = append(out, desktop.Contact{Name: hit.Name, Number: hit.E164, Ext: hit.Ext})
	}
	return out, nil
}

func (h histPort) RecordCall(ctx context.Context, r desktop.CallRecord) (int64, error) {
	rec, err := h.s.Begin(ctx, history.Call{At: r.Started, Number: r.Number, Name: r.Name, PhoneID: r.Phone.String()})
	return rec.ID(), err
}

// UpdateCall records where the call got to, mapped to an outcome by the
// same rule `deskdial call` uses (call.OutcomeOf).
func (h histPort) UpdateCall(ctx context.Context, id int64, r desktop.CallRecord) error {
	return h.s.Resume(id).Reached(ctx, r.Phase, r.Talk)
}

// remotePort adapts the NATS client. It remembers each phone's
// capabilities from when it was last online, so an offline phone is still
// shown as "calls" or "opens dialer".
type remotePort struct {
	c    *remote.Client
	mu   sync.Mutex
	caps map[device.ID]desktop.Phone
}

func (r *remotePort) Phones(ctx context.Context) ([]desktop.Phone, error) {
	infos, err := r.c.Phones(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]desktop.Phone, 0, len(infos))
	for _, in := range infos {
		id := in.Peer.ID
		p := r.caps[id]
		p.ID, p.Name, p.Online = id, in.Peer.Name, in.Online
		if in.Online {
			p.PlacesCalls, p.CanHangup = in.Presence.PlacesCalls, in.Presence.CanHangup
			r.caps[id] = p
		}
		out = append(out, p)
	}
	return out, nil
}

func (r *remotePort) Call(ctx context.Context, id device.ID, target string, mode call.Mode) (desktop.CallHandle, error) {
	h, err := r.c.Call(ctx, id, target, mode)
	var re *remote.RefusedError
	switch {
	case errors.As(err, &re):
		reason := re.Reply.Reason
		if reason == "" {
			reason = string(re.Reply.Code)
		}
		return nil, &desktop.RefusedError{Reason: reason}
	case errors.Is(err, remote.ErrOffline), errors.Is(err, remote.ErrTimeout):
		return nil, fmt.Errorf("%w: %v", desktop.ErrOffline, err)
	case err != nil:
		return nil, err
	}
	out := make(chan desktop.CallUpdate, 16)
	go func() {
		// Owned by the call: ends when the phone's updates end or ctx does.
		defer close(out)
		defer h.Close()
		out <- desktop.CallUpdate{Phase: call.Sent, At: time.Now()}
		for {
			select {
			case <-ctx.Done():
				return
			case st, ok := <-h.Updates:
				if !ok {
					return
				}
				u := desktop.CallUpdate{Phase: st.State, Reason: st.Reason, At: time.UnixMilli(st.At)}
				select {
				case out <- u:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return &callPort{c: r.c, phone: id, h: h, updates: out}, nil
}

type callPort struct {
	c       *remote.Client
	phone   device.ID
	h       *remote.CallHandle
	updates chan desktop.CallUpdate
}

func (c *callPort) Updates() <-chan desktop.CallUpdate { return c.updates }
func (c *callPort) Hangup(ctx context.Context) error   { return c.c.Hangup(ctx, c.phone, c.h.ID) }

// pairingPort adapts pairing and the device registry for the pairing window.
type pairingPort struct {
	c *remote.Client
	d *remote.Desktop
	// removed is told each phone the user removed (nil: nobody).
	removed func(device.ID)
}

func (p pairingPort) NewOffer(ctx context.Context) (string, error) {
	o, err := p.c.Offer(ctx)
	if err != nil {
		return "", err
	}
	return o.URI(), nil
}

// PairLink is the pairing link a phone's camera opens: the web agent's
// page with the offer in the URL fragment; "" when no page is served.
func (p pairingPort) PairLink(uri string) string {
	if pages := p.c.PageURLs(); len(pages) > 0 {
		return webagent.PairURL(pages[0], uri)
	}
	return ""
}

func (p pairingPort) Rename(ctx context.Context, id device.ID, name string) error {
	return p.d.Registry.Rename(id, name)
}

func (p pairingPort) Remove(ctx context.Context, id device.ID) error {
	if err := p.c.Unpair(ctx, id); err != nil {
		return err
	}
	if p.removed != nil {
		p.removed(id)
	}
	return nil
}
