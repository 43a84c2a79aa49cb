package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/protocol"
)

// announceFlush bounds the wait for the "offline" announcements to leave
// when the agent stops: a stop must not hang on a server that went away.
const announceFlush = 2 * time.Second

// Announce tells desk that this phone came online (it listens on its dial
// subject now) or is leaving: a protocol.Announce sealed to the desktop on
// its status subject (docs/protocol.md section 6). Sealed by this phone's
// key and bound to the desktop and a 30 s window, so nobody else can make
// one and a copy kept by the relay is soon worthless.
func (a *Agent) Announce(pub Publisher, desk device.Peer, online bool) error {
	state := protocol.AnnounceOffline
	if online {
		state = protocol.AnnounceOnline
	}
	b, err := a.box.Seal(protocol.KindAnnounce, protocol.NewAnnounce(a.cfg.Identity.ID, desk.ID, state, a.now()), desk.CurvePub)
	if err != nil {
		return fmt.Errorf("agent: announce to %s: %w", desk.Name, err)
	}
	if err := pub.Publish(protocol.SubjectStatus(a.cfg.Prefix, desk.ID), b); err != nil {
		return fmt.Errorf("agent: announce to %s: %w", desk.Name, err)
	}
	return nil
}

// desktopsOn are the paired desktops served over the server of p (same
// addresses and pinned certificate): the ones a link to that server
// announces to. Read at each announcement, so a desktop paired on the same
// server while the link runs is told too.
func (r *Runner) desktopsOn(p device.Peer) []device.Peer {
	var out []device.Peer
	for _, q := range r.Registry.List() {
		if q.Role == device.RoleDesktop && q.Server == p.Server && q.CertFP == p.CertFP {
			out = append(out, q)
		}
	}
	return out
}

// announce tells every desktop on p's server; best effort: a desktop that
// misses it finds the phone at its next listing.
func (r *Runner) announce(conn Publisher, p device.Peer, online bool) {
	for _, q := range r.desktopsOn(p) {
		_ = r.Agent.Announce(conn, q, online)
	}
}

// flusher is a *bus.Conn: what leaving cleanly needs of the connection.
type flusher interface {
	Publisher
	Flush(ctx context.Context) error
}

// leave announces "offline" to p's desktops and waits (briefly) until the
// server has the announcements. The caller has stopped listening on the
// dial subject first, so a desktop that lists its phones on the cue finds
// this one gone.
func (r *Runner) leave(conn flusher, p device.Peer) {
	r.announce(conn, p, false)
	ctx, cancel := context.WithTimeout(context.Background(), announceFlush)
	defer cancel()
	_ = conn.Flush(ctx)
}
