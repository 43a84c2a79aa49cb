package hotkey

import (
	"context"
	"errors"
	"sync"
)

// Errors returned by Register.
var (
	// ErrTaken means another program already grabbed the key combination.
	// The error Register returns names the combination, e.g.
	// "hotkey: Ctrl+Alt+D is already used by another program".
	ErrTaken = errors.New("hotkey: already used by another program")
	// ErrUnsupported means this desktop gives no way to grab a global key:
	// a Wayland session without XWayland, or macOS for now.
	ErrUnsupported = errors.New("hotkey: global hotkeys are not supported on this desktop")
)

// takenError is ErrTaken with the combination in its message.
type takenError struct{ spec Spec }

func (e takenError) Error() string {
	return "hotkey: " + e.spec.String() + " is already used by another program"
}
func (e takenError) Unwrap() error { return ErrTaken }

// Hotkey is a registered global key combination.
type Hotkey struct {
	spec   Spec
	events chan struct{}
	impl   grabber

	once sync.Once
	err  error
}

// grabber is the per-platform part. release must return promptly, even if
// no key is ever pressed again.
type grabber interface {
	release() error
	// done is closed once the grab is gone.
	done() <-chan struct{}
}

// Register grabs spec for the whole desktop. Each press of the combination
// sends one value on Events; presses that arrive while an earlier one has
// not been taken from the channel are merged. The grab lasts until Close
// or until ctx is done.
func Register(ctx context.Context, spec Spec) (*Hotkey, error) {
	if _, ok := spec.keysym(); !ok {
		return nil, ErrUnknownKey
	}
	h := &Hotkey{spec: spec, events: make(chan struct{}, 1)}
	impl, err := grab(spec, h.fire)
	if err != nil {
		return nil, err
	}
	h.impl = impl
	if ctx.Done() != nil {
		go func() {
			// Owned by h: ends when ctx is done or when Close releases the
			// grab (release closes the channel it waits on).
			select {
			case <-ctx.Done():
				h.Close()
			case <-impl.done():
			}
		}()
	}
	return h, nil
}

func (h *Hotkey) fire() {
	select {
	case h.events <- struct{}{}:
	default: // one press already waiting
	}
}

// Spec is the combination this Hotkey grabbed.
func (h *Hotkey) Spec() Spec { return h.spec }

// Events delivers one value per key press. It is closed once the grab is
// released (Close, or the end of Register's context).
func (h *Hotkey) Events() <-chan struct{} { return h.events }

// Close releases the grab. It does not wait for a key press, and may be
// called more than once.
func (h *Hotkey) Close() error {
	h.once.Do(func() {
		h.err = h.impl.release()
		// release returned only after the goroutine that calls fire
		// stopped, so nothing sends on events any more.
		close(h.events)
	})
	return h.err
}
