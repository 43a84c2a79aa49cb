// Package supervise runs a program's long-lived parts, each a
// Run(ctx) error, restarting a part that fails after a growing pause.
//
// It is small on purpose, in the shape of syncthing's lib/svcutil and
// thejerf/suture: a part's error is logged and the part restarted with
// backoff; a part that returns nil is done; a Fatal error stops them all.
// A supervision tree (suture) is more than a tray app with a dozen parts
// and one owner needs, and a dependency for forty lines is not worth it.
package supervise

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Backoff bounds: the first restart waits Min, each further one twice as
// long up to Max. A part that ran for Max before failing starts again from
// Min: it was healthy, this is a new failure.
const (
	DefaultMin = time.Second
	DefaultMax = time.Minute
)

// fatalError marks an error that stops the supervisor.
type fatalError struct{ err error }

func (f fatalError) Error() string { return f.err.Error() }
func (f fatalError) Unwrap() error { return f.err }

// Fatal marks err so that the supervisor stops every part and returns it:
// for a part without which the program makes no sense.
func Fatal(err error) error {
	if err == nil {
		return nil
	}
	return fatalError{err}
}

// IsFatal reports whether err was marked with Fatal.
func IsFatal(err error) bool {
	var f fatalError
	return errors.As(err, &f)
}

// Part is one long-lived piece of a program.
type Part struct {
	Name string
	Run  func(ctx context.Context) error
	// Once is for a part that cannot run twice (it closes a channel or a
	// listener it owns when it ends): its error is logged and it stays
	// stopped.
	Once bool
}

// Supervisor runs parts until its context ends.
type Supervisor struct {
	log      *slog.Logger
	min, max time.Duration

	mu      sync.Mutex
	parts   []Part
	running bool               // Run has started the parts
	ctx     context.Context    // Run's, while running
	wg      sync.WaitGroup     // one per started part
	fatal   error              // the first Fatal error
	stop    context.CancelFunc // ends Run's context
}

// Option configures New.
type Option func(*Supervisor)

// Logger sets where failures are logged (default: discarded).
func Logger(l *slog.Logger) Option { return func(s *Supervisor) { s.log = l } }

// Backoff sets the pause before the first restart and its upper bound
// (defaults DefaultMin and DefaultMax).
func Backoff(min, max time.Duration) Option {
	return func(s *Supervisor) { s.min, s.max = min, max }
}

// New makes a supervisor with no parts.
func New(opts ...Option) *Supervisor {
	s := &Supervisor{log: slog.New(slog.DiscardHandler), min: DefaultMin, max: DefaultMax}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Add adds a part. Before Run it waits for Run; while Run runs it starts
// at once (a part that must be up before others are built, a phone
// paired while the program runs); after Run it is ignored.
func (s *Supervisor) Add(p Part) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		s.parts = append(s.parts, p)
		return
	}
	if s.ctx.Err() == nil {
		s.start(p)
	}
}

// start runs p under s; s.mu is held.
func (s *Supervisor) start(p Part) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.keep(s.ctx, p); err != nil {
			s.mu.Lock()
			if s.fatal == nil {
				s.fatal = err
			}
			s.mu.Unlock()
			s.stop()
		}
	}()
}

// Run runs every part and blocks until ctx ends and all parts have
// returned, or until a part fails with a Fatal error, which Run returns
// once the others have stopped. Run is called once.
func (s *Supervisor) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.running, s.ctx, s.stop = true, ctx, cancel
	for _, p := range s.parts {
		s.start(p)
	}
	s.parts = nil
	s.mu.Unlock()
	<-ctx.Done()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fatal
}

// keep runs p until ctx ends, it is done, or it fails fatally.
func (s *Supervisor) keep(ctx context.Context, p Part) error {
	wait := s.min
	for {
		began := time.Now()
		err := runSafely(ctx, p)
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil:
			return nil
		case IsFatal(err):
			s.log.Error("supervise: "+p.Name+" failed; stopping", "err", err)
			return fmt.Errorf("%s: %w", p.Name, err)
		case p.Once:
			s.log.Warn("supervise: "+p.Name+" stopped", "err", err)
			return nil
		}
		if time.Since(began) >= s.max {
			wait = s.min
		}
		s.log.Warn("supervise: "+p.Name+" failed; restarting", "err", err, "in", wait)
		if !Sleep(ctx, wait) {
			return nil
		}
		wait = min(wait*2, s.max)
	}
}

// runSafely runs p, turning a panic into an error so that one broken part
// does not take the program down with it.
func runSafely(ctx context.Context, p Part) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return p.Run(ctx)
}

// Sleep waits for d or until ctx ends; it reports whether d passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Retry runs fn until ctx ends, again after each return, pausing between
// runs with the same backoff as a supervised part (min doubling to max,
// back to min after a run that lasted max). It is for a connection that
// must be kept up: whether fn failed or its peer went away, it is made
// again. onErr, if set, hears each error.
func Retry(ctx context.Context, min, max time.Duration, fn func(ctx context.Context) error, onErr func(error)) {
	wait := min
	for {
		began := time.Now()
		err := fn(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil && onErr != nil {
			onErr(err)
		}
		if time.Since(began) >= max {
			wait = min
		}
		if !Sleep(ctx, wait) {
			return
		}
		wait = wait * 2
		if wait > max {
			wait = max
		}
	}
}
