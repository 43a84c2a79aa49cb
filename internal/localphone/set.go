package localphone

import (
	"context"
	"sync"
	"time"
)

// Set runs the local phones the user chose, one Run each, for the desktop
// that hosts them (the tray): Sync starts the chosen ones not running yet
// and stops the ones no longer chosen, so saving the settings is enough.
type Set struct {
	ConfigDir string // the desktop's config directory; each phone gets DirFor(ConfigDir, backend)
	Base      Config // what all local phones share: Offer, policy, Options, OnEntry; Dir, Backend and Name are set per phone
	// Retry is the pause before a phone whose Run failed (pairing refused,
	// no offer) is started again; 0: 30 s.
	Retry time.Duration
	// OnReach is told when a phone comes and goes; OnError when its Run
	// fails. Both are optional and called from the phone's goroutine.
	OnReach func(backend string, ok bool, why string)
	OnError func(backend string, err error)

	mu      sync.Mutex
	running map[string]*member
	wg      sync.WaitGroup
}

type member struct {
	name   string
	cancel context.CancelFunc
}

// Sync makes the running local phones those in chosen (backend spec →
// the name desktops show), until ctx ends or Close.
func (s *Set) Sync(ctx context.Context, chosen map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == nil {
		s.running = map[string]*member{}
	}
	for spec, m := range s.running {
		if name, ok := chosen[spec]; !ok || name != m.name {
			m.cancel()
			delete(s.running, spec)
		}
	}
	for spec, name := range chosen {
		if s.running[spec] != nil {
			continue
		}
		mctx, cancel := context.WithCancel(ctx)
		s.running[spec] = &member{name: name, cancel: cancel}
		cfg := s.Base
		cfg.Dir, cfg.Backend, cfg.Name = DirFor(s.ConfigDir, spec), spec, name
		if s.OnReach != nil {
			cfg.OnReach = func(ok bool, why string) { s.OnReach(spec, ok, why) }
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.keep(mctx, cfg)
		}()
	}
}

// keep runs one phone until ctx ends, again after a pause when it fails.
func (s *Set) keep(ctx context.Context, cfg Config) {
	retry := s.Retry
	if retry <= 0 {
		retry = 30 * time.Second
	}
	for {
		err := Run(ctx, cfg)
		if ctx.Err() != nil {
			return
		}
		if err != nil && s.OnError != nil {
			s.OnError(cfg.Backend, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
	}
}

// Close stops every local phone and waits until each is off the server.
func (s *Set) Close() {
	s.mu.Lock()
	for spec, m := range s.running {
		m.cancel()
		delete(s.running, spec)
	}
	s.mu.Unlock()
	s.wg.Wait()
}
