package history

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

// Call is one call placed through deskdial.
type Call struct {
	ID        int64
	At        time.Time
	Number    string // E.164
	Name      string
	PhoneID   string
	PhoneName string
	Outcome   call.Outcome
	Duration  time.Duration
	// AskedByID and AskedByName name the device that asked for the call
	// when it was not this desktop: a phone that had another phone call
	// through it. Empty for the desktop's own calls.
	AskedByID   string
	AskedByName string
}

func newSyncID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RecordCall stores a call and returns its ID. At defaults to now and
// Outcome to requested; anything but an outcome is refused.
func (s *Store) RecordCall(ctx context.Context, c Call) (int64, error) {
	if c.Number == "" {
		return 0, fmt.Errorf("record call: %w: empty number", ErrInvalidInput)
	}
	// The history keeps only outcomes, here as on arrival by sync.
	if c.Outcome == "" {
		c.Outcome = call.OutcomeRequested
	}
	if !c.Outcome.Valid() || c.Duration < 0 {
		return 0, fmt.Errorf("record call: %w: outcome %q, duration %v", ErrInvalidInput, c.Outcome, c.Duration)
	}
	if err := checkCallText(c); err != nil {
		return 0, fmt.Errorf("record call: %w", err)
	}
	if c.At.IsZero() {
		c.At = time.Now()
	}
	var id int64
	err := s.write(ctx, func(tx *wtx) error {
		now := time.Now().UnixNano()
		res, err := tx.ExecContext(ctx, `INSERT INTO calls(at, number, name, phone_id, phone_name, outcome, duration_ms, sync_id, updated, asked_by_id, asked_by_name)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.At.UnixMilli(), c.Number, c.Name, c.PhoneID, c.PhoneName, c.Outcome, c.Duration.Milliseconds(), newSyncID(), now, c.AskedByID, c.AskedByName)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return enqueue(ctx, tx, kindRecent, c.Number, now)
	})
	if err != nil {
		return 0, fmt.Errorf("record call: %w", err)
	}
	s.notify()
	return id, nil
}

// UpdateCall sets the outcome and duration of a call recorded earlier.
func (s *Store) UpdateCall(ctx context.Context, id int64, outcome call.Outcome, d time.Duration) error {
	if !outcome.Valid() {
		return fmt.Errorf("update call: %w: %q is no call outcome", ErrInvalidInput, outcome)
	}
	err := s.write(ctx, func(tx *wtx) error {
		now := time.Now().UnixNano()
		var number string
		err := tx.QueryRowContext(ctx, `UPDATE calls SET outcome = ?, duration_ms = ?, updated = ? WHERE id = ? RETURNING number`,
			outcome, d.Milliseconds(), now, id).Scan(&number)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: call %d", ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		return enqueue(ctx, tx, kindRecent, number, now)
	})
	if err != nil {
		return fmt.Errorf("update call: %w", err)
	}
	s.notify()
	return nil
}

// Call returns one call by ID.
func (s *Store) Call(ctx context.Context, id int64) (Call, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+callCols+` FROM calls WHERE id = ?`, id)
	if err != nil {
		return Call{}, fmt.Errorf("read call: %w", err)
	}
	cs, err := scanCalls(rows)
	if err != nil {
		return Call{}, fmt.Errorf("read call: %w", err)
	}
	if len(cs) == 0 {
		return Call{}, fmt.Errorf("read call: %w: call %d", ErrNotFound, id)
	}
	return cs[0], nil
}

const callCols = `id, at, number, name, phone_id, phone_name, outcome, duration_ms, asked_by_id, asked_by_name`

func scanCalls(rows *sql.Rows) ([]Call, error) {
	defer rows.Close()
	var out []Call
	for rows.Next() {
		var c Call
		var at, dur int64
		if err := rows.Scan(&c.ID, &at, &c.Number, &c.Name, &c.PhoneID, &c.PhoneName, &c.Outcome, &dur, &c.AskedByID, &c.AskedByName); err != nil {
			return nil, err
		}
		c.At = time.UnixMilli(at)
		c.Duration = time.Duration(dur) * time.Millisecond
		out = append(out, c)
	}
	return out, rows.Err()
}

// Recent returns the latest call to each number, newest first, at most n
// (the tray shows the last 10).
func (s *Store) Recent(ctx context.Context, n int) ([]Call, error) {
	if n <= 0 {
		return nil, nil
	}
	// number_stats has one row per number with its latest time, so this
	// reads n rows instead of grouping the whole call table.
	rows, err := s.db.QueryContext(ctx, `SELECT `+prefixCols("c.", callCols)+`
		FROM number_stats ns
		JOIN calls c ON c.id = (SELECT id FROM calls WHERE number = ns.e164 ORDER BY at DESC, id DESC LIMIT 1)
		ORDER BY ns.last_at DESC, c.id DESC LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("read recents: %w", err)
	}
	cs, err := scanCalls(rows)
	if err != nil {
		return nil, fmt.Errorf("read recents: %w", err)
	}
	return cs, nil
}

// Calls returns every call, newest first, at most n (0: all).
func (s *Store) Calls(ctx context.Context, n int) ([]Call, error) {
	if n <= 0 {
		n = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+callCols+` FROM calls ORDER BY at DESC, id DESC LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("read calls: %w", err)
	}
	cs, err := scanCalls(rows)
	if err != nil {
		return nil, fmt.Errorf("read calls: %w", err)
	}
	return cs, nil
}

// ClearCalls deletes the whole call history ("Clear history" in settings).
// With sync, the other desktops clear the same calls.
func (s *Store) ClearCalls(ctx context.Context) error {
	err := s.write(ctx, func(tx *wtx) error {
		now := time.Now().UnixNano()
		// A tombstone per number tells the other desktops to drop their
		// copies of calls made up to now.
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_outbox(kind, ref, updated)
			SELECT ?, e164, ? FROM number_stats WHERE true
			ON CONFLICT(kind, ref) DO UPDATE SET updated = excluded.updated`, kindRecent, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_state(kind, ref, updated, device)
			SELECT ?, e164, ?, (SELECT value FROM meta WHERE key = 'device') FROM number_stats WHERE true
			ON CONFLICT(kind, ref) DO UPDATE SET updated = excluded.updated, device = excluded.device
			WHERE excluded.updated > sync_state.updated`, kindRecent, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM calls`)
		return err
	})
	if err != nil {
		return fmt.Errorf("clear calls: %w", err)
	}
	s.notify()
	return nil
}

// Prune deletes calls older than retentionDays days; 0 keeps everything.
// Retention is a setting of each desktop, so pruning is not synced.
func (s *Store) Prune(ctx context.Context, retentionDays int) error {
	if retentionDays < 0 {
		return fmt.Errorf("prune calls: %w: negative retention", ErrInvalidInput)
	}
	if retentionDays == 0 {
		return nil
	}
	cut := time.Now().Add(-time.Duration(retentionDays) * 24 * time.Hour).UnixMilli()
	err := s.write(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM calls WHERE at < ?`, cut)
		if err != nil {
			return err
		}
		// An unsent change to a number whose calls are all gone now would
		// go out as a tombstone and clear the other desktops' copies, which
		// retention must not do.
		_, err = tx.ExecContext(ctx, `DELETE FROM sync_outbox WHERE kind = ? AND updated < ?
			AND ref NOT IN (SELECT e164 FROM number_stats)`, kindRecent, cut*int64(time.Millisecond))
		return err
	})
	if err != nil {
		return fmt.Errorf("prune calls: %w", err)
	}
	return nil
}

func prefixCols(p, cols string) string {
	fs := strings.Split(cols, ", ")
	for i := range fs {
		fs[i] = p + fs[i]
	}
	return strings.Join(fs, ", ")
}
