package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/config"
)

// ClockFile is the name of the clock mark's file, next to the audit log.
const ClockFile = "clock-mark.json"

// ErrClockMark means the saved clock mark cannot be read.
var ErrClockMark = errors.New("agent: unreadable clock mark")

// clockMark is the latest time the phone's wall clock has ever shown. It
// never moves backwards, and it is kept across restarts: a request that
// was expired by that time is expired for good, whatever the clock is set
// to later, so a captured request cannot be revived by setting the clock
// back (NTP or NITZ steps, a spoofed time source).
//
// The mark is saved in the background, at most once per saveEvery, and on
// close. A saved mark that lags behind (a crash) or is gone (deleted to
// recover from a clock that was far ahead) weakens nothing: the ids read
// back from the audit log are those not expired by the mark, so a lower
// mark reads back more of them.
type clockMark struct {
	path  string // "": not saved
	mu    sync.Mutex
	mark  time.Time
	saved time.Time
	dirty chan struct{} // capacity 1
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

const saveEvery = time.Second

type markFile struct {
	Mark int64 `json:"mark"` // Unix ms
}

// loadMark reads the mark saved at path (zero if there is none) and starts
// saving.
func loadMark(path string) (*clockMark, error) {
	m := &clockMark{path: path, dirty: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if path == "" {
		close(m.done)
		return m, nil
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrClockMark, err)
	default:
		var f markFile
		if err := json.Unmarshal(b, &f); err != nil || f.Mark <= 0 {
			return nil, fmt.Errorf("%w: %s does not hold a time; delete it to start over (a request of the last 90 s could then be replayed once)", ErrClockMark, path)
		}
		m.mark = time.UnixMilli(f.Mark)
		m.saved = m.mark
	}
	go m.saveLoop()
	return m, nil
}

// advance moves the mark to t if t is later, and returns the mark.
func (m *clockMark) advance(t time.Time) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.After(m.mark) {
		m.mark = t
		if m.path != "" {
			select {
			case m.dirty <- struct{}{}:
			default:
			}
		}
	}
	return m.mark
}

func (m *clockMark) get() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mark
}

func (m *clockMark) save() error {
	m.mu.Lock()
	mark := m.mark
	if !mark.After(m.saved) {
		m.mu.Unlock()
		return nil
	}
	m.mu.Unlock()
	b, _ := json.Marshal(markFile{Mark: mark.UnixMilli()})
	if err := config.WriteFileAtomic(m.path, b, 0o600); err != nil {
		return fmt.Errorf("agent: save clock mark: %w", err)
	}
	m.mu.Lock()
	if mark.After(m.saved) {
		m.saved = mark
	}
	m.mu.Unlock()
	return nil
}

func (m *clockMark) saveLoop() {
	defer close(m.done)
	t := time.NewTimer(saveEvery)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-m.dirty:
		}
		t.Reset(saveEvery)
		select {
		case <-m.stop:
			return // close saves
		case <-t.C:
		}
		// A failed save is tried again with the next advance and on
		// close; meanwhile the audit log holds the mark.
		_ = m.save()
	}
}

func (m *clockMark) close() error {
	if m.path == "" {
		return nil
	}
	m.once.Do(func() { close(m.stop) })
	<-m.done
	return m.save()
}
