//go:build !linux

package notify

import (
	"context"
	"fmt"
	"runtime"
)

// newBackend: macOS and Windows have no freedesktop notification server.
// The desktop shows its own prompt window there, which also keeps the
// Call button working without a signed app bundle (macOS) or an AUMID
// registration (Windows toasts).
func newBackend(ctx context.Context, o options) (backend, error) {
	return nil, fmt.Errorf("find notification server on %s: %w", runtime.GOOS, ErrNoServer)
}
