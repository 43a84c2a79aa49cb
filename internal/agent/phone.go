package agent

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/supervise"
)

// Sentinel errors of the phone side.
var (
	// ErrPairRefused means the desktop refused the pairing request.
	ErrPairRefused = errors.New("agent: pairing refused by the desktop")
	// ErrNotPaired means the phone has no desktop to serve.
	ErrNotPaired = errors.New("agent: not paired with any desktop")
	// ErrPairConflict means an offer names a desktop this phone already
	// trusts, or uses the key of one, with keys that differ from the ones
	// stored: the offer is forged or belongs to another device.
	ErrPairConflict = errors.New("agent: offer conflicts with a paired desktop")
)

// Caps is what a phone tells the desktop about itself when pairing.
type Caps struct {
	Backend string `json:"backend"`
	dialer.Capabilities
}

// PairOptions are the optional parts of Pair.
type PairOptions struct {
	Creds  string // .creds file for a hosted server
	CA     string // PEM file of the authority that signed a hosted server's certificate ("": the system's)
	Prefix string // subject prefix; "": "deskdial"
	// CredsDir keeps the relay credentials a desktop issues while pairing
	// on a hosted relay (RelayCredsPath); the phone's config directory.
	CredsDir string
}

// Pair answers a desktop's offer: it logs in with the pairing-only user
// (or the hosted credentials), sends its keys sealed to the desktop with a
// proof that it knows the offer's secret, checks the desktop's proof in
// the answer and stores the desktop.
func Pair(ctx context.Context, o pairing.Offer, id *device.Identity, reg *device.Registry, name string, caps Caps, po PairOptions) (device.Peer, error) {
	if err := o.CheckExpiry(time.Now()); err != nil {
		return device.Peer{}, fmt.Errorf("pair: %w", err)
	}
	if err := checkOfferKeys(o, reg); err != nil {
		return device.Peer{}, err
	}
	prefix := po.Prefix
	if prefix == "" {
		prefix = "deskdial"
	}
	join, err := pairing.MakeJoin(o, id, name, caps)
	if err != nil {
		return device.Peer{}, fmt.Errorf("pair: %w", err)
	}
	box := protocol.NewBox(id)
	sealed, err := box.Seal(protocol.KindPairJoin, join, o.CurvePub)
	if err != nil {
		return device.Peer{}, fmt.Errorf("pair: seal: %w", err)
	}
	opts := []bus.Option{bus.URLs(o.Servers...), bus.Name("deskdial pairing"), bus.ConnectTimeout(5 * time.Second)}
	if o.CertFP != "" {
		opts = append(opts, bus.PinCert(o.CertFP), bus.UserPass(bus.PairUser, o.DesktopID.String()), bus.Inbox(bus.PairInboxPrefix))
	} else if o.Login != "" {
		// A hosted relay's pairing login from the offer: it can reach only
		// this desktop's pairing subject.
		login, done, err := pairingLogin(o, po.CredsDir)
		if err != nil {
			return device.Peer{}, err
		}
		defer done()
		opts = append(opts, bus.Creds(login), bus.Inbox(bus.PairInboxPrefix))
	} else {
		opts = append(opts, bus.Inbox(bus.InboxPrefix(id.ID.String())))
		if po.Creds != "" {
			opts = append(opts, bus.Creds(po.Creds))
		}
	}
	if o.CertFP == "" && po.CA != "" {
		opts = append(opts, bus.RootCA(po.CA))
	}
	conn, err := connectPairing(ctx, o.CertFP != "", opts)
	if err != nil {
		return device.Peer{}, fmt.Errorf("pair: reach %s: %w", o.Name, err)
	}
	defer conn.Close()
	raw, err := conn.RequestRetry(ctx, protocol.SubjectPair(prefix, o.DesktopID), sealed, 6*time.Second)
	if err != nil {
		if errors.Is(err, bus.ErrOffline) {
			return device.Peer{}, fmt.Errorf("pair: %s is not waiting for a phone (is `deskdial pair` or the pairing window still open?): %w", o.Name, err)
		}
		return device.Peer{}, fmt.Errorf("pair: %w", err)
	}
	kind, sender, plain, err := box.Open(raw)
	if err != nil || sender != o.CurvePub {
		return device.Peer{}, fmt.Errorf("pair: %w: the answer was not sealed by %s", ErrPairRefused, o.Name)
	}
	switch kind {
	case protocol.KindReply:
		rep, err := protocol.DecodeReply(plain)
		if err != nil {
			return device.Peer{}, fmt.Errorf("pair: %w: unreadable answer", ErrPairRefused)
		}
		return device.Peer{}, fmt.Errorf("pair: %w: %s", ErrPairRefused, rep.Reason)
	case protocol.KindPairAccept:
	default:
		return device.Peer{}, fmt.Errorf("pair: %w: unexpected answer %s", ErrPairRefused, kind)
	}
	acc, err := pairing.DecodeAccept(plain)
	if err != nil {
		return device.Peer{}, fmt.Errorf("pair: %w", err)
	}
	if err := pairing.VerifyAccept(o, acc); err != nil {
		return device.Peer{}, fmt.Errorf("pair: %w", err)
	}
	if acc.Creds != "" {
		if err := keepRelayCreds(id, o.DesktopID, acc.Creds, po.CredsDir); err != nil {
			return device.Peer{}, err
		}
	}
	peer := o.Peer(time.Now())
	peer.Pairing = o.OfferID() // the desktop stores the same
	// Keep every address of the offer, the one that worked first.
	servers := []string{}
	if acc.Server != "" {
		servers = append(servers, acc.Server)
	}
	if u := conn.ConnectedURL(); u != "" {
		for _, s := range o.Servers {
			if sameHost(s, u) {
				servers = append(servers, s)
			}
		}
	}
	servers = append(servers, o.Servers...)
	peer.Server = strings.Join(dedupe(servers), ",")
	if err := reg.Add(peer); err != nil {
		return device.Peer{}, fmt.Errorf("pair: store %s: %w", o.Name, err)
	}
	return peer, nil
}

// checkOfferKeys refuses an offer that would change the keys of a desktop
// this phone already trusts. The offer proves the secret, not the desktop's
// signing key: its ID and signing key are public, so anyone can put them
// next to their own curve key. Pairing again with the same desktop brings
// the same keys (they never change), so a difference means a forged offer.
func checkOfferKeys(o pairing.Offer, reg *device.Registry) error {
	if p, ok := reg.Get(o.DesktopID); ok && (p.CurvePub != o.CurvePub || p.SignPub != o.SignPub) {
		return fmt.Errorf("pair: %w: the offer names %s (%s) with keys that differ from the paired ones; if that desktop really was reset, unpair it first",
			ErrPairConflict, p.Name, p.ID.Short())
	}
	if p, ok := reg.ByCurveKey(o.CurvePub); ok && p.ID != o.DesktopID {
		return fmt.Errorf("pair: %w: the offer uses the key of %s (%s) under another ID", ErrPairConflict, p.Name, p.ID.Short())
	}
	return nil
}

func sameHost(a, b string) bool {
	strip := func(s string) string {
		if i := strings.Index(s, "://"); i >= 0 {
			s = s[i+3:]
		}
		if i := strings.LastIndexByte(s, '@'); i >= 0 {
			s = s[i+1:]
		}
		return s
	}
	return strip(a) == strip(b)
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Runner keeps the agent connected to the server of every paired desktop,
// following pairings and unpairings made while it runs.
type Runner struct {
	Agent    *Agent
	Identity *device.Identity
	Registry *device.Registry
	Creds    string                               // for hosted servers
	CA       string                               // PEM file of the authority that signed hosted servers' certificates ("": the system's)
	CredsDir string                               // relay credentials issued while pairing (RelayCredsPath); preferred over Creds
	OnState  func(desktop string, connected bool) // optional
	Poll     time.Duration                        // how often to look for registry changes; 0: 1 s
}

type link struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Run serves until ctx ends. It fails at once if no desktop is paired.
func (r *Runner) Run(ctx context.Context) error {
	poll := r.Poll
	if poll <= 0 {
		poll = time.Second
	}
	links := map[string]*link{}
	var wg sync.WaitGroup
	defer func() {
		for _, l := range links {
			l.cancel()
		}
		wg.Wait()
	}()
	t := time.NewTicker(poll)
	defer t.Stop()
	first := true
	for {
		if err := r.Registry.Reload(); err != nil {
			// Without the list of paired desktops the agent cannot tell
			// which servers to serve on: at start that is an error; later
			// it keeps the links it has (the agent refuses every request
			// meanwhile) and says so.
			if first {
				return fmt.Errorf("agent: read paired desktops: %w", err)
			}
			if r.OnState != nil {
				r.OnState("paired desktops unreadable: "+err.Error(), false)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			continue
		}
		want := map[string][]device.Peer{}
		for _, p := range r.Registry.List() {
			if p.Role == device.RoleDesktop && p.Server != "" {
				k := p.Server + "|" + p.CertFP
				want[k] = append(want[k], p)
			}
		}
		if first && len(want) == 0 {
			return fmt.Errorf("%w: pair first with `deskdial phone --pair OFFER`", ErrNotPaired)
		}
		first = false
		for k, l := range links {
			if _, ok := want[k]; !ok {
				l.cancel() // unpaired: leave that server at once
				<-l.done
				delete(links, k)
			}
		}
		keys := make([]string, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if links[k] != nil {
				continue
			}
			lctx, cancel := context.WithCancel(ctx)
			l := &link{cancel: cancel, done: make(chan struct{})}
			links[k] = l
			wg.Add(1)
			go func(peers []device.Peer) {
				defer wg.Done()
				defer close(l.done)
				// A link whose connection cannot be made, or whose serving
				// ends, is made again, backing off: a mistyped server, a
				// creds file not there yet or a server restarting are
				// all passing.
				supervise.Retry(lctx, linkRetryMin, linkRetryMax, func(ctx context.Context) error {
					return r.serveOne(ctx, peers)
				}, func(err error) {
					if r.OnState != nil {
						r.OnState(linkLabel(peers)+": "+err.Error(), false)
					}
				})
			}(want[k])
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Backoff for remaking a link to a desktop's server.
const (
	linkRetryMin = time.Second
	linkRetryMax = time.Minute
)

func linkLabel(peers []device.Peer) string {
	names := make([]string, 0, len(peers))
	for _, q := range peers {
		names = append(names, q.Name)
	}
	return strings.Join(names, ", ")
}

// serveOne makes one connection to a desktop's server and serves on it
// until ctx ends or serving fails.
func (r *Runner) serveOne(ctx context.Context, peers []device.Peer) error {
	p := peers[0]
	label := linkLabel(peers)
	opts := []bus.Option{
		bus.URLs(strings.Split(p.Server, ",")...), bus.KeepTrying(),
		bus.Inbox(bus.InboxPrefix(r.Identity.ID.String())),
		bus.Name("deskdial phone " + r.Agent.cfg.Name),
	}
	if p.CertFP != "" {
		opts = append(opts, bus.PinCert(p.CertFP), bus.Nkey(r.Identity))
	} else if f := relayCreds(r.CredsDir, p.ID); f != "" {
		opts = append(opts, bus.Creds(f))
	} else if r.Creds != "" {
		opts = append(opts, bus.Creds(r.Creds))
	}
	if p.CertFP == "" && r.CA != "" {
		opts = append(opts, bus.RootCA(r.CA))
	}
	// Every (re)connection is announced to the desktops, once the dial
	// subject is listened on: nats.go sends the subscriptions again before
	// it reports the connection up, and the first one is made below
	// before the first announcement.
	ups := make(chan struct{}, 1)
	opts = append(opts, bus.OnState(func(up bool) {
		if r.OnState != nil {
			r.OnState(label, up)
		}
		if up {
			select {
			case ups <- struct{}{}:
			default:
			}
		}
	}))
	// A login the server refuses (this phone revoked or unpaired there)
	// ends serving with that reason, so it is said, and the link is made
	// again only with the runner's backoff, not in nats.go's silent loop.
	sctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	opts = append(opts, bus.OnRefused(func(err error) { stop(err) }))
	conn, err := bus.Connect(sctx, opts...)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", p.Server, err)
	}
	defer conn.Close()
	err = r.serveAnnounced(ctx, sctx, conn, p, ups)
	if why := context.Cause(sctx); ctx.Err() == nil && errors.Is(why, bus.ErrLoginRefused) {
		return fmt.Errorf("%s: %w", p.Server, why)
	}
	return err
}

// serveAnnounced is Agent.Serve on conn that also announces: "online" to
// the desktops on p's server each time the connection comes up, and,
// when ctx (the runner's, not only the link's sctx, which also ends when
// the server refuses the login) ends, "offline" after leaving the dial
// subject.
func (r *Runner) serveAnnounced(ctx, sctx context.Context, conn *bus.Conn, p device.Peer, ups <-chan struct{}) error {
	sub, err := r.Agent.Listen(sctx, conn)
	if err != nil {
		return err
	}
	for {
		select {
		case <-sctx.Done():
			err := sub.Stop()
			if ctx.Err() != nil && conn.Connected() {
				r.leave(conn, p)
			}
			return err
		case <-ups:
			r.announce(conn, p, true)
		}
	}
}

// UnpairedNotice is the notice NotifyUnpaired sends desk: a sealed
// protocol.Reply with code protocol.CodeUnpaired on the desktop's status
// subject whose id is the pairing it ends (device.Peer.Pairing;
// protocol.UnknownID for a pairing made before pairings had ids). It is sealed by
// this phone's key, so nobody else can make one, and it names the pairing
// it ends, so a copy kept by the relay cannot end a later pairing.
func UnpairedNotice(id *device.Identity, desk device.Peer) ([]byte, error) {
	pairing := desk.Pairing
	if pairing == "" {
		pairing = protocol.UnknownID
	}
	b, err := protocol.NewBox(id).Seal(protocol.KindReply, protocol.Refuse(pairing, protocol.CodeUnpaired, "the phone was unpaired from this desktop"), desk.CurvePub)
	if err != nil {
		return nil, fmt.Errorf("seal the unpaired notice: %w", err)
	}
	return b, nil
}

// NotifyUnpaired tells a desktop that this phone forgot it, so the desktop
// forgets the phone too and closes its server login. The notice is sealed
// by the phone, so nobody else can unpair it. Best effort: a desktop that
// is not running learns it from the next refused call. ca trusts a hosted
// server's private certificate authority ("": the system's).
func NotifyUnpaired(ctx context.Context, id *device.Identity, desk device.Peer, creds, ca, prefix string) error {
	if prefix == "" {
		prefix = "deskdial"
	}
	opts := []bus.Option{bus.URLs(strings.Split(desk.Server, ",")...), bus.Inbox(bus.InboxPrefix(id.ID.String())),
		bus.ConnectTimeout(3 * time.Second), bus.Name("deskdial unpair")}
	if desk.CertFP != "" {
		opts = append(opts, bus.PinCert(desk.CertFP), bus.Nkey(id))
	} else {
		if creds != "" {
			opts = append(opts, bus.Creds(creds))
		}
		if ca != "" {
			opts = append(opts, bus.RootCA(ca))
		}
	}
	conn, err := bus.Connect(ctx, opts...)
	if err != nil {
		return fmt.Errorf("tell %s: %w", desk.Name, err)
	}
	defer conn.Close()
	b, err := UnpairedNotice(id, desk)
	if err != nil {
		return fmt.Errorf("tell %s: %w", desk.Name, err)
	}
	if err := conn.Publish(protocol.SubjectStatus(prefix, desk.ID), b); err != nil {
		return fmt.Errorf("tell %s: %w", desk.Name, err)
	}
	return conn.Flush(ctx)
}

// connectPairing connects for pairing. On a desktop's embedded server
// (embedded) a refused login is tried again a few times: while the
// server reloads who may log in (another phone just paired, or was
// unpaired) it closes every connection that has not finished logging in,
// the pairing login among them, with the same error a wrong login gets.
func connectPairing(ctx context.Context, embedded bool, opts []bus.Option) (*bus.Conn, error) {
	const tries = 4
	for i := 1; ; i++ {
		conn, err := bus.Connect(ctx, opts...)
		if err == nil || !embedded || i == tries || !errors.Is(err, bus.ErrLoginRefused) {
			return conn, err
		}
		select {
		case <-time.After(time.Duration(i) * 250 * time.Millisecond):
		case <-ctx.Done():
			return nil, err
		}
	}
}
