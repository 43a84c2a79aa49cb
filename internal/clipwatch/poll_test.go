package clipwatch

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// A poller whose first read fails (the owner was slow to answer) must not
// report the text that was there before it started as a new copy.
func TestPollerBaselineAfterFailedFirstRead(t *testing.T) {
	reads := []struct {
		text string
		err  error
	}{
		{"", ErrTimeout},        // start-up read fails
		{"copied before", nil},  // first good read: the starting point
		{"copied before", nil},  // unchanged
		{"+49 30 1234567", nil}, // a real copy
		{"+49 30 1234567", nil}, // unchanged
	}
	var mu sync.Mutex
	i := 0
	p := &poller{name: "test", interval: time.Millisecond, sels: []Selection{Clipboard},
		readFn: func(context.Context, Selection) (string, bool, error) {
			mu.Lock()
			defer mu.Unlock()
			r := reads[min(i, len(reads)-1)]
			i++
			return r.text, false, r.err
		},
		writeFn: func(context.Context, string) error { return errors.New("unused") }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var changes []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.run(ctx, func(sel Selection, _ time.Time) {
			p.mu.Lock()
			changes = append(changes, p.last[sel])
			p.mu.Unlock()
			cancel()
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the poller never reported the copy")
	}
	if len(changes) != 1 || changes[0] != "+49 30 1234567" {
		t.Fatalf("reported %q, want only the copy made after start", changes)
	}
}
