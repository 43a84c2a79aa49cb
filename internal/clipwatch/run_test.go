package clipwatch

import (
	"context"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/testsupport"
)

// start makes a watcher and runs it until the test ends; Run's error
// fails the test.
func start(t testing.TB, opts ...Option) *Watcher {
	t.Helper()
	w, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	// Run is serving once Write stops saying ErrNotRunning; Writes in
	// tests come after this.
	testsupport.WaitFor(t, "the watcher to start", w.running.Load)
	return w
}

// next waits for the next change the watcher reports.
func next(t testing.TB, w *Watcher) Change {
	t.Helper()
	select {
	case c, ok := <-w.Events():
		if !ok {
			t.Fatal("events closed")
		}
		return c
	case <-time.After(20 * time.Second): // Wine is slow to start a copying program
		t.Fatal("no clipboard change reported within 20 s")
	}
	return Change{}
}
