package trayhost

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// available asks the session bus at addr whether the watcher name has an
// owner.
func available(ctx context.Context, addr string) (bool, error) {
	if addr == "" {
		return false, ErrNoBus
	}
	conn, err := dbus.Dial(addr, dbus.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrNoBus, err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return false, fmt.Errorf("%w: %v", ErrNoBus, err)
	}
	if err := conn.Hello(); err != nil {
		return false, fmt.Errorf("%w: %v", ErrNoBus, err)
	}
	var has bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, WatcherName).Store(&has); err != nil {
		return false, fmt.Errorf("ask the session bus for %s: %w", WatcherName, err)
	}
	return has, nil
}
