package desktop

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/number"
)

// lineFinder is the real number finder, as the tray wires it in: a
// tel: link is one number; other text is searched.
func lineFinder(text, region string) []Found {
	t := strings.TrimSpace(text)
	if lt := strings.ToLower(t); strings.HasPrefix(lt, "tel:") || strings.HasPrefix(lt, "callto:") {
		if n, err := number.Parse(t, region); err == nil {
			return []Found{{E164: n.E164, Raw: t, SafeToAutoDial: n.SafeToAutoDial()}}
		}
	}
	var out []Found
	for _, m := range number.FindUnique(text, region) {
		out = append(out, Found{E164: m.E164, Raw: m.Raw, SafeToAutoDial: m.SafeToAutoDial()})
	}
	return out
}

type fakeHandle struct {
	ch      chan CallUpdate
	mu      sync.Mutex
	hangups int
}

func (h *fakeHandle) Updates() <-chan CallUpdate { return h.ch }
func (h *fakeHandle) Hangup(ctx context.Context) error {
	h.mu.Lock()
	h.hangups++
	h.mu.Unlock()
	return nil
}

type dialed struct {
	Phone  device.ID
	Target string
	Mode   call.Mode
}

type fakeRemote struct {
	mu      sync.Mutex
	phones  []Phone
	calls   []dialed
	handles []*fakeHandle
	err     error // returned by Call
	// hold, when set, keeps Phones from answering until it is closed:
	// presence not known yet.
	hold chan struct{}
}

func (r *fakeRemote) Phones(ctx context.Context) ([]Phone, error) {
	if r.hold != nil {
		select {
		case <-r.hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Phone(nil), r.phones...), nil
}

func (r *fakeRemote) Call(ctx context.Context, phoneID device.ID, target string, mode call.Mode) (CallHandle, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, dialed{phoneID, target, mode})
	if r.err != nil {
		return nil, r.err
	}
	h := &fakeHandle{ch: make(chan CallUpdate, 16)}
	r.handles = append(r.handles, h)
	return h, nil
}

func (r *fakeRemote) dialed() []dialed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]dialed(nil), r.calls...)
}

func (r *fakeRemote) handle(i int) *fakeHandle {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.handles[i]
}

type fakeHistory struct {
	mu       sync.Mutex
	contacts []Contact
	calls    []CallRecord
}

func (h *fakeHistory) Recent(ctx context.Context, n int) ([]RecentCall, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []RecentCall
	for i := len(h.calls) - 1; i >= 0 && len(out) < n; i-- {
		c := h.calls[i]
		out = append(out, RecentCall{Name: c.Name, Number: c.Number, Phone: c.Phone.String(), At: c.Started})
	}
	return out, nil
}

func (h *fakeHistory) Search(ctx context.Context, q string, limit int) ([]Contact, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Contact
	for _, c := range h.contacts {
		if Matches(c.Name, c.Number, q) && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (h *fakeHistory) RecordCall(ctx context.Context, r CallRecord) (int64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, r)
	return int64(len(h.calls)), nil
}

func (h *fakeHistory) UpdateCall(ctx context.Context, id int64, r CallRecord) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if id < 1 || int(id) > len(h.calls) {
		return fmt.Errorf("no call %d", id)
	}
	h.calls[id-1] = r
	return nil
}

func (h *fakeHistory) record(i int) CallRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[i]
}

type fakeClip struct {
	mu   sync.Mutex
	sels map[Selection]string
}

func (c *fakeClip) Read(ctx context.Context, sel Selection) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sels[sel], nil
}

func (c *fakeClip) Write(ctx context.Context, text string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sels[Clipboard] = text
	return nil
}

type fakeNotifier struct {
	mu      sync.Mutex
	shown   []Notice
	noBtns  bool // behave like a server without the actions capability
	counter uint32
}

func (n *fakeNotifier) Show(ctx context.Context, no Notice) (uint32, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.noBtns && len(no.Actions) > 0 {
		return 0, fmt.Errorf("show: %w", ErrNoActions)
	}
	n.shown = append(n.shown, no)
	if no.Replaces != 0 {
		return no.Replaces, nil
	}
	n.counter++
	return n.counter, nil
}

func (n *fakeNotifier) titles() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, s := range n.shown {
		out = append(out, s.Title)
	}
	return out
}

func (n *fakeNotifier) last() Notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.shown) == 0 {
		return Notice{}
	}
	return n.shown[len(n.shown)-1]
}

type rig struct {
	core     *Core
	remote   *fakeRemote
	hist     *fakeHistory
	clip     *fakeClip
	notifier *fakeNotifier
	settings *config.Store
	cancel   context.CancelFunc
	done     chan error
	last     State
}

var (
	pixel = Phone{ID: device.ID{1}, Name: "Pixel", Online: true, PlacesCalls: true, CanHangup: true}
	nokia = Phone{ID: device.ID{2}, Name: "Nokia", Online: false, PlacesCalls: false}
)

func newRig(t *testing.T, phones ...Phone) *rig {
	t.Helper()
	r := startRig(t, nil, phones)
	r.waitState(t, func(s State) bool { return len(s.Phones) == len(phones) && s.Connected })
	return r
}

// startRig starts a core; hold (if not nil) keeps the phones unknown until
// it is closed.
func startRig(t *testing.T, hold chan struct{}, phones []Phone, opts ...Option) *rig {
	t.Helper()
	st, err := config.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Modify(func(s *config.Settings) { s.Region = "DE" }); err != nil {
		t.Fatal(err)
	}
	r := &rig{
		remote:   &fakeRemote{phones: phones, hold: hold},
		hist:     &fakeHistory{},
		clip:     &fakeClip{sels: map[Selection]string{}},
		notifier: &fakeNotifier{},
		settings: st,
		done:     make(chan error, 1),
	}
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r.core = New(r.remote, r.hist, r.clip, r.notifier, st, lineFinder,
		append([]Option{WithClock(func() time.Time { return clock })}, opts...)...)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.core.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-r.done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	r.core.SetConnection(true, nil)
	return r
}

// waitState polls snapshots until ok holds, with a deadline.
func (r *rig) waitState(t *testing.T, ok func(State) bool) State {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.core.Sync()
		select {
		case s := <-r.core.States():
			r.last = s
		default:
		}
		if ok(r.last) {
			return r.last
		}
		if time.Now().After(deadline) {
			t.Fatalf("state never reached; last: %+v", r.last)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
