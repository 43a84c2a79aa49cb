// Package logdial is the log:FILE backend. It dials nothing: it appends one
// E.164 number per accepted dial to a file. It exists for trying deskdial
// without a phone and for tests, and it says so wherever it is listed.
package logdial

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
)

// Description is shown in help and presence info so nobody mistakes this
// backend for a phone.
const Description = "log:FILE — dials nothing; writes each accepted number to FILE (for trying deskdial and for tests)"

// Dialer appends accepted numbers to a file.
type Dialer struct {
	path string
	mu   sync.Mutex
}

// New returns a Dialer writing to path. The file is created on first dial.
func New(path string) *Dialer { return &Dialer{path: path} }

func (d *Dialer) Name() string { return "log" }

// Capabilities: it "places" the call in the sense that nothing is left for a
// user to do; it reports one final state and cannot hang up.
func (d *Dialer) Capabilities() dialer.Capabilities {
	return dialer.Capabilities{PlacesCalls: true}
}

func (d *Dialer) Check(context.Context) error {
	f, err := os.OpenFile(d.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("%w: open log file: %v", dialer.ErrUnavailable, err)
	}
	return f.Close()
}

func (d *Dialer) Dial(_ context.Context, req dialer.Request) (dialer.Call, error) {
	if !req.Expires.IsZero() && time.Now().After(req.Expires) {
		return dialer.Call{}, fmt.Errorf("log dial %s: request expired", req.ID)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	f, err := os.OpenFile(d.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return dialer.Call{}, fmt.Errorf("%w: open log file: %v", dialer.ErrUnavailable, err)
	}
	if _, err := fmt.Fprintln(f, req.Number); err != nil {
		f.Close()
		return dialer.Call{}, fmt.Errorf("write log file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return dialer.Call{}, fmt.Errorf("sync log file: %w", err)
	}
	if err := f.Close(); err != nil {
		return dialer.Call{}, fmt.Errorf("close log file: %w", err)
	}
	return dialer.Call{ID: req.ID, Handle: d.path}, nil
}

// Watch reports the one thing the log backend knows: the number was written.
func (d *Dialer) Watch(_ context.Context, dc dialer.Call) (<-chan dialer.Event, error) {
	ch := make(chan dialer.Event, 1)
	ch <- dialer.Event{State: call.Ended, At: time.Now(), Reason: "logged only; nothing was dialled"}
	close(ch)
	return ch, nil
}

func (d *Dialer) Hangup(context.Context, dialer.Call) error {
	return fmt.Errorf("log backend: %w", dialer.ErrUnsupported)
}
