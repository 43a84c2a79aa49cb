// Package localphone runs, inside the desktop's own process, the phone agent
// for a phone this computer reaches itself: over Bluetooth hands-free (the
// hfp backend) or through KDE Connect / GSConnect (the kdeconnect backend).
//
// A local phone is a phone like any other: it has an identity and paired
// desktops of its own (in its own directory), pairs with this desktop
// through the ordinary offer, and serves the desktop's requests with the
// ordinary agent over the desktop's server, so every request goes through
// the same policy (premium, emergency and MMI rules, rate limit, expiry,
// replay) and lands in its audit log. Nothing here dials by itself.
//
// While the backend cannot reach the phone (Bluetooth disconnected, KDE
// Connect unreachable) the agent is off the server, so desktops show the
// phone offline at once; it comes back when the phone does.
package localphone

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/backends"
	"github.com/deskdial/deskdial/internal/dialer/hfp"
	"github.com/deskdial/deskdial/internal/dialer/kdeconnect"
	"github.com/deskdial/deskdial/internal/pairing"
)

// Kinds of local phones, as Settings → Phones groups them.
const (
	KindBluetooth  = "bluetooth"  // "Phones connected over Bluetooth"
	KindKDEConnect = "kdeconnect" // "Phones in KDE Connect"
)

// Found is one phone this computer reaches.
type Found struct {
	Kind    string // KindBluetooth or KindKDEConnect
	Backend string // the backend spec that reaches it: "hfp:Pixel 7", "kdeconnect:Pixel 7"
	Name    string // as the system reports it
	Via     string // the service, for users: "PipeWire telephony (...)", "KDE Connect"
	Places  bool   // it places calls (else it opens the phone's dialer)
	Ready   bool
	Why     string // why not Ready
}

// Scan lists the phones this computer reaches. problems says, for each kind
// that found none, why and what to do; both may be non-empty.
func Scan(ctx context.Context, opts backends.Options) (found []Found, problems []string) {
	bt := hfp.New(hfp.WithSystemBus(opts.BusAddress), hfp.WithSessionBus(opts.SessionBusAddress))
	defer bt.Close()
	phones, err := bt.Phones(ctx)
	seen := map[string]int{}
	for _, p := range phones {
		seen[strings.ToLower(p.Name)]++
	}
	for _, p := range phones {
		// Two phones of one name are told apart by their addresses.
		spec := "hfp:" + p.Name
		if seen[strings.ToLower(p.Name)] > 1 && p.Address != "" {
			spec = "hfp:" + p.Address
		}
		found = append(found, Found{Kind: KindBluetooth, Backend: spec, Name: p.Name, Via: p.Service,
			Places: true, Ready: p.Ready, Why: p.Why})
	}
	switch {
	case err != nil:
		problems = append(problems, "Bluetooth: "+userText(err))
	case len(phones) == 0:
		problems = append(problems, "Bluetooth: no phone is connected for calls: connect it in the desktop's Bluetooth settings")
	}
	kc := kdeconnect.New(kdeconnect.WithBusAddress(opts.SessionBusAddress))
	defer kc.Close()
	devs, err := kc.Devices(ctx)
	for _, d := range devs {
		found = append(found, Found{Kind: KindKDEConnect, Backend: "kdeconnect:" + d.Name, Name: d.Name, Via: d.Service,
			Ready: d.Ready(), Why: d.Why})
	}
	switch {
	case err != nil:
		problems = append(problems, "KDE Connect: "+userText(err))
	case len(devs) == 0:
		problems = append(problems, "KDE Connect: no device is paired: install KDE Connect on the phone and pair it with this computer")
	}
	return found, problems
}

// userText is err's message without the sentinel prefix a user need not read.
func userText(err error) string {
	return strings.TrimPrefix(err.Error(), dialer.ErrUnavailable.Error()+": ")
}

// ErrNotLocal means the backend is not one that reaches a phone from here.
var ErrNotLocal = errors.New("localphone: not a local phone backend")

// Config is one local phone.
type Config struct {
	// Dir keeps this phone's identity, paired desktops, audit log and
	// clock mark; one directory per local phone, apart from the desktop's.
	Dir     string
	Backend string // "hfp[:PHONE]" or "kdeconnect[:DEVICE]"
	Name    string // the name desktops show
	Options backends.Options

	// Offer returns a pairing offer of this desktop. It is called while
	// the local phone has no desktop yet; the pairing that follows is the
	// ordinary one.
	Offer func(ctx context.Context) (pairing.Offer, error)
	Creds string // for a hosted server
	// The agent's policy settings, as for `deskdial phone`.
	Region        string
	AllowMMI      bool
	RatePerMinute int
	Prefix        string
	Version       string

	Poll    time.Duration             // how often the phone's reach is checked; 0: 2 s
	OnEntry func(agent.Entry)         // told every decision, as the CLI prints them
	OnReach func(ok bool, why string) // told when the phone comes and goes
}

// Run keeps the local phone's agent on the desktop's server while the
// phone is reachable, until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	kind, _, _ := strings.Cut(cfg.Backend, ":")
	if kind != "hfp" && kind != "kdeconnect" {
		return fmt.Errorf("%w: %q", ErrNotLocal, cfg.Backend)
	}
	if err := device.ValidateName(cfg.Name); err != nil {
		return fmt.Errorf("local phone name: %w", err)
	}
	id, err := device.LoadOrCreate(cfg.Dir)
	if err != nil {
		return err
	}
	reg, err := device.OpenRegistry(cfg.Dir)
	if err != nil {
		return err
	}
	d, err := backends.Open(cfg.Backend, cfg.Options)
	if err != nil {
		return err
	}
	if c, ok := d.(interface{ Close() error }); ok {
		defer c.Close()
	}
	if !paired(reg) {
		if cfg.Offer == nil {
			return fmt.Errorf("local phone %s: not paired and no offer to pair with", cfg.Name)
		}
		o, err := cfg.Offer(ctx)
		if err != nil {
			return fmt.Errorf("local phone %s: pairing offer: %w", cfg.Name, err)
		}
		_, err = agent.Pair(ctx, o, id, reg, cfg.Name, agent.Caps{Backend: d.Name(), Capabilities: d.Capabilities()},
			agent.PairOptions{Creds: cfg.Creds, Prefix: cfg.Prefix, CredsDir: cfg.Dir})
		if err != nil {
			return fmt.Errorf("local phone %s: pair: %w", cfg.Name, err)
		}
	}
	a, err := agent.New(agent.Config{
		Identity: id, Registry: reg, RegistryDir: cfg.Dir, Dialer: d,
		Name: cfg.Name, Region: cfg.Region, AllowMMI: cfg.AllowMMI, RatePerMinute: cfg.RatePerMinute,
		Prefix: cfg.Prefix, AuditPath: filepath.Join(cfg.Dir, agent.AuditFile), Version: cfg.Version,
		OnEntry: cfg.OnEntry,
	})
	if err != nil {
		return err
	}
	defer a.Close()
	poll := cfg.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	var run *runner // nil while off the server
	defer func() {
		if run != nil {
			run.stop()
		}
	}()
	lastWhy, first := "", true
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if run != nil {
			select {
			case err := <-run.done:
				// The runner ended by itself: this desktop unpaired
				// the local phone, or the server refused it.
				run = nil
				if errors.Is(err, agent.ErrNotPaired) {
					return fmt.Errorf("local phone %s: %w", cfg.Name, err)
				}
			default:
			}
		}
		err := d.Check(ctx)
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case err == nil && run == nil:
			r := &agent.Runner{Agent: a, Identity: id, Registry: reg, Creds: cfg.Creds, CredsDir: cfg.Dir}
			run = start(ctx, r)
			if cfg.OnReach != nil {
				cfg.OnReach(true, "")
			}
			lastWhy = ""
		case err != nil && run != nil:
			// Leaving the server is what makes desktops show the phone
			// offline at once.
			run.stop()
			run = nil
			fallthrough
		case err != nil && (first || userText(err) != lastWhy):
			lastWhy = userText(err)
			if cfg.OnReach != nil {
				cfg.OnReach(false, lastWhy)
			}
		}
		first = false
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// runner is the agent's runner while it is on the server.
type runner struct {
	cancel context.CancelFunc
	done   chan error
}

func start(ctx context.Context, r *agent.Runner) *runner {
	rctx, cancel := context.WithCancel(ctx)
	run := &runner{cancel: cancel, done: make(chan error, 1)}
	go func() { run.done <- r.Run(rctx) }()
	return run
}

// stop takes the agent off the server and waits until it is.
func (r *runner) stop() {
	r.cancel()
	<-r.done
}

// dirName holds the local phones' directories in the desktop's config
// directory.
const dirName = "local-phones"

// DirFor is where the local phone reached by backend keeps its state,
// under the desktop's config directory: one directory per backend spec,
// named readably with a hash that keeps specs that read alike apart.
func DirFor(configDir, backend string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(backend) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 40 {
			break
		}
	}
	sum := sha256.Sum256([]byte(backend))
	return filepath.Join(configDir, dirName, strings.Trim(b.String(), "-")+"-"+hex.EncodeToString(sum[:4]))
}

func paired(reg *device.Registry) bool {
	for _, p := range reg.List() {
		if p.Role == device.RoleDesktop {
			return true
		}
	}
	return false
}
