package clipwatch

import (
	"testing"

	"github.com/deskdial/deskdial/internal/x11test"
)

// TestMain gives this package's tests an X server of their own, so copies
// made by other packages' tests do not show up here (and ours there).
func TestMain(m *testing.M) { x11test.Main(m, "clipwatch") }

// BenchmarkIdleWakeups reports how often the process wakes up per second
// while a watcher runs and nobody copies anything, next to the same process
// with no watcher. Each op is one idle second.
func BenchmarkIdleWakeups(b *testing.B) {
	x11test.NeedX(b)
	b.Run("baseline", x11test.IdleWakeups)
	b.Run("xfixes", func(b *testing.B) {
		start(b)
		x11test.IdleWakeups(b)
	})
	b.Run("poll", func(b *testing.B) {
		start(b, WithPolling())
		x11test.IdleWakeups(b)
	})
}
