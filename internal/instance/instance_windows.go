//go:build windows

package instance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/windows"

	"github.com/deskdial/deskdial/internal/config"
)

// owner holds the locked file and the address file while this process owns
// the instance.
type owner struct {
	f    *os.File
	addr string
}

func lock(dir string) (*owner, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("instance: create %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "instance.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance: open lock: %w", err)
	}
	ol := new(windows.Overlapped)
	err = windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, ErrRunning
		}
		return nil, fmt.Errorf("instance: lock: %w", err)
	}
	return &owner{f: f, addr: addrFile(dir)}, nil
}

func (o *owner) release() {
	os.Remove(o.addr)
	ol := new(windows.Overlapped)
	_ = windows.UnlockFileEx(windows.Handle(o.f.Fd()), 0, 1, 0, ol)
	o.f.Close()
}

func addrFile(dir string) string { return filepath.Join(dir, "instance.addr") }

// endpoint is what the address file holds.
type endpoint struct {
	Addr  string `json:"addr"`
	Token string `json:"token"`
}

func listen(dir string) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		ln.Close()
		return nil, "", err
	}
	ep := endpoint{Addr: ln.Addr().String(), Token: hex.EncodeToString(b[:])}
	data, _ := json.Marshal(ep)
	if err := config.WriteFileAtomic(addrFile(dir), data, 0o600); err != nil {
		ln.Close()
		return nil, "", err
	}
	return ln, ep.Token, nil
}

func dial(ctx context.Context, dir string) (net.Conn, string, error) {
	// An owner that died left its address file behind, and its port may
	// since belong to another program: the lock, which Windows drops with
	// the process, says whether anyone owns the instance.
	if o, err := lock(dir); err == nil {
		o.f.Close() // closing the handle drops the lock; the file stays
		return nil, "", ErrNotRunning
	}
	data, err := os.ReadFile(addrFile(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", ErrNotRunning
	}
	if err != nil {
		return nil, "", fmt.Errorf("instance: read address: %w", err)
	}
	var ep endpoint
	if err := json.Unmarshal(data, &ep); err != nil {
		return nil, "", fmt.Errorf("instance: read address: %w", err)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", ep.Addr)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, windows.WSAECONNREFUSED) {
			return nil, "", ErrNotRunning
		}
		return nil, "", fmt.Errorf("instance: connect: %w", err)
	}
	return c, ep.Token, nil
}
