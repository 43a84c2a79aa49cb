package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/bus/jskv"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/history"
)

// syncKeyFile holds the secret the user's desktops share to sync recents
// (and contacts) through a hosted server. It never leaves the desktops:
// the user copies it from one to the other, as with a pairing offer.
const syncKeyFile = "sync.key"

// loadSyncKey reads the sync key from the config dir; with create, a
// missing key is made. ok is false when there is none and create is false.
func loadSyncKey(dir string, create bool) (key history.SyncKey, ok bool, err error) {
	path := filepath.Join(dir, syncKeyFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		key, err = history.ParseSyncKey(string(b))
		if err != nil {
			return key, false, fmt.Errorf("%s: %w (set a key again with `deskdial sync-key set KEY`)", path, err)
		}
		return key, true, nil
	case !errors.Is(err, os.ErrNotExist):
		return key, false, fmt.Errorf("read sync key: %w", err)
	case !create:
		return key, false, nil
	}
	if key, err = history.NewSyncKey(); err != nil {
		return key, false, err
	}
	if err := config.WriteFileAtomic(path, []byte(key.String()+"\n"), 0o600); err != nil {
		return key, false, fmt.Errorf("save sync key: %w", err)
	}
	return key, true, nil
}

// cmdSyncKey shows this desktop's history sync key, or sets it to the one
// shown on the user's other desktop.
func cmdSyncKey(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "sync-key")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	p, err := e.paths()
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		key, _, err := loadSyncKey(p.Config, true)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, key.String())
		fmt.Fprintln(e.stderr, "This key seals the recents (and contacts, if enabled) that your desktops sync through a hosted\n"+
			"server. On your other desktop run: deskdial sync-key set <the key above>. Keep it secret.")
		return nil
	case len(pos) == 2 && pos[0] == "set":
		key, err := history.ParseSyncKey(pos[1])
		if err != nil {
			return usageErr("this is not a sync key: %v", err)
		}
		if err := config.WriteFileAtomic(filepath.Join(p.Config, syncKeyFile), []byte(key.String()+"\n"), 0o600); err != nil {
			return fmt.Errorf("save sync key: %w", err)
		}
		fmt.Fprintln(e.stdout, "Sync key set: this desktop now shares recents with the desktops that hold the same key.")
		return nil
	}
	return usageErr("usage: deskdial sync-key [set KEY]")
}

// newHistorySyncer binds the sync bucket on conn and returns a Syncer for
// hist, or nil when this desktop has no sync key (sync is off until the
// user makes or sets one). The bucket is made by the server's owner (see
// docs/deploy.md); when it is missing, sync stays off with a clear reason.
func newHistorySyncer(ctx context.Context, conn *bus.Conn, hist *history.Store, dir string, st config.Settings, log *slog.Logger, extra ...history.SyncOption) (*history.Syncer, error) {
	key, ok, err := loadSyncKey(dir, false)
	if err != nil || !ok {
		return nil, err
	}
	kv, err := jskv.BindConn(ctx, conn, jskv.DefaultBucket)
	if err != nil {
		return nil, fmt.Errorf("history sync off: %w", err)
	}
	opts := []history.SyncOption{history.WithLogger(log)}
	if st.SyncContacts {
		opts = append(opts, history.WithContacts())
	}
	return history.NewSyncer(hist, kv, key, append(opts, extra...)...)
}

// flushHistory sends this process's queued history changes once, for
// short-lived commands (`deskdial call`) whose writes a long-running
// syncer in another process would not notice. Bounded in time; failures
// leave the changes queued for the next flush.
func flushHistory(ctx context.Context, conn *bus.Conn, hist *history.Store, dir string, st config.Settings, stderr io.Writer) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	y, err := newHistorySyncer(ctx, conn, hist, dir, st, slog.New(slog.DiscardHandler))
	if err == nil && y != nil {
		err = y.Flush(ctx)
	}
	if err != nil {
		fmt.Fprintf(stderr, "note: recents not synced yet (%s); they will be on the next sync\n", strings.TrimPrefix(err.Error(), "history: "))
	}
}
