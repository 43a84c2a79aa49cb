// Package urlopen is the "url" backend: it opens a tel: URI with the
// platform's opener (xdg-open, open, rundll32's URL handler, or the Android
// and iOS dialer through the app's own opener), which fills in the dialer.
// The user places the call; no states follow and nothing can be hung up.
package urlopen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/internal/telnum"
)

// Opener opens a URI. The phone app passes its toolkit's opener (Fyne's
// App.OpenURL on Android and iOS) so this package stays free of UI code.
type Opener func(ctx context.Context, uri string) error

// Option configures a Dialer.
type Option func(*Dialer)

// WithOpener opens URIs with o instead of running a command.
func WithOpener(o Opener) Option { return func(d *Dialer) { d.opener = o } }

// WithCommand runs name with args and the URI as the last argument instead
// of the platform default.
func WithCommand(name string, args ...string) Option {
	return func(d *Dialer) { d.cmd = append([]string{name}, args...) }
}

// Dialer opens tel: URIs.
type Dialer struct {
	opener Opener
	cmd    []string // the URI is appended
}

// New returns a url dialer using the platform opener unless told otherwise.
func New(opts ...Option) *Dialer {
	d := &Dialer{cmd: defaultCommand()}
	for _, o := range opts {
		o(d)
	}
	return d
}

func (d *Dialer) Name() string { return "url" }

// Capabilities: prefill only.
func (d *Dialer) Capabilities() dialer.Capabilities { return dialer.Capabilities{} }

// Check reports whether there is an opener to run.
func (d *Dialer) Check(context.Context) error {
	if d.opener != nil {
		return nil
	}
	if len(d.cmd) == 0 {
		return fmt.Errorf("%w: no tel: opener on this platform; run deskdial as the phone app, which opens the dialer itself", dialer.ErrUnavailable)
	}
	if _, err := exec.LookPath(d.cmd[0]); err != nil {
		return fmt.Errorf("%w: the opener %s was not found%s", dialer.ErrUnavailable, d.cmd[0], installHint(d.cmd[0]))
	}
	return nil
}

func installHint(name string) string {
	if name == "xdg-open" {
		return " (install xdg-utils)"
	}
	return ""
}

// Dial opens the dialer with the number filled in, whatever the mode: this
// backend cannot place a call, and its capabilities say so in advance.
func (d *Dialer) Dial(ctx context.Context, req dialer.Request) (dialer.Call, error) {
	if err := telnum.Check(req.Number); err != nil {
		return dialer.Call{}, fmt.Errorf("url dial: %w", err)
	}
	if err := d.Check(ctx); err != nil {
		return dialer.Call{}, err
	}
	if !req.Expires.IsZero() && time.Now().After(req.Expires) {
		return dialer.Call{}, fmt.Errorf("url dial %s: request expired", req.ID)
	}
	uri := telnum.URI(req.Number)
	if d.opener != nil {
		if err := d.opener(ctx, uri); err != nil {
			return dialer.Call{}, fmt.Errorf("open %s: %w", uri, err)
		}
		return dialer.Call{ID: req.ID, Handle: uri}, nil
	}
	args := append(append([]string(nil), d.cmd[1:]...), uri)
	cmd := exec.CommandContext(ctx, d.cmd[0], args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, exec.ErrNotFound) {
			return dialer.Call{}, fmt.Errorf("%w: run %s: %v", dialer.ErrUnavailable, d.cmd[0], err)
		}
		msg := strings.TrimSpace(out.String())
		if msg == "" {
			msg = err.Error()
		}
		return dialer.Call{}, fmt.Errorf("open %s with %s: %s", uri, d.cmd[0], msg)
	}
	return dialer.Call{ID: req.ID, Handle: uri}, nil
}

// Watch reports the one thing known: the dialer was opened.
func (d *Dialer) Watch(ctx context.Context, _ dialer.Call) (<-chan dialer.Event, error) {
	return dialer.Prefilled(), nil
}

// Hangup is not possible: the call, if any, is the user's.
func (d *Dialer) Hangup(context.Context, dialer.Call) error {
	return fmt.Errorf("url backend: %w", dialer.ErrUnsupported)
}
