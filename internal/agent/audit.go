package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/protocol"
)

// AuditFile is the audit log's name in the data dir.
const AuditFile = "audit.log"

// Entry is one line of the audit log: a request and what the agent decided.
type Entry struct {
	Time     time.Time     `json:"time"`
	Kind     string        `json:"kind"`                // dial, hangup, unpaired
	ID       string        `json:"id,omitempty"`        // message id
	From     string        `json:"from,omitempty"`      // sending device ID, if known
	FromName string        `json:"from_name,omitempty"` // its paired name
	Target   string        `json:"target,omitempty"`
	Mode     string        `json:"mode,omitempty"`
	Decision string        `json:"decision"` // dialling (logged before the dial), accepted, refused, duplicate
	Code     protocol.Code `json:"code,omitempty"`
	Reason   string        `json:"reason,omitempty"`
	Number   string        `json:"number,omitempty"`     // what was handed to the dialer
	Expires  int64         `json:"expires_at,omitempty"` // the request's expires_at, Unix ms
	// Mark is the clock mark when the line was written (Unix ms): the
	// latest time the phone's clock had shown. Unlike Time it never goes
	// backwards from one line to the next.
	Mark int64 `json:"clock_mark,omitempty"`
}

// order is what lines are ordered by: the clock mark, or the time for a
// line written before the mark was logged.
func (e Entry) order() time.Time {
	if e.Mark > 0 {
		return time.UnixMilli(e.Mark)
	}
	return e.Time
}

// auditLog appends JSON lines to a private file. The file is kept open and
// each entry is one write(2) of a whole line with O_APPEND, so an entry is
// in the kernel before the reply leaves and survives deskdial crashing or
// being killed. Entries are flushed to the disk (fsync) in the
// background at most once per syncEvery, and on close: a power loss loses
// at most the last second, while no request waits for the disk (an fsync
// per request costs milliseconds on a phone's flash).
type auditLog struct {
	mu    sync.Mutex
	f     *os.File
	buf   bytes.Buffer  // one entry, encoded under mu
	enc   *json.Encoder // writes to buf
	dirty chan struct{} // a write not yet synced (capacity 1)
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once // stops syncLoop
}

// syncEvery bounds how long an entry may sit in the page cache.
const syncEvery = time.Second

func openAudit(path string) (*auditLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("agent: open audit log: %w", err)
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 {
		// An older file with loose permissions: tighten, it names numbers.
		_ = f.Chmod(0o600)
	}
	l := &auditLog{f: f, dirty: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	l.enc = json.NewEncoder(&l.buf)
	go l.syncLoop() // owned by the log: close stops it and waits
	return l, nil
}

func (l *auditLog) write(e Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Reset()
	// Encode appends the newline: the entry and its line end go out in
	// one write, so concurrent writers never interleave lines.
	if err := l.enc.Encode(e); err != nil {
		return fmt.Errorf("agent: encode audit entry: %w", err)
	}
	if _, err := l.f.Write(l.buf.Bytes()); err != nil {
		return fmt.Errorf("agent: write audit log: %w", err)
	}
	select {
	case l.dirty <- struct{}{}:
	default: // a sync is already due
	}
	return nil
}

// syncLoop flushes written entries to the disk, at most once per
// syncEvery, until close.
func (l *auditLog) syncLoop() {
	defer close(l.done)
	t := time.NewTimer(syncEvery)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-l.dirty:
		}
		// Wait out the interval first, so a burst of requests costs one
		// sync, not one each.
		t.Reset(syncEvery)
		select {
		case <-l.stop:
			return // close syncs
		case <-t.C:
		}
		_ = l.f.Sync()
	}
}

func (l *auditLog) close() error {
	l.once.Do(func() { close(l.stop) })
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	serr := l.f.Sync()
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("agent: close audit log: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("agent: sync audit log: %w", serr)
	}
	return nil
}

// replayWindow bounds how long a request may still be valid after the phone
// logged its decision: it may be issued up to MaxSkew ahead of the phone's
// clock and is valid for at most MaxTTL from then. A line whose clock mark
// is older than the current mark by more than this holds no request that
// could still pass the checks.
const replayWindow = protocol.MaxTTL + protocol.MaxSkew

// auditChunk is how much of the audit log is read at a time, from its end.
const auditChunk = 64 << 10

// recentDials returns the dial decisions with a message id that the audit
// log at path holds from since on (by their clock mark), newest first.
// Lines are appended in the mark's order, so reading goes backwards from
// the end and stops at the first older line: a long log costs no more than
// its last minutes. Lines that do not parse (a torn last line after a
// power loss) are skipped. A missing log holds nothing.
func recentDials(path string, since time.Time) ([]Entry, error) {
	var out []Entry
	err := readBack(path, func(e Entry) bool {
		if e.order().Before(since) {
			return false
		}
		if e.Kind == "dial" && e.ID != "" {
			out = append(out, e)
		}
		return true
	})
	return out, err
}

// readBack calls fn with the entries of the audit log at path, last first,
// while fn returns true.
func readBack(path string, fn func(Entry) bool) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("agent: read audit log: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("agent: read audit log: %w", err)
	}
	var rest []byte // the start of a line whose beginning is not read yet
	for off := fi.Size(); off > 0; {
		n := int64(auditChunk)
		if off < n {
			n = off
		}
		off -= n
		buf := make([]byte, n, n+int64(len(rest)))
		if _, err := f.ReadAt(buf, off); err != nil {
			return fmt.Errorf("agent: read audit log: %w", err)
		}
		buf = append(buf, rest...)
		first := 0
		if off > 0 {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				rest = buf
				continue
			}
			first = i + 1
		}
		rest = buf[:first]
		lines := bytes.Split(bytes.TrimRight(buf[first:], "\n"), []byte{'\n'})
		for i := len(lines) - 1; i >= 0; i-- {
			var e Entry
			if json.Unmarshal(lines[i], &e) != nil || e.Time.IsZero() {
				continue
			}
			if !fn(e) {
				return nil
			}
		}
	}
	return nil
}
