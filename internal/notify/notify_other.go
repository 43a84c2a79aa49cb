//go:build !linux && !windows

package notify

import (
	"context"
	"fmt"
	"runtime"
)

// newBackend: macOS has no freedesktop notification server.
// The desktop shows its own prompt window there, which also keeps the
// Call button working without a signed app bundle.
func newBackend(ctx context.Context, o options) (backend, error) {
	return nil, fmt.Errorf("find notification server on %s: %w", runtime.GOOS, ErrNoServer)
}
