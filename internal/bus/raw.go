package bus

import "github.com/nats-io/nats.go"

// NATS returns the underlying nats.go connection. It is for the packages
// under internal/bus (the JetStream KV adapter) that speak NATS APIs this
// package does not wrap; everything else goes through Conn's methods.
func (c *Conn) NATS() *nats.Conn { return c.nc }
