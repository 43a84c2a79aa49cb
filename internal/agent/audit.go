package agent

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// AuditFile is the audit log's name in the data dir.
const AuditFile = "audit.log"

// Entry is one line of the audit log: a request and what the agent decided.
type Entry struct {
	Time     time.Time `json:"time"`
	Kind     string    `json:"kind"`                // dial, hangup, unpaired
	ID       string    `json:"id,omitempty"`        // message id
	From     string    `json:"from,omitempty"`      // sending device ID, if known
	FromName string    `json:"from_name,omitempty"` // its paired name
	Target   string    `json:"target,omitempty"`
	Mode     string    `json:"mode,omitempty"`
	Decision string    `json:"decision"` // accepted, refused, duplicate
	Code     string    `json:"code,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Number   string    `json:"number,omitempty"` // what was handed to the dialer
}

// auditLog appends JSON lines to a private file. The file is kept open: a
// write is one syscall, cheap enough for every request.
type auditLog struct {
	mu sync.Mutex
	f  *os.File
}

func openAudit(path string) (*auditLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("agent: open audit log: %w", err)
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		// An older file with loose permissions: tighten, it names numbers.
		_ = f.Chmod(0o600)
	}
	return &auditLog{f: f}, nil
}

func (l *auditLog) write(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("agent: encode audit entry: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("agent: write audit log: %w", err)
	}
	return nil
}

func (l *auditLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
