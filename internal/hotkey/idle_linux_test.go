package hotkey

import (
	"context"
	"testing"

	"github.com/deskdial/deskdial/internal/x11test"
)

// BenchmarkIdleWakeups reports how often the process wakes up per second
// while a hotkey is registered and nobody presses it, next to the same
// process with no hotkey. Each op is one idle second.
func BenchmarkIdleWakeups(b *testing.B) {
	x11test.NeedX(b)
	b.Run("baseline", x11test.IdleWakeups)
	b.Run("registered", func(b *testing.B) {
		s, _ := Parse("Ctrl+Alt+F11")
		h, err := Register(context.Background(), s)
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		x11test.IdleWakeups(b)
	})
}
