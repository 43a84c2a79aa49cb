package dbusx

import (
	"context"

	"github.com/godbus/dbus/v5"
)

// HasOwner reports whether a program owns name on the bus: whether the
// service runs. An error asking counts as no.
func HasOwner(ctx context.Context, c *dbus.Conn, name string) bool {
	var has bool
	err := c.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
	return err == nil && has
}
