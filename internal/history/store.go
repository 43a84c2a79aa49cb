// Package history keeps deskdial's call history and contacts in a SQLite
// database: calls with their outcome, contacts imported from vCard files or
// a CardDAV address book, an as-you-type search over both, calling by name,
// and the sync of recents (and, if the user wants, contacts) between the
// user's desktops through a key-value bucket whose values are sealed with a
// key only the user's devices hold.
//
// The database runs in WAL mode with synchronous=FULL: a crash or power cut
// never loses a write that returned, and never corrupts the file. Schema
// changes are numbered migrations applied on Open.
package history

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"modernc.org/sqlite"

	"github.com/deskdial/deskdial/internal/number"
)

// Sentinel errors.
var (
	ErrNoMatch      = errors.New("history: no contact matches")
	ErrAmbiguous    = errors.New("history: more than one match")
	ErrNoNumber     = errors.New("history: contact has no phone number")
	ErrNotFound     = errors.New("history: not found")
	ErrNewerSchema  = errors.New("history: database was written by a newer deskdial")
	ErrBadSyncKey   = errors.New("history: bad sync key")
	ErrSealed       = errors.New("history: cannot open sealed entry")
	ErrInvalidInput = errors.New("history: invalid input")
)

func init() {
	// The search index stores every number in the forms a user may type;
	// computing them needs libphonenumber, so the schema calls into Go.
	sqlite.MustRegisterDeterministicScalarFunction("deskdial_digits", 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			s, _ := args[0].(string)
			return digitForms(s), nil
		})
}

// digitForms returns the digit strings under which an E.164 number is found:
// international ("4930123456"), with the national prefix ("030123456") and
// the national significant number ("30123456"), without repeats. It reads
// the country code off the number instead of parsing it: parsing was half
// the time of a large import.
func digitForms(e164 string) string {
	d := onlyDigits(e164)
	forms := []string{d}
	if _, nsn, ndd, ok := number.Split(d); ok {
		forms = append(forms, nsn)
		if ndd != "" {
			forms = append(forms, ndd+nsn)
		}
	}
	out := forms[:0]
	seen := map[string]bool{}
	for _, f := range forms {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Store is the history database. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	device string

	// wmu serialises writers: SQLite allows one at a time, and queueing
	// here is cheaper and fairer than retrying on SQLITE_BUSY.
	wmu sync.Mutex

	// changed is signalled (without blocking) when the sync outbox gets a
	// new entry, so a running Syncer sends it at once.
	changed chan struct{}
}

// SchemaVersion is the schema this build writes.
func SchemaVersion() int { return len(migrations) }

// Open opens (creating if needed) the database at path and migrates it to
// the current schema.
func Open(path string) (*Store, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	if err := makePrivate(path, true); err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	s := &Store{db: db, changed: make(chan struct{}, 1)}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'device'`).Scan(&s.device); err != nil {
		db.Close()
		return nil, fmt.Errorf("open history %s: read device id: %w", path, err)
	}
	// A -wal or -shm file left by an older version (or made while another
	// process had the database open) keeps the mode it was made with.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := makePrivate(path+suffix, false); err != nil {
			db.Close()
			return nil, fmt.Errorf("open history %s: %w", path, err)
		}
	}
	return s, nil
}

// makePrivate gives the file at path mode 0600, creating it (empty) when
// create is set. The database holds the numbers and names a user calls.
//
// SQLite creates a new database 0644 less the umask. It creates the -wal
// and -shm files with the mode of the database file and then fchmods them
// to exactly that mode, whatever the umask. So the database file is made
// before SQLite opens it and chmodded (chmod is not subject to the umask;
// a umask such as 0277 would otherwise leave it unwritable), and the
// journal files follow it. This avoids changing the process-wide umask,
// which other goroutines' files would feel too.
func makePrivate(path string, create bool) error {
	if create {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("create database file: %w", err)
		}
		err = f.Chmod(0o600)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("make database file private: %w", err)
		}
		return nil
	}
	if runtime.GOOS == "windows" {
		// Windows has no mode bits: Go reports every writable file as 0666
		// and Chmod only sets the read-only flag, which SQLite's open -shm
		// file may refuse (a sharing violation under Wine). Privacy there
		// comes from the ACL of the user's profile directory.
		return nil
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil && fi.Mode().Perm() != 0o600 {
		err = os.Chmod(path, 0o600)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("make %s private: %w", filepath.Base(path), err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Device is the random identifier of this database, used to break ties
// between entries written at the same instant on two desktops.
func (s *Store) Device() string { return s.device }

func (s *Store) migrate(ctx context.Context) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	for {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin migration: %w", err)
		}
		var v int
		err = tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			v = 0
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_version(version) VALUES (0)`)
		}
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("read schema version: %w", err)
		}
		if v > len(migrations) {
			tx.Rollback()
			return fmt.Errorf("%w (schema %d, this build knows %d)", ErrNewerSchema, v, len(migrations))
		}
		if v == len(migrations) {
			return tx.Rollback()
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, v+1); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit migration to %d: %w", v+1, err)
		}
	}
}

// write runs fn in one immediate transaction.
func (s *Store) write(ctx context.Context, fn func(tx *wtx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	w := &wtx{Tx: tx}
	defer w.close()
	if err := fn(w); err != nil {
		tx.Rollback()
		return err
	}
	if err := w.flushIndex(ctx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// wtx is a write transaction that prepares each statement once: an import
// runs the same dozen statements for every card, and parsing SQL was a
// third of its time.
type wtx struct {
	*sql.Tx
	stmts map[string]*sql.Stmt
	dirty map[int64]bool // contacts whose search index rows are stale
}

// reindex marks a contact's search index row for rebuilding at commit.
// Updating FTS5 row by row costs a flush of its pending data per
// statement; one statement per transaction keeps a 10,000-card import fast.
func (w *wtx) reindex(id int64) {
	if w.dirty == nil {
		w.dirty = map[int64]bool{}
	}
	w.dirty[id] = true
}

func (w *wtx) flushIndex(ctx context.Context) error {
	if len(w.dirty) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(w.dirty))
	for id := range w.dirty {
		ids = append(ids, id)
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	if _, err := w.Tx.ExecContext(ctx, `DELETE FROM contact_fts WHERE rowid IN (SELECT value FROM json_each(?))`, string(list)); err != nil {
		return fmt.Errorf("update search index: %w", err)
	}
	if _, err := w.Tx.ExecContext(ctx, `INSERT INTO contact_fts(rowid, name, org, digits)
		SELECT c.id, c.name, c.org,
		       coalesce((SELECT group_concat(forms, ' ') FROM contact_numbers WHERE contact_id = c.id), '')
		FROM contacts c WHERE c.id IN (SELECT value FROM json_each(?))`, string(list)); err != nil {
		return fmt.Errorf("update search index: %w", err)
	}
	if _, err := w.Tx.ExecContext(ctx, `DELETE FROM number_forms WHERE contact_id IN (SELECT value FROM json_each(?))`, string(list)); err != nil {
		return fmt.Errorf("update search index: %w", err)
	}
	if _, err := w.Tx.ExecContext(ctx, `INSERT OR IGNORE INTO number_forms(form, contact_id)
		SELECT f.value, cn.contact_id FROM contact_numbers cn, json_each('["' || replace(cn.forms, ' ', '","') || '"]') f
		WHERE cn.contact_id IN (SELECT value FROM json_each(?)) AND cn.forms <> ''`, string(list)); err != nil {
		return fmt.Errorf("update search index: %w", err)
	}
	w.dirty = nil
	return nil
}

func (w *wtx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	st, err := w.Tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if w.stmts == nil {
		w.stmts = map[string]*sql.Stmt{}
	}
	w.stmts[q] = st
	return st, nil
}

func (w *wtx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := w.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (w *wtx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := w.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext reports a failed prepare through Scan, like sql.Tx.
func (w *wtx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := w.stmt(ctx, q)
	if err != nil {
		return w.Tx.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (w *wtx) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

// notify tells a running Syncer that the outbox has something new.
func (s *Store) notify() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}
