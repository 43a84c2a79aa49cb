package bus

import (
	"fmt"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerVersion is the version of the nats-server this build embeds.
func ServerVersion() string { return server.VERSION }

// StartConfigFile starts a nats-server from a configuration file (the
// shipped relay.conf of a self-hosted relay) with its client listener
// moved to host:port, and websocket and monitoring off: to measure the
// shipped configuration on one machine. Relative paths in the file are
// read from the working directory.
func StartConfigFile(path, host string, port int) (*Server, error) {
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		return nil, fmt.Errorf("bus: read %s: %w", path, err)
	}
	opts.Host, opts.Port = host, port
	opts.Websocket.Host, opts.Websocket.Port = host, -1
	opts.HTTPPort = 0
	opts.NoLog, opts.NoSigs = true, true
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("bus: start server: %w", err)
	}
	startErr := &startLog{failed: make(chan string, 1)}
	ns.SetLoggerV2(startErr, false, false, false)
	ns.Start()
	if err := waitReady(ns, startErr.failed, startWait); err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("bus: start server from %s: %w", path, err)
	}
	return &Server{ns: ns, opts: opts}, nil
}
