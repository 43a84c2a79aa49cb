package hotkey

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ctxSwitches sums the context switches of every thread of this process:
// each time a thread wakes up, one of these counters goes up.
func ctxSwitches(tb testing.TB) int64 {
	tasks, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil || len(tasks) == 0 {
		tb.Skip("no /proc/self/task")
	}
	var n int64
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread ended
		}
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(k, "ctxt_switches") {
				x, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				n += x
			}
		}
	}
	return n
}

// BenchmarkIdleWakeups reports how often the process wakes up per second
// while a hotkey is registered and nobody presses it, next to the same
// process with no hotkey. Each op is one idle second.
func BenchmarkIdleWakeups(b *testing.B) {
	needX(b)
	measure := func(b *testing.B) {
		var total int64
		for i := 0; i < b.N; i++ {
			before := ctxSwitches(b)
			time.Sleep(time.Second)
			total += ctxSwitches(b) - before
		}
		b.ReportMetric(float64(total)/float64(b.N), "wakeups/s")
	}
	b.Run("baseline", measure)
	b.Run("registered", func(b *testing.B) {
		s, _ := Parse("Ctrl+Alt+F11")
		h, err := Register(context.Background(), s)
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		measure(b)
	})
}
