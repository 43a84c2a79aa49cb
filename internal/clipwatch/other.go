//go:build !linux && !windows

package clipwatch

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"golang.design/x/clipboard"
)

// newBackend: macOS and Windows have no clipboard change events that
// golang.design/x/clipboard exposes, so the fallback polls it gently.
// Password-manager hints are not visible through that library; the macOS
// (org.nspasteboard.ConcealedType) and Windows
// (ExcludeClipboardContentFromMonitorProcessing) equivalents are not
// checked yet.
func newBackend(o *options) (backend, error) {
	if err := clipboard.Init(); err != nil {
		return nil, fmt.Errorf("open clipboard on %s: %v: %w", runtime.GOOS, err, ErrUnsupported)
	}
	return &poller{
		name:     "poll",
		interval: o.pollInterval,
		sels:     []Selection{Clipboard},
		readFn: func(ctx context.Context, sel Selection) (string, bool, error) {
			if sel != Clipboard {
				return "", false, fmt.Errorf("read %s on %s: %w", sel, runtime.GOOS, ErrUnsupported)
			}
			return capText(clipboard.Read(clipboard.FmtText), o.maxBytes), false, nil
		},
		writeFn: func(ctx context.Context, text string) error {
			if clipboard.Write(clipboard.FmtText, []byte(text)) == nil {
				return errors.New("clipboard refused the text")
			}
			return nil
		},
	}, nil
}
