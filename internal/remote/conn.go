package remote

import "github.com/deskdial/deskdial/internal/bus"

// Conn is the client's connection, for parts that share it (history sync).
func (c *Client) Conn() *bus.Conn { return c.conn }

// Hosted reports whether the desktop uses a hosted server rather than its
// embedded one.
func (d *Desktop) Hosted() bool { return d.Server != "" }
