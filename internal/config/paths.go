// Package config holds deskdial's settings and where its files live.
//
// Settings are one JSON file written atomically (temporary file, fsync,
// rename, fsync of the directory), so a crash or a full disk never leaves a
// half-written file: the old settings stay in place. The file carries a schema
// version and is migrated forward on load.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvHome is the environment variable that overrides where deskdial keeps
// its files (the --home flag wins over it).
const EnvHome = "DESKDIAL_HOME"

// Paths says where deskdial keeps its files.
type Paths struct {
	Config string // settings, keys, paired devices
	Data   string // history database, audit log
}

// ResolvePaths returns the directories to use. home, if not empty, is used for
// everything (the --home flag); else $DESKDIAL_HOME; else the OS defaults:
// os.UserConfigDir()/deskdial and the XDG data dir.
func ResolvePaths(home string) (Paths, error) {
	if home == "" {
		home = os.Getenv(EnvHome)
	}
	if home != "" {
		abs, err := filepath.Abs(home)
		if err != nil {
			return Paths{}, fmt.Errorf("config: resolve home %q: %w", home, err)
		}
		return Paths{Config: abs, Data: abs}, nil
	}
	cfg, err := os.UserConfigDir()
	if err != nil {
		return Paths{}, fmt.Errorf("config: find config dir: %w", err)
	}
	data, err := userDataDir()
	if err != nil {
		return Paths{}, err
	}
	return Paths{Config: filepath.Join(cfg, "deskdial"), Data: filepath.Join(data, "deskdial")}, nil
}

// userDataDir follows the XDG base directory spec where it applies; macOS and
// Windows keep data next to the config (Application Support, AppData).
func userDataDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	if home, err := os.UserHomeDir(); err == nil && isXDG() {
		return filepath.Join(home, ".local", "share"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config: find data dir: %w", err)
	}
	return d, nil
}

// Ensure creates both directories with private permissions and makes
// existing ones private (see EnsurePrivate), without telling anyone.
func (p Paths) Ensure() error {
	_, err := p.EnsurePrivate()
	return err
}

// EnsurePrivate creates both directories (0700) and checks existing ones:
// they hold the device keys, the paired devices and the call history, so
// no other local user may enter them. A directory that others can read,
// write or enter is made private (0700) if it is deskdial's own (empty, or
// holding deskdial's files), and the returned notices say so, for the user;
// any other such directory is refused with ErrNotPrivate, as is one owned
// by another user. The check is on the directories themselves: the files
// inside are only as private as the directory that holds them.
func (p Paths) EnsurePrivate() (notices []string, err error) {
	dirs := []string{p.Config}
	if p.Data != p.Config {
		dirs = append(dirs, p.Data)
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return notices, fmt.Errorf("config: create %s: %w", d, err)
		}
		n, err := makeDirPrivate(d)
		if err != nil {
			return notices, err
		}
		if n != "" {
			notices = append(notices, n)
		}
	}
	return notices, nil
}

// ErrNotPrivate is returned by EnsurePrivate for a directory other users
// can get into and that deskdial will not change by itself.
var ErrNotPrivate = errors.New("config: directory is not private")

// ownFiles are files deskdial keeps; a directory holding one of them (or
// nothing) is deskdial's to make private.
var ownFiles = []string{SettingsFile, "device.seed", "peers.json", "history.db", "audit.log"}

// isOwnDir reports whether dir is empty or holds one of deskdial's files.
func isOwnDir(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	names, _ := f.Readdirnames(1)
	f.Close()
	if len(names) == 0 {
		return true
	}
	for _, n := range ownFiles {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			return true
		}
	}
	return false
}

// WriteFileAtomic replaces path with data so that readers see either the old
// or the new content, never a mix, even after a crash or when the disk fills
// up mid-write (then the old file stays and the error says why).
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Make the rename itself durable. Not all platforms can sync a
	// directory (Windows cannot); the data is already safe there.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// ErrNotExist is returned by loaders when a file has not been made yet.
var ErrNotExist = errors.New("config: file does not exist")

// ResolveIn finds a file the user named: as given (absolute, or relative
// to the current directory) when it exists there, else a bare file name in
// dir (the config directory, where docs say a .creds file lives). A name
// found nowhere is returned as given, so the error names what was typed.
func ResolveIn(dir, name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	if _, err := os.Stat(name); err == nil {
		return name
	}
	if filepath.Base(name) == name && dir != "" {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	return name
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
