package remote

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/bus/jskv"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/history"
)

// SyncKeyFile holds the secret the user's desktops share to sync recents
// (and contacts) through a hosted server. It never leaves the desktops:
// the user copies it from one to the other, as with a pairing offer.
const SyncKeyFile = "sync.key"

// LoadSyncKey reads the sync key from the config dir; with create, a
// missing key is made. ok is false when there is none and create is false.
func LoadSyncKey(dir string, create bool) (key history.SyncKey, ok bool, err error) {
	path := filepath.Join(dir, SyncKeyFile)
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
	if err := SaveSyncKey(dir, key); err != nil {
		return key, false, err
	}
	return key, true, nil
}

// SaveSyncKey stores key in the config dir (mode 0600: it is a secret).
func SaveSyncKey(dir string, key history.SyncKey) error {
	if err := config.WriteFileAtomic(filepath.Join(dir, SyncKeyFile), []byte(key.String()+"\n"), 0o600); err != nil {
		return fmt.Errorf("save sync key: %w", err)
	}
	return nil
}

// HistorySyncer binds the sync bucket on conn and returns a Syncer for
// hist, or nil when this desktop has no sync key (sync is off until the
// user makes or sets one). The bucket is made by the server's owner (see
// docs/deploy.md); when it is missing, sync stays off with a clear reason.
func HistorySyncer(ctx context.Context, conn *bus.Conn, hist *history.Store, dir string, st config.Settings, log *slog.Logger, extra ...history.SyncOption) (*history.Syncer, error) {
	key, ok, err := LoadSyncKey(dir, false)
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
