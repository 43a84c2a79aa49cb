package notify

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrNoServer means no notification server can be reached: no session
	// bus, nobody owning org.freedesktop.Notifications, or a platform without
	// freedesktop notifications.
	ErrNoServer = errors.New("notify: no notification server")
	// ErrNoActions means the server cannot show buttons, so a notification
	// asking a question would be unanswerable.
	ErrNoActions = errors.New("notify: notification server does not support actions")
	// ErrClosed means the Notifier was stopped (its Run returned).
	ErrClosed = errors.New("notify: notifier closed")
)

// Urgency is the freedesktop urgency level.
type Urgency byte

const (
	UrgencyLow      Urgency = 0
	UrgencyNormal   Urgency = 1
	UrgencyCritical Urgency = 2
)

// Action is one button on a notification. Key comes back in Event.Action
// when the user presses it; Label is what the user reads. The key "default"
// is, by the freedesktop convention, a click on the notification body.
type Action struct {
	Key   string
	Label string
}

// Notification is what Show displays. Title and Body are plain text: Show
// escapes them for the server (markup, control characters), so callers
// never escape and names cannot inject markup.
type Notification struct {
	Title   string
	Body    string
	Icon    string // an icon name from the theme or an absolute file path; empty for none
	Actions []Action
	Urgency Urgency
	// Timeout: 0 lets the server decide; a negative value asks the server
	// to keep the notification until the user acts.
	Timeout time.Duration
	// Replaces updates an earlier notification of ours in place instead of
	// stacking a new one (for "dialing" → "active" → "ended").
	Replaces uint32
}

// Event reports what happened to one of our notifications: either the user
// pressed a button (Action set) or it went away (Closed set, with Reason).
type Event struct {
	ID     uint32
	Action string
	Closed bool
	// Reason is the freedesktop close reason: 1 expired, 2 dismissed by the
	// user, 3 closed through Close, 4 undefined.
	Reason uint32
}

// Close reasons defined by the freedesktop specification.
const (
	ReasonExpired   uint32 = 1
	ReasonDismissed uint32 = 2
	ReasonClosed    uint32 = 3
	ReasonUndefined uint32 = 4
)

// Option configures New.
type Option func(*options)

type options struct {
	address      string // D-Bus address; empty: the session bus
	desktopEntry string
	buffer       int
}

// WithAddress connects to the D-Bus daemon at addr instead of the session
// bus named by the environment.
func WithAddress(addr string) Option { return func(o *options) { o.address = addr } }

// WithDesktopEntry names the .desktop file (without the suffix) so the
// server can show the application's icon and group its notifications.
func WithDesktopEntry(name string) Option { return func(o *options) { o.desktopEntry = name } }

// WithEventBuffer sets how many events may wait in Events before new ones
// are dropped (default 16).
func WithEventBuffer(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.buffer = n
		}
	}
}

// Notifier shows notifications for one application.
type Notifier struct {
	appName string
	opts    options
	events  chan Event
	impl    backend
	ran     atomic.Bool
}

// backend is the per-platform part.
type backend interface {
	capabilities() []string
	mechanism() string
	show(ctx context.Context, appName string, n Notification) (uint32, error)
	close(ctx context.Context, id uint32) error
	run(ctx context.Context, events chan<- Event) error
}

// New connects to the platform's notification server. It returns
// ErrNoServer when there is none.
func New(ctx context.Context, appName string, opts ...Option) (*Notifier, error) {
	o := options{buffer: 16}
	for _, opt := range opts {
		opt(&o)
	}
	impl, err := newBackend(ctx, o)
	if err != nil {
		return nil, err
	}
	return &Notifier{appName: appName, opts: o, events: make(chan Event, o.buffer), impl: impl}, nil
}

// Capabilities lists what the server says it can do ("actions", "body",
// "body-markup", ...), as reported when the Notifier was made.
func (n *Notifier) Capabilities() []string {
	return append([]string(nil), n.impl.capabilities()...)
}

// Mechanism names how notifications are shown, for the log:
// "freedesktop" (a notification server on D-Bus) or "windows-toast".
func (n *Notifier) Mechanism() string { return n.impl.mechanism() }

// HasActions reports whether the server can show buttons.
func (n *Notifier) HasActions() bool {
	for _, c := range n.impl.capabilities() {
		if c == "actions" {
			return true
		}
	}
	return false
}

// Show displays a notification and returns its id, which later Events
// carry. A notification with Actions on a server without the "actions"
// capability is not shown: Show returns ErrNoActions.
func (n *Notifier) Show(ctx context.Context, note Notification) (uint32, error) {
	if len(note.Actions) > 0 && !n.HasActions() {
		return 0, ErrNoActions
	}
	for _, a := range note.Actions {
		if a.Key == "" {
			return 0, errors.New("notify: action with an empty key")
		}
	}
	return n.impl.show(ctx, n.appName, note)
}

// Close withdraws one of our notifications.
func (n *Notifier) Close(ctx context.Context, id uint32) error {
	return n.impl.close(ctx, id)
}

// Events delivers button presses and closings of our own notifications
// while Run runs. It is closed when Run returns.
func (n *Notifier) Events() <-chan Event { return n.events }

// Run listens for the server's signals until ctx is done, then releases the
// connection. It returns nil on cancellation. Call it once.
func (n *Notifier) Run(ctx context.Context) error {
	if !n.ran.CompareAndSwap(false, true) {
		return errors.New("notify: Run called twice")
	}
	defer close(n.events)
	return n.impl.run(ctx, n.events)
}
