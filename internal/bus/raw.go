package bus

import (
	"github.com/deskdial/deskdial/internal/bus/internal/rawconn"
	"github.com/nats-io/nats.go"
)

// The packages under internal/bus (bus/jskv) reach the nats.go connection
// through rawconn; everything else goes through Conn's methods.
func init() {
	rawconn.Of = func(conn any) *nats.Conn { return conn.(*Conn).nc }
}
