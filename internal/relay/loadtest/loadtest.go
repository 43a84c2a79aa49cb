// Package loadtest drives a deskdial relay the way many users would: N phone
// agents (the real agent code), one connection each, and a desktop sending
// sealed dial requests at a fixed rate. It measures the dial round trip and
// checks that no dial is lost or dialled twice, and runs the same load as a
// bare request/reply for comparison. The relay benchmark and its small test
// use it.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/relay"
	"github.com/deskdial/deskdial/internal/relay/mint"
)

// Config describes one run.
type Config struct {
	URL          string           // the relay
	DesktopCreds string           // the desktop's .creds (from admin add-desktop)
	Desktop      *device.Identity // the desktop whose ID those creds name
	Phones       int              // phone agents, one connection each
	Rate         int              // dials per second
	Duration     time.Duration    // how long to send
	Timeout      time.Duration    // per dial, retry included (the desktop's default: 3 s)
	WorkDir      string           // for the phones' .creds files and shared registry
	ConnectPar   int              // connections opened at once; 0: 16
}

// Result is what one run measured.
type Result struct {
	Sent, Accepted, Offline, TimedOut, Failed int
	Lost                                      int // accepted by the desktop but never dialled
	Duplicated                                int // dialled more than once
	P50, P99                                  time.Duration
	Max                                       time.Duration
	Elapsed                                   time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("sent %d accepted %d offline %d timeout %d failed %d lost %d duplicated %d p50 %s p99 %s max %s",
		r.Sent, r.Accepted, r.Offline, r.TimedOut, r.Failed, r.Lost, r.Duplicated,
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
}

// memDialer counts what each phone was asked to dial. A log file per
// phone would be 10,000 files, and one shared file serialises every
// dial on an fsync; the agent in front of it is the real one.
type memDialer struct {
	mu   sync.Mutex
	seen map[string]int
}

func (d *memDialer) Name() string                              { return "memory" }
func (d *memDialer) Capabilities() dialer.Capabilities         { return dialer.Capabilities{PlacesCalls: true} }
func (d *memDialer) Check(context.Context) error               { return nil }
func (d *memDialer) Hangup(context.Context, dialer.Call) error { return dialer.ErrUnsupported }
func (d *memDialer) Dial(_ context.Context, req dialer.Request) (dialer.Call, error) {
	if time.Now().After(req.Expires) {
		return dialer.Call{}, errors.New("memory dial: request expired")
	}
	d.mu.Lock()
	d.seen[req.Number]++
	d.mu.Unlock()
	return dialer.Call{ID: req.ID}, nil
}
func (d *memDialer) Watch(context.Context, dialer.Call) (<-chan dialer.Event, error) {
	ch := make(chan dialer.Event, 1)
	ch <- dialer.Event{State: call.Ended, At: time.Now()}
	close(ch)
	return ch, nil
}

// Phones are N connected phone agents.
type Phones struct {
	ids    []*device.Identity
	creds  []string
	dialer *memDialer
	stop   context.CancelFunc
	wg     sync.WaitGroup
	conns  []*bus.Conn
	agents []*agent.Agent
	bare   []*bus.Conn
	// deskBox is the desktop's box, made once: the warm-up computes
	// every phone's shared key, and the measured dials use them.
	deskBoxOnce sync.Once
	deskBox     *protocol.Box
	// ConnectTime is how long connecting them all took, each with its
	// dial subject subscribed and flushed.
	ConnectTime time.Duration
	// WarmUpTime is how long the first request to every phone took
	// after that (each phone answered once).
	WarmUpTime time.Duration
}

func newIdentity() (*device.Identity, error) {
	u, err := nkeys.CreateUser()
	if err != nil {
		return nil, err
	}
	x, err := nkeys.CreateCurveKeys()
	if err != nil {
		return nil, err
	}
	us, _ := u.Seed()
	xs, _ := x.Seed()
	return device.FromSeeds(us, xs)
}

// makePhones issues every phone's credentials, as its desktop does while
// pairing, and writes them where nats.go reads them.
func makePhones(cfg Config) (*Phones, error) {
	m, err := mint.FromFile(cfg.DesktopCreds)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.WorkDir, "phones")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &Phones{dialer: &memDialer{seen: map[string]int{}}}
	for i := 0; i < cfg.Phones; i++ {
		id, err := newIdentity()
		if err != nil {
			return nil, err
		}
		tok, err := m.Phone(id.ID, id.SignPub)
		if err != nil {
			return nil, err
		}
		seed, _ := id.SignKP().Seed()
		b, err := mint.Creds(tok, seed)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, fmt.Sprintf("%05d.creds", i))
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, err
		}
		p.ids = append(p.ids, id)
		p.creds = append(p.creds, path)
	}
	return p, nil
}

// parallel runs fn(i) for i < n on par workers and returns the first error.
func parallel(n, par int, fn func(i int) error) error {
	if par <= 0 {
		par = 16
	}
	var (
		next  atomic.Int64
		first error
		mu    sync.Mutex
		wg    sync.WaitGroup
	)
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// StartAgents connects cfg.Phones phone agents, each on its own connection
// serving its own dial subject, paired with cfg.Desktop.
func StartAgents(ctx context.Context, cfg Config) (*Phones, error) {
	p, err := makePhones(cfg)
	if err != nil {
		return nil, err
	}
	regDir := filepath.Join(cfg.WorkDir, "registry")
	if err := os.MkdirAll(regDir, 0o700); err != nil {
		return nil, err
	}
	reg, err := device.OpenRegistry(regDir)
	if err != nil {
		return nil, err
	}
	d := cfg.Desktop
	if err := reg.Add(device.Peer{ID: d.ID, Name: "Bench desktop", Role: device.RoleDesktop, SignPub: d.SignPub,
		CurvePub: d.CurvePub, AddedAt: time.Now().UTC(), Server: cfg.URL}); err != nil {
		return nil, err
	}
	sctx, stop := context.WithCancel(ctx)
	p.stop = stop
	p.conns = make([]*bus.Conn, len(p.ids))
	p.agents = make([]*agent.Agent, len(p.ids))
	start := time.Now()
	err = parallel(len(p.ids), cfg.ConnectPar, func(i int) error {
		a, err := agent.New(agent.Config{Identity: p.ids[i], Registry: reg, Dialer: p.dialer, Name: "phone",
			Region: "DE", RatePerMinute: 1 << 30})
		if err != nil {
			return err
		}
		// A phone whose first attempt fails (a handshake that timed out
		// on a loaded machine) tries again, as a real one would.
		var conn *bus.Conn
		for try := 0; ; try++ {
			conn, err = bus.Connect(sctx, bus.URLs(cfg.URL), bus.Creds(p.creds[i]), bus.ConnectTimeout(10*time.Second),
				bus.Inbox(bus.InboxPrefix(p.ids[i].ID.String())), bus.Name("deskdial phone"))
			if err == nil {
				break
			}
			if try == 2 {
				return fmt.Errorf("phone %d: %w", i, err)
			}
		}
		p.conns[i], p.agents[i] = conn, a
		// Listen's subscription ends with sctx (Close).
		if _, err := a.Listen(sctx, conn); err != nil {
			return fmt.Errorf("phone %d: %w", i, err)
		}
		return conn.Flush(sctx)
	})
	p.ConnectTime = time.Since(start)
	if err != nil {
		p.Close()
		return nil, err
	}
	// Every phone answers once before measuring (the bare path does the
	// same).
	start = time.Now()
	if err := p.warmUp(ctx, cfg); err != nil {
		p.Close()
		return nil, err
	}
	p.WarmUpTime = time.Since(start)
	return p, nil
}

// warmUp sends every phone one sealed dial from the desktop until it is
// accepted, then forgets what was dialled.
func (p *Phones) warmUp(ctx context.Context, cfg Config) error {
	conn, err := bus.Connect(ctx, bus.URLs(cfg.URL), bus.Creds(cfg.DesktopCreds),
		bus.Inbox(bus.InboxPrefix(cfg.Desktop.ID.String())), bus.Name("deskdial desktop warm-up"))
	if err != nil {
		return err
	}
	defer conn.Close()
	box := desktopBox(cfg, p)
	deadline := time.Now().Add(2 * time.Minute)
	err = parallel(len(p.ids), cfg.ConnectPar, func(i int) error {
		ph := p.ids[i]
		for {
			req := protocol.NewDial(cfg.Desktop.ID, ph.ID, "+49301000000", call.ModeCall, time.Now(), 3*time.Second)
			sealed, err := box.Seal(protocol.KindDial, req, ph.CurvePub)
			if err != nil {
				return err
			}
			_, err = conn.RequestRetry(ctx, protocol.SubjectDial(relay.Prefix, ph.ID), sealed, 3*time.Second)
			if err == nil {
				return nil
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("phone %d never answered: %w", i, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	p.dialer.mu.Lock()
	p.dialer.seen = map[string]int{}
	p.dialer.mu.Unlock()
	return err
}

// Close disconnects every phone.
func (p *Phones) Close() {
	if p.stop != nil {
		p.stop()
	}
	// Closed connections first: stopping a service on a live connection
	// drains it, one phone at a time.
	for _, c := range p.conns {
		if c != nil {
			c.Close()
		}
	}
	p.wg.Wait()
	for _, a := range p.agents {
		if a != nil {
			_ = a.Close()
		}
	}
	for _, c := range p.bare {
		if c != nil {
			c.Close()
		}
	}
}

type tally struct {
	mu        sync.Mutex
	lat       []time.Duration
	res       Result
	acceptNum map[string]bool
}

func (t *tally) add(kind string, d time.Duration, num string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch kind {
	case "accepted":
		t.res.Accepted++
		t.lat = append(t.lat, d)
		if t.acceptNum != nil {
			t.acceptNum[num] = true
		}
	case "offline":
		t.res.Offline++
	case "timeout":
		t.res.TimedOut++
	default:
		t.res.Failed++
	}
}

func (t *tally) result() Result {
	sort.Slice(t.lat, func(i, j int) bool { return t.lat[i] < t.lat[j] })
	r := t.res
	if n := len(t.lat); n > 0 {
		r.P50 = t.lat[n/2]
		r.P99 = t.lat[min(n-1, n*99/100)]
		r.Max = t.lat[n-1]
	}
	return r
}

// pace calls fn(i) at rate per second for d, each in its own goroutine,
// and waits for them all.
func pace(ctx context.Context, rate int, d time.Duration, fn func(i int)) (int, time.Duration) {
	var wg sync.WaitGroup
	start := time.Now()
	total := int(d.Seconds() * float64(rate))
	interval := time.Second / time.Duration(rate)
	for i := 0; i < total && ctx.Err() == nil; i++ {
		// Catch up after a late wake-up rather than drift below the rate.
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			fn(i)
		}(i)
	}
	elapsed := time.Since(start)
	wg.Wait()
	return total, elapsed
}

// desktopBox is the bench desktop's box, one for the warm-up and the
// measured dials, as a desktop keeps one while it runs. The one desktop
// stands for the desktops of all the phones, each of which keeps its few
// phones' shared keys: it keeps every phone's, so the bench does not
// compute an X25519 key per dial that no real desktop computes.
func desktopBox(cfg Config, p *Phones) *protocol.Box {
	p.deskBoxOnce.Do(func() { p.deskBox = protocol.NewBox(cfg.Desktop, protocol.WithKeyCache(len(p.ids)+1)) })
	return p.deskBox
}

// Drive sends sealed dial requests from the desktop to random phones at
// cfg.Rate for cfg.Duration, each with the desktop's delivery rules (one
// retry with the same id), and checks every accepted dial was dialled
// exactly once.
func Drive(ctx context.Context, cfg Config, p *Phones) (Result, error) {
	conn, err := bus.Connect(ctx, bus.URLs(cfg.URL), bus.Creds(cfg.DesktopCreds),
		bus.Inbox(bus.InboxPrefix(cfg.Desktop.ID.String())), bus.Name("deskdial desktop"))
	if err != nil {
		return Result{}, err
	}
	defer conn.Close()
	box := desktopBox(cfg, p)
	t := &tally{acceptNum: map[string]bool{}}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	sent, elapsed := pace(ctx, cfg.Rate, cfg.Duration, func(i int) {
		ph := p.ids[rand.IntN(len(p.ids))]
		num := fmt.Sprintf("+49302%07d", i)
		start := time.Now()
		req := protocol.NewDial(cfg.Desktop.ID, ph.ID, num, call.ModeCall, start, timeout)
		sealed, err := box.Seal(protocol.KindDial, req, ph.CurvePub)
		if err != nil {
			t.add("failed", 0, num)
			return
		}
		raw, err := conn.RequestRetry(ctx, protocol.SubjectDial(relay.Prefix, ph.ID), sealed, timeout)
		switch {
		case errors.Is(err, bus.ErrOffline):
			t.add("offline", 0, num)
			return
		case errors.Is(err, bus.ErrTimeout):
			t.add("timeout", 0, num)
			return
		case err != nil:
			t.add("failed", 0, num)
			return
		}
		kind, sender, plain, err := box.Open(raw)
		if err != nil || kind != protocol.KindReply || sender != ph.CurvePub {
			t.add("failed", 0, num)
			return
		}
		rep, err := protocol.DecodeReply(plain)
		if err != nil || !rep.Accepted || rep.ID != req.ID {
			t.add("failed", 0, num)
			return
		}
		t.add("accepted", time.Since(start), num)
	})
	r := t.result()
	r.Sent, r.Elapsed = sent, elapsed
	p.dialer.mu.Lock()
	for num := range t.acceptNum {
		if p.dialer.seen[num] == 0 {
			r.Lost++
		}
	}
	for _, n := range p.dialer.seen {
		if n > 1 {
			r.Duplicated++
		}
	}
	p.dialer.mu.Unlock()
	return r, nil
}

// StartBare connects cfg.Phones plain nats.go responders with the phones'
// credentials, each answering its dial subject with a fixed reply the size
// of a sealed one: the same relay, load and permissions without deskdial.
func StartBare(ctx context.Context, cfg Config) (*Phones, error) {
	p, err := makePhones(cfg)
	if err != nil {
		return nil, err
	}
	p.bare = make([]*bus.Conn, len(p.ids))
	reply := make([]byte, 244)
	start := time.Now()
	err = parallel(len(p.ids), cfg.ConnectPar, func(i int) error {
		var (
			nc  *bus.Conn
			err error
		)
		for try := 0; ; try++ {
			nc, err = bus.Connect(ctx, bus.URLs(cfg.URL), bus.Creds(p.creds[i]), bus.ConnectTimeout(10*time.Second),
				bus.Inbox(bus.InboxPrefix(p.ids[i].ID.String())))
			if err == nil || try == 2 {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("bare phone %d: %w", i, err)
		}
		p.bare[i] = nc
		if _, err := nc.Subscribe(ctx, protocol.SubjectDial(relay.Prefix, p.ids[i].ID), func(m bus.Msg) { _ = m.Respond(reply) }); err != nil {
			return err
		}
		return nc.Flush(ctx)
	})
	p.ConnectTime = time.Since(start)
	if err != nil {
		p.Close()
		return nil, err
	}
	start = time.Now()
	if err := p.warmUpBare(ctx, cfg); err != nil {
		p.Close()
		return nil, err
	}
	p.WarmUpTime = time.Since(start)
	return p, nil
}

// warmUpBare sends every bare responder one request, as warmUp does.
func (p *Phones) warmUpBare(ctx context.Context, cfg Config) error {
	nc, err := bus.Connect(ctx, bus.URLs(cfg.URL), bus.Creds(cfg.DesktopCreds),
		bus.Inbox(bus.InboxPrefix(cfg.Desktop.ID.String())))
	if err != nil {
		return err
	}
	defer nc.Close()
	payload := make([]byte, 244)
	deadline := time.Now().Add(2 * time.Minute)
	return parallel(len(p.ids), cfg.ConnectPar, func(i int) error {
		for {
			_, err := nc.Request(ctx, protocol.SubjectDial(relay.Prefix, p.ids[i].ID), payload, 3*time.Second)
			if err == nil {
				return nil
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("bare phone %d never answered: %w", i, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// DriveBare is Drive for bare responders: 244-byte requests, plain
// request/reply with the same timeout, no sealing, no agent. It goes
// through bus like everything else (a thin layer over nats.go: no
// sealing, no retry), so the baseline measures the relay, not deskdial.
func DriveBare(ctx context.Context, cfg Config, p *Phones) (Result, error) {
	nc, err := bus.Connect(ctx, bus.URLs(cfg.URL), bus.Creds(cfg.DesktopCreds),
		bus.Inbox(bus.InboxPrefix(cfg.Desktop.ID.String())))
	if err != nil {
		return Result{}, err
	}
	defer nc.Close()
	payload := make([]byte, 244)
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	t := &tally{}
	sent, elapsed := pace(ctx, cfg.Rate, cfg.Duration, func(i int) {
		ph := p.ids[rand.IntN(len(p.ids))]
		start := time.Now()
		_, err := nc.Request(ctx, protocol.SubjectDial(relay.Prefix, ph.ID), payload, timeout)
		switch {
		case err == nil:
			t.add("accepted", time.Since(start), "")
		case errors.Is(err, bus.ErrOffline):
			t.add("offline", 0, "")
		case errors.Is(err, bus.ErrTimeout):
			t.add("timeout", 0, "")
		default:
			t.add("failed", 0, "")
		}
	})
	r := t.result()
	r.Sent, r.Elapsed = sent, elapsed
	return r, nil
}
