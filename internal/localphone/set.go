package localphone

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/supervise"
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
	done   chan struct{} // closed once the phone is off the server
}

// Sync makes the running local phones those in chosen (backend spec →
// the name desktops show), until ctx ends or Close. It returns once the
// phones no longer chosen are off the server, so their directories may be
// removed then.
func (s *Set) Sync(ctx context.Context, chosen map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == nil {
		s.running = map[string]*member{}
	}
	var stopped []*member
	for spec, m := range s.running {
		if name, ok := chosen[spec]; !ok || name != m.name {
			m.cancel()
			stopped = append(stopped, m)
			delete(s.running, spec)
		}
	}
	for _, m := range stopped {
		<-m.done
	}
	for spec, name := range chosen {
		if s.running[spec] != nil {
			continue
		}
		mctx, cancel := context.WithCancel(ctx)
		m := &member{name: name, cancel: cancel, done: make(chan struct{})}
		s.running[spec] = m
		cfg := s.Base
		cfg.Dir, cfg.Backend, cfg.Name = DirFor(s.ConfigDir, spec), spec, name
		if s.OnReach != nil {
			cfg.OnReach = func(ok bool, why string) { s.OnReach(spec, ok, why) }
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer close(m.done)
			s.keep(mctx, cfg)
		}()
	}
}

// keep runs one phone until ctx ends, again after a pause when it ends or
// fails (a fixed pause: supervise.Retry with no doubling).
func (s *Set) keep(ctx context.Context, cfg Config) {
	retry := s.Retry
	if retry <= 0 {
		retry = 30 * time.Second
	}
	var onErr func(error)
	if s.OnError != nil {
		onErr = func(err error) { s.OnError(cfg.Backend, err) }
	}
	supervise.Retry(ctx, retry, retry, func(ctx context.Context) error { return Run(ctx, cfg) }, onErr)
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

// IDOf is the device ID of the local phone reached by backend, as this
// desktop paired it; false when it has no identity yet.
func IDOf(configDir, backend string) (device.ID, bool) {
	dir := DirFor(configDir, backend)
	if _, err := os.Stat(filepath.Join(dir, device.SeedFile)); err != nil {
		return device.ID{}, false
	}
	id, err := device.LoadOrCreate(dir)
	if err != nil {
		return device.ID{}, false
	}
	return id.ID, true
}

// Prune forgets every local phone under configDir that is not in chosen:
// unpair is told its device ID (to drop it from this desktop's paired
// phones) and then its directory, with its keys and audit log, is
// deleted. Phones removed while the tray was not running are forgotten
// the next time it starts. Stop the phones first (Sync without them).
func Prune(configDir string, chosen map[string]string, unpair func(device.ID) error) error {
	keep := map[string]bool{}
	for spec := range chosen {
		keep[filepath.Base(DirFor(configDir, spec))] = true
	}
	root := filepath.Join(configDir, dirName)
	ents, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("forget local phones: %w", err)
	}
	var errs []error
	for _, e := range ents {
		if keep[e.Name()] || !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		if _, err := os.Stat(filepath.Join(dir, device.SeedFile)); err == nil {
			id, err := device.LoadOrCreate(dir)
			if err != nil {
				errs = append(errs, fmt.Errorf("forget local phone %s: %w", e.Name(), err))
				continue
			}
			if err := unpair(id.ID); err != nil && !errors.Is(err, device.ErrNoPeer) {
				errs = append(errs, fmt.Errorf("forget local phone %s: %w", e.Name(), err))
				continue
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("forget local phone %s: %w", e.Name(), err))
		}
	}
	return errors.Join(errs...)
}
