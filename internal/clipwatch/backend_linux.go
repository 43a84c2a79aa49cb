package clipwatch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// errNoXfixes: the X server lacks the XFixes extension; poll over X.
var errNoXfixes = errors.New("clipwatch: X server without XFixes")

func newBackend(o *options) (backend, error) {
	if os.Getenv("DISPLAY") != "" {
		x, err := newX11(o, true)
		if errors.Is(err, errNoXfixes) {
			o.forcePoll = true
			x, err = newX11(o, false)
		}
		switch {
		case err == nil && !o.forcePoll:
			return x, nil
		case err == nil:
			// Reads go through the X reader; polling only decides when.
			// Serving a Write needs the event loop, which polling does
			// not run, so Write is refused in this mode.
			return &poller{name: "x11-poll", interval: o.pollInterval, sels: o.selections,
				readFn: x.read,
				writeFn: func(context.Context, string) error {
					return fmt.Errorf("write clipboard while polling: %w", ErrUnsupported)
				}}, nil
		case os.Getenv("WAYLAND_DISPLAY") == "":
			return nil, err
		}
	}
	if os.Getenv("WAYLAND_DISPLAY") != "" {
		if p, err := newWlPaste(o); err == nil {
			return p, nil
		}
	}
	return nil, fmt.Errorf("find clipboard: neither an X display nor wl-paste: %w", ErrUnsupported)
}

// newWlPaste polls through wl-clipboard's wl-paste on Wayland sessions
// without XWayland. Each look starts a process, hence the gentle interval.
func newWlPaste(o *options) (backend, error) {
	paste, err := exec.LookPath("wl-paste")
	if err != nil {
		return nil, err
	}
	copyCmd, err := exec.LookPath("wl-copy")
	if err != nil {
		return nil, err
	}
	args := func(sel Selection, more ...string) []string {
		if sel == Primary {
			return append([]string{"--primary"}, more...)
		}
		return more
	}
	return &poller{
		name:     "wl-paste-poll",
		interval: o.pollInterval,
		sels:     o.selections,
		readFn: func(ctx context.Context, sel Selection) (string, bool, error) {
			types, err := exec.CommandContext(ctx, paste, args(sel, "--list-types")...).Output()
			if err != nil {
				return "", false, nil // empty selection: wl-paste exits non-zero
			}
			list := string(types)
			if strings.Contains(list, "x-kde-passwordManagerHint") {
				return "", true, nil
			}
			if !strings.Contains(list, "text/plain") && !strings.Contains(list, "UTF8_STRING") {
				return "", false, nil
			}
			cmd := exec.CommandContext(ctx, paste, args(sel, "--no-newline", "--type", "text/plain")...)
			out, err := cmd.StdoutPipe()
			if err != nil {
				return "", false, err
			}
			if err := cmd.Start(); err != nil {
				return "", false, err
			}
			buf := make([]byte, o.maxBytes+4)
			n, _ := readFull(out, buf)
			cmd.Process.Kill()
			cmd.Wait()
			return capText(buf[:n], o.maxBytes), false, nil
		},
		writeFn: func(ctx context.Context, text string) error {
			cmd := exec.CommandContext(ctx, copyCmd, "--type", "text/plain")
			cmd.Stdin = strings.NewReader(text)
			return cmd.Run()
		},
	}, nil
}

func readFull(r interface{ Read([]byte) (int, error) }, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
