// Package rawconn hands the nats.go connection under a bus.Conn to the
// packages under internal/bus that speak NATS APIs bus does not wrap (the
// JetStream KV adapter), and to nothing else: Go's internal rule keeps it
// out of reach of the rest of the module, so bus.Conn need not export it.
package rawconn

import "github.com/nats-io/nats.go"

// Of returns the nats.go connection of a *bus.Conn. bus sets it when it
// is loaded (bus cannot be imported from here: it imports this package).
var Of func(conn any) *nats.Conn
