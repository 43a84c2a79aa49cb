package clipwatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Errors; callers test them with errors.Is.
var (
	// ErrUnsupported means this desktop offers no clipboard deskdial can
	// reach (no X display and no wl-paste, or a platform without support).
	ErrUnsupported = errors.New("clipwatch: no clipboard access on this desktop")
	// ErrSensitive means a password manager marked the content secret;
	// Read does not return it.
	ErrSensitive = errors.New("clipwatch: content marked secret by a password manager")
	// ErrTimeout means the selection owner did not answer in time.
	ErrTimeout = errors.New("clipwatch: selection owner did not answer")
	// ErrNotRunning means Write was called while Run is not running: on
	// X11 the Run loop is what hands the written text to other programs.
	ErrNotRunning = errors.New("clipwatch: watcher not running")
	// ErrClosed means Run has returned and the watcher's connections are
	// gone.
	ErrClosed = errors.New("clipwatch: watcher closed")
	// ErrTooLarge refuses a Write bigger than MaxWrite.
	ErrTooLarge = errors.New("clipwatch: text too large to put on the clipboard")
)

// MaxWrite is the largest text Write accepts. deskdial only ever puts
// numbers and short lines on the clipboard.
const MaxWrite = 64 << 10

// Selection names a clipboard. Primary (the X11 text selection, pasted
// with the middle button) exists only on X11.
type Selection int

const (
	Clipboard Selection = iota
	Primary
)

func (s Selection) String() string {
	if s == Primary {
		return "PRIMARY"
	}
	return "CLIPBOARD"
}

// Change is a new content of a selection, copied by another program.
type Change struct {
	Text      string
	Selection Selection
	// Sensitive is set when the owner flagged the content as a secret
	// (a password manager offering x-kde-passwordManagerHint = "secret").
	// Text is then empty: deskdial never reads such content.
	Sensitive bool
	// At is when deskdial learned of the copy.
	At time.Time
}

// Option configures New.
type Option func(*options)

type options struct {
	maxBytes     int
	selections   []Selection
	pollInterval time.Duration
	readTimeout  time.Duration
	forcePoll    bool
	// extraTarget makes Write offer one more target with a fixed value;
	// tests use it to play a password manager.
	extraTarget, extraValue string
}

// WithMaxBytes caps how much text is read from a selection (default
// 1 MiB); longer content is cut at a character boundary.
func WithMaxBytes(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxBytes = n
		}
	}
}

// WithSelections chooses which selections Run reports (default both
// Clipboard and Primary where Primary exists).
func WithSelections(sel ...Selection) Option {
	return func(o *options) { o.selections = append([]Selection(nil), sel...) }
}

// WithPollInterval sets how often the polling fallback looks (default 1 s).
// The X11 watcher does not poll.
func WithPollInterval(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.pollInterval = d
		}
	}
}

// WithReadTimeout bounds how long a selection owner may take to answer
// (default 2 s).
func WithReadTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.readTimeout = d
		}
	}
}

// WithPolling uses the polling fallback even where events are available.
func WithPolling() Option { return func(o *options) { o.forcePoll = true } }

// backend is the per-platform part.
type backend interface {
	// run reports every change of a watched selection by another program
	// through changed, until ctx is done; it then releases everything.
	run(ctx context.Context, changed func(Selection, time.Time)) error
	// read returns the current text, capped, and whether it is secret (in
	// which case the text is not read).
	read(ctx context.Context, sel Selection) (text string, sensitive bool, err error)
	// write takes the clipboard with text; only valid while run runs.
	write(ctx context.Context, text string) error
	// mechanism names how changes are found, for logs and docs.
	mechanism() string
}

// Watcher reports clipboard changes and reads and writes the clipboard.
type Watcher struct {
	opts    options
	impl    backend
	events  chan Change
	running atomic.Bool
	ran     atomic.Bool

	mu        sync.Mutex
	lastWrite string
	writeAt   time.Time
}

// New finds the platform's clipboard. On X11 with XFixes it watches by
// event; elsewhere it polls. It returns ErrUnsupported when there is no
// clipboard it can reach.
func New(opts ...Option) (*Watcher, error) {
	o := options{
		maxBytes:     1 << 20,
		selections:   []Selection{Clipboard, Primary},
		pollInterval: time.Second,
		readTimeout:  2 * time.Second,
	}
	for _, opt := range opts {
		opt(&o)
	}
	impl, err := newBackend(&o)
	if err != nil {
		return nil, err
	}
	return &Watcher{opts: o, impl: impl, events: make(chan Change, 16)}, nil
}

// Mechanism says how changes are found: "xfixes", "x11-poll",
// "wl-paste-poll", "clipboard-listener" (Windows) or "poll".
func (w *Watcher) Mechanism() string { return w.impl.mechanism() }

// Events delivers changes while Run runs; it is closed when Run returns.
func (w *Watcher) Events() <-chan Change { return w.events }

// Run watches until ctx is done. A copy by another program arrives as one
// Change, also when the same text is copied again (the desktop decides
// about repeats); deskdial's own Writes are not reported. Run returns nil
// on cancellation; call it once.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.ran.CompareAndSwap(false, true) {
		return errors.New("clipwatch: Run called twice")
	}
	defer close(w.events)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type note struct {
		sel Selection
		at  time.Time
	}
	pending := make(chan note, 32)
	readerDone := make(chan struct{})
	go func() {
		// Owned by Run: reads the content of each change off the event
		// loop, so that a slow owner never delays serving our own
		// selection.
		defer close(readerDone)
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-pending:
				ch, ok := w.changeFor(ctx, n.sel, n.at)
				if !ok {
					continue
				}
				select {
				case w.events <- ch:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	w.running.Store(true)
	err := w.impl.run(ctx, func(sel Selection, at time.Time) {
		if !w.watched(sel) {
			return
		}
		select {
		case pending <- note{sel, at}:
		default: // a burst of copies: the reader is far behind; skip
		}
	})
	w.running.Store(false)
	cancel()
	<-readerDone
	return err
}

func (w *Watcher) watched(sel Selection) bool {
	for _, s := range w.opts.selections {
		if s == sel {
			return true
		}
	}
	return false
}

// changeFor reads the content behind a change notification.
func (w *Watcher) changeFor(ctx context.Context, sel Selection, at time.Time) (Change, bool) {
	text, sensitive, err := w.impl.read(ctx, sel)
	if err != nil {
		return Change{}, false
	}
	if sensitive {
		return Change{Selection: sel, Sensitive: true, At: at}, true
	}
	if text == "" {
		return Change{}, false // an image or files: nothing to look at
	}
	if sel == Clipboard && w.ownEcho(text, at) {
		return Change{}, false
	}
	return Change{Text: text, Selection: sel, At: at}, true
}

// ownEcho reports whether a clipboard change is our own Write coming back
// through another owner: clipboard managers (Klipper, GPaste, CopyQ) take
// over the clipboard right after a copy to keep it alive.
func (w *Watcher) ownEcho(text string, at time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastWrite != "" && text == w.lastWrite && at.Sub(w.writeAt) < 2*time.Second
}

// Read returns the current text of sel, cut to the size limit. An empty
// selection, or one holding no text, gives "" and no error. Content a
// password manager marked secret gives ErrSensitive.
func (w *Watcher) Read(ctx context.Context, sel Selection) (string, error) {
	text, sensitive, err := w.impl.read(ctx, sel)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", sel, err)
	}
	if sensitive {
		return "", fmt.Errorf("read %s: %w", sel, ErrSensitive)
	}
	return text, nil
}

// Write puts text on the clipboard and keeps serving it to other programs
// until one of them takes the clipboard or Run ends. The change is not
// reported on Events.
func (w *Watcher) Write(ctx context.Context, text string) error {
	if len(text) > MaxWrite {
		return fmt.Errorf("write clipboard: %d bytes: %w", len(text), ErrTooLarge)
	}
	if !w.running.Load() {
		return fmt.Errorf("write clipboard: %w", ErrNotRunning)
	}
	w.mu.Lock()
	w.lastWrite, w.writeAt = text, time.Now()
	w.mu.Unlock()
	if err := w.impl.write(ctx, text); err != nil {
		return fmt.Errorf("write clipboard: %w", err)
	}
	return nil
}

// capText cuts b to at most max bytes without splitting a character and
// replaces invalid UTF-8.
func capText(b []byte, max int) string {
	if len(b) > max {
		b = b[:max]
	}
	// The platform side may already have cut at max, inside a character:
	// drop a trailing incomplete sequence rather than show U+FFFD.
	if len(b) > 0 && !utf8.FullRune(b[lastStart(b):]) {
		b = b[:lastStart(b)]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// lastStart is the index where the last (possibly partial) rune of b
// begins.
func lastStart(b []byte) int {
	i := len(b) - 1
	for i > 0 && i > len(b)-utf8.UTFMax && !utf8.RuneStart(b[i]) {
		i--
	}
	return i
}
