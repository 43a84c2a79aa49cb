//go:build !windows

package instance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// maxSocketPath is the longest socket path every Unix accepts (sun_path is
// 108 bytes on Linux and 104 on macOS and the BSDs, including the NUL).
const maxSocketPath = 103

// owner holds the lock file while this process owns the instance.
type owner struct{ f *os.File }

func lock(dir string) (*owner, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("instance: create %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "instance.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance: open lock: %w", err)
	}
	// flock, not fcntl locks: an fcntl lock is dropped when any descriptor of
	// the file in this process is closed, a flock only with its own.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrRunning
		}
		return nil, fmt.Errorf("instance: lock: %w", err)
	}
	return &owner{f: f}, nil
}

// release drops the lock. The lock file itself stays: removing it would let a
// newcomer lock a fresh file while a slower one still locks the old inode.
func (o *owner) release() {
	_ = syscall.Flock(int(o.f.Fd()), syscall.LOCK_UN)
	o.f.Close()
}

// socketPath is dir/instance.sock, or, when that is too long for a socket
// address, a name derived from dir in the user's private runtime directory.
func socketPath(dir string) (string, error) {
	p := filepath.Join(dir, "instance.sock")
	if len(p) <= maxSocketPath {
		return p, nil
	}
	rt := os.Getenv("XDG_RUNTIME_DIR")
	if rt == "" || !filepath.IsAbs(rt) {
		return "", fmt.Errorf("socket path %s is longer than %d bytes and XDG_RUNTIME_DIR is not set", p, maxSocketPath)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(rt, "deskdial-"+hex.EncodeToString(sum[:8])+".sock"), nil
}

func listen(dir string) (net.Listener, string, error) {
	path, err := socketPath(dir)
	if err != nil {
		return nil, "", err
	}
	// We hold the lock, so a socket file here belongs to a process that
	// died without cleaning up.
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("remove stale socket: %w", err)
	}
	// Create the socket without group/other bits from the start instead of
	// chmod-ing it afterwards, so there is no moment where others may connect.
	old := syscall.Umask(0o077)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, "", err
	}
	return ln, "", nil
}

func dial(ctx context.Context, dir string) (net.Conn, string, error) {
	path, err := socketPath(dir)
	if err != nil {
		return nil, "", fmt.Errorf("instance: %w", err)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, "", ErrNotRunning
		}
		return nil, "", fmt.Errorf("instance: connect: %w", err)
	}
	return c, "", nil
}
