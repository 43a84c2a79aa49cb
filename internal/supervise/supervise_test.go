package supervise

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/testsupport"
)

func TestRestartsFailingPartDoneAndOnceStay(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var failing, done, once, panicky atomic.Int32
	s := New(Backoff(time.Millisecond, 4*time.Millisecond))
	s.Add(Part{Name: "failing", Run: func(ctx context.Context) error {
		failing.Add(1)
		return errors.New("connection lost")
	}})
	s.Add(Part{Name: "done", Run: func(ctx context.Context) error { done.Add(1); return nil }})
	s.Add(Part{Name: "once", Once: true, Run: func(ctx context.Context) error { once.Add(1); return errors.New("no display") }})
	s.Add(Part{Name: "panicky", Run: func(ctx context.Context) error {
		if panicky.Add(1) < 3 {
			panic("bug")
		}
		<-ctx.Done()
		return nil
	}})
	res := make(chan error, 1)
	go func() { res <- s.Run(ctx) }()
	testsupport.WaitFor(t, "the failing part to be restarted", func() bool { return failing.Load() >= 3 })
	testsupport.WaitFor(t, "the panicking part to be restarted", func() bool { return panicky.Load() >= 3 })
	cancel()
	if err := <-res; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if done.Load() != 1 || once.Load() != 1 {
		t.Errorf("a finished part ran %d times, a once part %d; want 1 each", done.Load(), once.Load())
	}
}

func TestFatalStopsEverything(t *testing.T) {
	stopped := make(chan struct{})
	boom := errors.New("cannot start the server")
	s := New()
	s.Add(Part{Name: "other", Run: func(ctx context.Context) error { <-ctx.Done(); close(stopped); return nil }})
	s.Add(Part{Name: "server", Run: func(ctx context.Context) error { return Fatal(boom) }})
	err := s.Run(context.Background())
	if !errors.Is(err, boom) || !IsFatal(err) {
		t.Fatalf("Run = %v, want the fatal error", err)
	}
	select {
	case <-stopped:
	default:
		t.Fatal("Run returned before the other part stopped")
	}
}

// Retry makes a connection again whether it failed or merely ended.
func TestRetry(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var runs atomic.Int32
	var errs atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		Retry(ctx, time.Millisecond, 2*time.Millisecond, func(ctx context.Context) error {
			if runs.Add(1)%2 == 0 {
				return nil // the server closed the connection
			}
			return errors.New("dial: connection refused")
		}, func(error) { errs.Add(1) })
	}()
	testsupport.WaitFor(t, "several tries", func() bool { return runs.Load() >= 4 })
	cancel()
	<-done
	if errs.Load() == 0 || errs.Load() >= runs.Load() {
		t.Errorf("%d errors heard in %d runs", errs.Load(), runs.Load())
	}
}

// A part added while the supervisor runs starts at once.
func TestAddWhileRunning(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := New()
	res := make(chan error, 1)
	go func() { res <- s.Run(ctx) }()
	started := make(chan struct{})
	s.Add(Part{Name: "late", Run: func(ctx context.Context) error { close(started); <-ctx.Done(); return nil }})
	<-started
	cancel()
	if err := <-res; err != nil {
		t.Fatal(err)
	}
}
