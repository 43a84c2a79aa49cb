package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

// Entry kinds in the outbox and the bucket.
const (
	kindRecent  = "recent"
	kindContact = "contact"
)

// KV is the key-value bucket history syncs through. internal/bus/jskv
// implements it on a NATS JetStream KV bucket; the server behind it is not
// trusted with the contents.
//
// Its methods use only standard types, so an implementation need not
// import this package.
type KV interface {
	// Put stores value under key.
	Put(ctx context.Context, key string, value []byte) error
	// Get returns the value under key, or nil and no error if there is
	// none.
	Get(ctx context.Context, key string) ([]byte, error)
	// Watch calls fn with every current entry and then with each change
	// until ctx ends, the watch fails or fn returns an error, and returns
	// that error. deleted marks an entry removed from the bucket (deskdial
	// itself writes tombstone values instead).
	Watch(ctx context.Context, fn func(key string, value []byte, deleted bool) error) error
}

// entry is the sealed content of one bucket value.
type entry struct {
	V       int          `json:"v"`
	Key     string       `json:"k"` // the bucket key, so a value moved to another key is refused
	Kind    string       `json:"t"`
	Ref     string       `json:"r"` // E.164 for recents, UID for contacts
	Updated int64        `json:"u"` // unix nanoseconds of the change
	Device  string       `json:"d"`
	Deleted bool         `json:"x,omitempty"` // recents: calls up to Updated were cleared; contacts: removed
	Call    *wireCall    `json:"c,omitempty"`
	Contact *wireContact `json:"p,omitempty"`
}

// wireCall is a recent as it travels. Fields are only ever added, and only
// optional ones: a desktop of an earlier version ignores what it does not
// know (encoding/json), and one of a later version reads what an earlier
// one wrote; entry.V changes only with a change earlier versions would
// misread (docs/protocol.md, "History sync").
type wireCall struct {
	SyncID    string       `json:"id"`
	At        int64        `json:"at"` // unix milliseconds
	Name      string       `json:"n,omitempty"`
	PhoneID   string       `json:"pi,omitempty"`
	PhoneName string       `json:"pn,omitempty"`
	Outcome   call.Outcome `json:"o,omitempty"`
	Duration  int64        `json:"ms,omitempty"`
	// The phone that asked for the call, when it was not the desktop
	// (Call.AskedByID, AskedByName); absent from an earlier version's.
	AskedByID   string `json:"ai,omitempty"`
	AskedByName string `json:"an,omitempty"`
}

type wireContact struct {
	Name    string          `json:"n"`
	Org     string          `json:"o,omitempty"`
	Numbers []LabeledNumber `json:"nums"`
}

// newer reports whether version (u1, d1) wins over (u2, d2): the later
// change, and on a tie the larger device ID, so every desktop picks the
// same winner.
func newer(u1 int64, d1 string, u2 int64, d2 string) bool {
	if u1 != u2 {
		return u1 > u2
	}
	return d1 > d2
}

// enqueue marks an entry as changed here: it goes out with the next flush,
// and this version is what later entries from other devices compete with.
func enqueue(ctx context.Context, tx *wtx, kind, ref string, updated int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO sync_outbox(kind, ref, updated) VALUES (?, ?, ?)
		ON CONFLICT(kind, ref) DO UPDATE SET updated = max(updated, excluded.updated)`, kind, ref, updated); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sync_state(kind, ref, updated, device)
		VALUES (?, ?, ?, (SELECT value FROM meta WHERE key = 'device'))
		ON CONFLICT(kind, ref) DO UPDATE SET updated = excluded.updated, device = excluded.device
		WHERE excluded.updated > sync_state.updated`, kind, ref, updated)
	return err
}

// Pending counts changes not yet written to the sync bucket.
func (s *Store) Pending(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sync_outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending: %w", err)
	}
	return n, nil
}

// Syncer keeps a Store in step with the user's other desktops through a KV
// bucket. Changes made while offline wait in the database and go out when
// the bucket is reachable again; entries from other desktops are applied
// as they arrive, the newer version of an entry winning. Run it in one
// goroutine per Store, and let Run return before closing the Store.
type Syncer struct {
	s        *Store
	kv       KV
	keys     syncKeys
	contacts bool
	retry    time.Duration
	log      *slog.Logger
	applied  func()
}

// SyncOption configures a Syncer.
type SyncOption func(*Syncer)

// WithContacts syncs contacts too, not only recents.
func WithContacts() SyncOption { return func(y *Syncer) { y.contacts = true } }

// WithRetry sets how long to wait before trying again after the bucket
// was unreachable (default 5 s; doubles up to a minute).
func WithRetry(d time.Duration) SyncOption { return func(y *Syncer) { y.retry = d } }

// WithLogger logs sync problems (unreadable entries, unreachable bucket).
func WithLogger(l *slog.Logger) SyncOption { return func(y *Syncer) { y.log = l } }

// WithApplied calls fn after entries from another desktop changed the
// store, so a tray can rebuild its Recent menu. fn must not block.
func WithApplied(fn func()) SyncOption { return func(y *Syncer) { y.applied = fn } }

// NewSyncer makes a Syncer for s through kv, sealing with key.
func NewSyncer(s *Store, kv KV, key SyncKey, opts ...SyncOption) (*Syncer, error) {
	ks, err := deriveKeys(key)
	if err != nil {
		return nil, err
	}
	y := &Syncer{s: s, kv: kv, keys: ks, retry: 5 * time.Second, log: slog.New(slog.DiscardHandler), applied: func() {}}
	for _, o := range opts {
		o(y)
	}
	return y, nil
}

// Run syncs until ctx ends. Unreachable buckets are retried; Run returns
// only ctx's error or a database failure.
func (y *Syncer) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := y.watchLoop(ctx); err != nil && ctx.Err() == nil {
			errc <- err
			cancel()
		}
	}()
	err := y.flushLoop(ctx)
	cancel()
	wg.Wait()
	select {
	case werr := <-errc:
		return werr
	default:
	}
	return err
}

func (y *Syncer) backoff(d time.Duration) time.Duration {
	d *= 2
	if d > time.Minute {
		d = time.Minute
	}
	return d
}

func (y *Syncer) flushLoop(ctx context.Context) error {
	wait := y.retry
	for {
		err := y.Flush(ctx)
		var timer <-chan time.Time
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, errUnreachable):
			y.log.Warn("history sync: bucket unreachable; will retry", "err", err, "in", wait)
			timer = time.After(wait)
			wait = y.backoff(wait)
		case err != nil:
			return err
		default:
			wait = y.retry
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-y.s.changed:
		case <-timer:
		}
	}
}

var errUnreachable = errors.New("history: sync bucket unreachable")

// Flush sends every queued change. A bucket that cannot be reached is
// reported as such; what was not sent stays queued.
func (y *Syncer) Flush(ctx context.Context) error {
	for {
		// Contacts wait in the outbox while contact sync is off, so that
		// turning it on later sends them all.
		rows, err := y.s.db.QueryContext(ctx, `SELECT kind, ref, updated FROM sync_outbox
			WHERE kind = ? OR ? ORDER BY updated LIMIT 200`, kindRecent, y.contacts)
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		type item struct {
			kind, ref string
			updated   int64
		}
		var items []item
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.kind, &it.ref, &it.updated); err != nil {
				rows.Close()
				return fmt.Errorf("read outbox: %w", err)
			}
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		sent := 0
		for _, it := range items {
			e, err := y.build(ctx, it.kind, it.ref, it.updated)
			if err != nil {
				return fmt.Errorf("build sync entry: %w", err)
			}
			plain, err := json.Marshal(e)
			if err != nil {
				return fmt.Errorf("encode sync entry: %w", err)
			}
			sealed, err := y.keys.sealValue(plain)
			if err != nil {
				return fmt.Errorf("seal sync entry: %w", err)
			}
			if err := y.kv.Put(ctx, e.Key, sealed); err != nil {
				return fmt.Errorf("%w: put: %v", errUnreachable, err)
			}
			err = y.s.write(ctx, func(tx *wtx) error {
				_, err := tx.ExecContext(ctx, `DELETE FROM sync_outbox WHERE kind = ? AND ref = ? AND updated = ?`, it.kind, it.ref, it.updated)
				return err
			})
			if err != nil {
				return fmt.Errorf("mark sent: %w", err)
			}
			sent++
		}
		if sent == 0 {
			return nil
		}
	}
}

// build makes the entry that carries the current state of (kind, ref).
func (y *Syncer) build(ctx context.Context, kind, ref string, updated int64) (entry, error) {
	e := entry{V: 1, Key: y.keys.kvKey(kind, ref), Kind: kind, Ref: ref, Updated: updated, Device: y.s.device}
	switch kind {
	case kindRecent:
		var c wireCall
		err := y.s.db.QueryRowContext(ctx, `SELECT sync_id, at, name, phone_id, phone_name, outcome, duration_ms, asked_by_id, asked_by_name
			FROM calls WHERE number = ? ORDER BY at DESC, id DESC LIMIT 1`, ref).
			Scan(&c.SyncID, &c.At, &c.Name, &c.PhoneID, &c.PhoneName, &c.Outcome, &c.Duration, &c.AskedByID, &c.AskedByName)
		if errors.Is(err, sql.ErrNoRows) {
			e.Deleted = true
			return e, nil
		}
		if err != nil {
			return e, err
		}
		e.Call = &c
	case kindContact:
		cs, err := y.s.queryContacts(ctx, y.s.db, `SELECT id, name, org, source, uid FROM contacts WHERE uid = ? ORDER BY id LIMIT 1`, ref)
		if err != nil {
			return e, err
		}
		if len(cs) == 0 {
			e.Deleted = true
			return e, nil
		}
		e.Contact = &wireContact{Name: cs[0].Name, Org: cs[0].Org, Numbers: cs[0].Numbers}
	default:
		return e, fmt.Errorf("%w: outbox kind %q", ErrInvalidInput, kind)
	}
	return e, nil
}

func (y *Syncer) watchLoop(ctx context.Context) error {
	wait := y.retry
	for {
		var dbErr error
		err := y.kv.Watch(ctx, func(key string, value []byte, deleted bool) error {
			wait = y.retry
			dbErr = y.apply(ctx, key, value, deleted)
			return dbErr
		})
		if ctx.Err() != nil {
			return nil
		}
		if dbErr != nil {
			return dbErr
		}
		y.log.Warn("history sync: watch ended; will retry", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = y.backoff(wait)
	}
}

// apply stores one entry from the bucket if it is newer than what this
// store holds. Entries that cannot be opened (another user's key, damage)
// are logged and ignored; only database failures are returned.
func (y *Syncer) apply(ctx context.Context, key string, value []byte, deleted bool) error {
	if deleted {
		return nil
	}
	plain, err := y.keys.openValue(value)
	if err != nil {
		y.log.Warn("history sync: ignoring entry", "key", key, "err", err)
		return nil
	}
	var e entry
	if err := json.Unmarshal(plain, &e); err != nil || e.V != 1 {
		y.log.Warn("history sync: ignoring malformed entry", "key", key, "err", err)
		return nil
	}
	if e.Key != key || y.keys.kvKey(e.Kind, e.Ref) != key {
		y.log.Warn("history sync: ignoring entry", "key", key, "err", errWrongKey)
		return nil
	}
	if e.Device == y.s.device {
		return nil // our own write coming back
	}
	if e.Kind == kindContact && !y.contacts {
		return nil
	}
	changed := false
	err = y.s.write(ctx, func(tx *wtx) error {
		var u int64
		var d string
		err := tx.QueryRowContext(ctx, `SELECT updated, device FROM sync_state WHERE kind = ? AND ref = ?`, e.Kind, e.Ref).Scan(&u, &d)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case !newer(e.Updated, e.Device, u, d):
			return nil
		}
		if err := y.applyEntry(ctx, tx, &e); err != nil {
			return err
		}
		changed = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_state(kind, ref, updated, device) VALUES (?, ?, ?, ?)
			ON CONFLICT(kind, ref) DO UPDATE SET updated = excluded.updated, device = excluded.device`,
			e.Kind, e.Ref, e.Updated, e.Device); err != nil {
			return err
		}
		// This desktop's older change to the entry lost.
		_, err = tx.ExecContext(ctx, `DELETE FROM sync_outbox WHERE kind = ? AND ref = ? AND updated <= ?`, e.Kind, e.Ref, e.Updated)
		return err
	})
	if err != nil {
		return fmt.Errorf("apply sync entry: %w", err)
	}
	if changed {
		y.applied()
	}
	return nil
}

func (y *Syncer) applyEntry(ctx context.Context, tx *wtx, e *entry) error {
	switch e.Kind {
	case kindRecent:
		if e.Deleted {
			_, err := tx.ExecContext(ctx, `DELETE FROM calls WHERE number = ? AND at <= ?`, e.Ref, e.Updated/int64(time.Millisecond))
			return err
		}
		if e.Call == nil || e.Call.SyncID == "" {
			return nil
		}
		c := e.Call
		if checkCallText(Call{Name: c.Name, PhoneID: c.PhoneID, PhoneName: c.PhoneName, AskedByID: c.AskedByID, AskedByName: c.AskedByName}) != nil {
			return nil // names and IDs that are not plain text are never stored
		}
		// Only what this desktop would have recorded itself: an outcome
		// (not a call state or another word), a talk time that is not
		// negative, an E.164 number.
		if !c.Outcome.Valid() || c.Duration < 0 || !isE164(e.Ref) {
			return nil
		}
		// Who asked for a call does not change; a copy of it without the
		// asker (sent on by an earlier version) does not erase it.
		_, err := tx.ExecContext(ctx, `INSERT INTO calls(at, number, name, phone_id, phone_name, outcome, duration_ms, sync_id, updated, asked_by_id, asked_by_name)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(sync_id) DO UPDATE SET outcome = excluded.outcome, duration_ms = excluded.duration_ms,
				name = excluded.name, updated = excluded.updated,
				asked_by_id = iif(calls.asked_by_id = '' AND calls.asked_by_name = '', excluded.asked_by_id, calls.asked_by_id),
				asked_by_name = iif(calls.asked_by_id = '' AND calls.asked_by_name = '', excluded.asked_by_name, calls.asked_by_name)`,
			c.At, e.Ref, c.Name, c.PhoneID, c.PhoneName, c.Outcome, c.Duration, c.SyncID, e.Updated, c.AskedByID, c.AskedByName)
		return err
	case kindContact:
		if e.Deleted {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM contacts WHERE uid = ?`, e.Ref).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			return deleteContact(ctx, tx, id, false)
		}
		if e.Contact == nil || e.Contact.Name == "" {
			return nil
		}
		var nums []LabeledNumber
		for _, n := range e.Contact.Numbers {
			if !isE164(n.E164) {
				// Not a number this desktop would have stored: the
				// contact keeps its other numbers.
				continue
			}
			if labelRank(n.Label) == 3 {
				n.Label = LabelOther
			}
			if !validExt(n.Ext) {
				// Another desktop's extension that this one would not
				// have imported is dropped; the number itself still
				// syncs.
				n.Ext = ""
			}
			nums = append(nums, n)
		}
		rec := contactRec{Contact: Contact{Name: e.Contact.Name, Org: e.Contact.Org, Numbers: sortNumbers(nums), Source: "sync", UID: e.Ref}}
		if checkContact(&rec.Contact) != nil {
			return nil // not plain text: never stored, as on import
		}
		_, _, err := putContact(ctx, tx, &rec, true, false)
		return err
	}
	return nil
}
