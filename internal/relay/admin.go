package relay

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/deskdial/deskdial/internal/device"
)

// RevokeDevice revokes dev in user's account: a device the store issued
// (see Revoke), else a phone by its login key, or by its name, deskdial
// ID or unique ID prefix in phones (the registry of the desktop it paired
// with; nil for none). Phones get their logins from their desktop while
// pairing, so the store knows them only by login key. It returns the
// account JWT to push and what was revoked (a phone found in phones named
// by its short ID).
func (s *Store) RevokeDevice(user, dev string, phones *device.Registry) (string, []Device, error) {
	tok, hit, err := s.Revoke(user, dev)
	if !errors.Is(err, ErrNoDevice) {
		return tok, hit, err
	}
	key, label, name := "", "", dev
	if strings.HasPrefix(dev, "U") && len(dev) == 56 {
		key = dev
	} else if p, ok := pairedPhone(phones, dev); ok {
		key, label, name = p.SignPub, p.Name, p.ID.Short()
	}
	if key == "" {
		return "", nil, fmt.Errorf("%w; a phone is revoked by its name or deskdial ID on the desktop it paired with, or anywhere by its login key (`sign_pub` in that desktop's peers.json)", err)
	}
	tok, err = s.RevokeKey(user, key, label)
	if err != nil {
		return "", nil, err
	}
	return tok, []Device{{Name: name, Label: label, Role: RolePhone, Nkey: key}}, nil
}

// pairedPhone finds a phone in reg by name, deskdial ID or unique ID
// prefix.
func pairedPhone(reg *device.Registry, q string) (device.Peer, bool) {
	if reg == nil {
		return device.Peer{}, false
	}
	p, err := reg.Find(q)
	if err != nil || p.Role != device.RolePhone || p.SignPub == "" {
		return device.Peer{}, false
	}
	return p, true
}

// PushAccounts sends every account to the servers at urls again and makes
// each user's calls bucket where it is missing (with replicas), returning
// how many accounts were pushed.
func (s *Store) PushAccounts(ctx context.Context, urls []string, replicas int) (int, error) {
	if err := s.PushAll(ctx, urls); err != nil {
		return 0, err
	}
	users := s.Users()
	for _, u := range users {
		// Making a bucket that exists with the same settings succeeds.
		if err := s.CreateBucket(ctx, urls, u.Name, replicas); err != nil {
			return 0, fmt.Errorf("user %s: %w", u.Name, err)
		}
	}
	return len(users), nil
}
