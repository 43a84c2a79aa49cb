package remote

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/protocol"
)

// memDialer is a dialer backend that keeps numbers in memory. The round
// trip below measures deskdial's own cost (sealing, policy, audit log,
// opening); a real backend's time to reach the modem is not ours, and the
// log backend's fsync would hide everything else.
type memDialer struct {
	mu  sync.Mutex
	got []string
}

func (d *memDialer) Name() string                              { return "mem" }
func (d *memDialer) Capabilities() dialer.Capabilities         { return dialer.Capabilities{PlacesCalls: true} }
func (d *memDialer) Check(context.Context) error               { return nil }
func (d *memDialer) Hangup(context.Context, dialer.Call) error { return dialer.ErrUnsupported }
func (d *memDialer) Dial(_ context.Context, r dialer.Request) (dialer.Call, error) {
	d.mu.Lock()
	d.got = append(d.got, r.Number)
	d.mu.Unlock()
	return dialer.Call{ID: r.ID}, nil
}
func (d *memDialer) Watch(context.Context, dialer.Call) (<-chan dialer.Event, error) {
	ch := make(chan dialer.Event, 1)
	ch <- dialer.Event{State: call.Ended, At: time.Now()}
	close(ch)
	return ch, nil
}

// TestBenchDialRoundTrip reports the dial round trip (request sealed ->
// phone accepted, reply opened) next to a bare request/reply over the same
// two connections on the same server, in the same run: through the
// embedded server (desktop in-process, phone over TLS on loopback) and
// through an external nats-server. It prints percentiles and asserts no
// timings. Run it with:
//
//	go test -run TestBenchDialRoundTrip -v ./internal/remote
func TestBenchDialRoundTrip(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	t.Run("embedded", func(t *testing.T) { benchRoundTrip(t, "", n) })
	t.Run("external", func(t *testing.T) { benchRoundTrip(t, externalNATS(t), n) })
}

// roundTrip is a paired desktop and phone agent on one server, with the
// two requests the benchmarks compare.
type roundTrip struct {
	dial     func() (time.Duration, error) // a fresh dial request, handled by the agent
	bare     func() (time.Duration, error) // a bare request/reply on the same subject
	reqSize  int
	where    string
	received func() int // dials the backend got
}

// newRoundTrip sets up the dial round trip and its bare anchor: through the
// embedded server (server "") or the external one at server.
func newRoundTrip(t testing.TB, server string) *roundTrip {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := newDesktop(t, server)
	c, err := Open(ctx, d, StartService())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	phome := t.TempDir()
	pid, _ := device.LoadOrCreate(phome)
	preg, _ := device.OpenRegistry(phome)
	o, err := c.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Pair(ctx, o, pid, preg, "Pixel", agent.Caps{Backend: "mem"}, agent.PairOptions{}); err != nil {
		t.Fatal(err)
	}
	md := &memDialer{}
	a, err := agent.New(agent.Config{Identity: pid, Registry: preg, RegistryDir: phome, Dialer: md, Name: "Pixel",
		Region: "DE", RatePerMinute: 1 << 30, AuditPath: filepath.Join(phome, agent.AuditFile)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	// The phone's connection, made the way the agent makes it.
	peerDesk := preg.List()[0]
	popts := []bus.Option{bus.Inbox(bus.InboxPrefix(pid.ID.String()))}
	if peerDesk.CertFP != "" {
		urls, _ := c.Service().Servers()
		popts = append(popts, bus.URLs(urls...), bus.PinCert(peerDesk.CertFP), bus.Nkey(pid))
	} else {
		popts = append(popts, bus.URLs(server))
	}
	pconn, err := bus.Connect(ctx, popts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pconn.Close)
	peer, _ := d.Registry.Get(pid.ID)

	// One responder on the phone's dial subject serves both measurements:
	// bare, it answers at once with bytes the size of a sealed reply; else
	// the agent handles the request as Serve does (HandleMsg: the reply
	// goes out before the status message). Everything else is the same:
	// the connections, the subject, the server, the request size.
	var bare sync.Map // request bytes -> true while measuring bare
	replyRef, _ := protocol.NewBox(pid).Seal(protocol.KindReply, protocol.Accept(protocol.NewMsgID(), "+49301234567"), peer.CurvePub)
	bareReply := make([]byte, len(replyRef))
	if _, err := pconn.Subscribe(ctx, protocol.SubjectDial(d.prefix(), pid.ID), func(m bus.Msg) {
		if _, ok := bare.Load(string(m.Data)); ok {
			_ = m.Respond(bareReply)
			return
		}
		a.HandleMsg(ctx, m.Data, pconn, m.Respond)
	}); err != nil {
		t.Fatal(err)
	}
	if err := pconn.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	seq := 0
	newReq := func() protocol.DialRequest {
		// A different number each time, as users dial: nothing on the
		// way can answer from a cache.
		seq++
		return protocol.NewDial(d.Identity.ID, pid.ID, fmt.Sprintf("+4930123%04d", seq%10000), call.ModeCall, time.Now(), 30*time.Second)
	}
	sample, _ := c.box.Seal(protocol.KindDial, newReq(), peer.CurvePub)
	bareReq := append([]byte(nil), sample...)
	bareReq[len(bareReq)-1] ^= 1 // not a valid box: only ever answered bare
	bare.Store(string(bareReq), true)
	subj := protocol.SubjectDial(d.prefix(), pid.ID)

	dial := func() (time.Duration, error) {
		req := newReq()
		t0 := time.Now()
		h, err := c.SendDial(ctx, peer, req, 3*time.Second)
		el := time.Since(t0)
		if err != nil {
			return 0, err
		}
		h.Close()
		return el, nil
	}
	bareOnce := func() (time.Duration, error) {
		t0 := time.Now()
		_, err := c.conn.Request(ctx, subj, bareReq, 3*time.Second)
		return time.Since(t0), err
	}
	where := "embedded server (desktop in-process, phone TLS loopback)"
	if server != "" {
		where = "external nats-server " + serverVersion() + " (both over TCP loopback)"
	}
	return &roundTrip{dial: dial, bare: bareOnce, reqSize: len(sample), where: where, received: func() int {
		md.mu.Lock()
		defer md.mu.Unlock()
		return len(md.got)
	}}
}

func benchRoundTrip(t *testing.T, server string, n int) {
	rt := newRoundTrip(t, server)
	dial, bareOnce := rt.dial, rt.bare
	// Warm up both paths (TLS, shared keys, subscriptions).
	for i := 0; i < 200; i++ {
		if _, err := dial(); err != nil {
			t.Fatal(err)
		}
		if _, err := bareOnce(); err != nil {
			t.Fatal(err)
		}
	}
	// Alternate in blocks so drift on a shared machine hits both alike.
	var bd, dd []time.Duration
	const block = 100
	for len(dd) < n {
		for i := 0; i < block; i++ {
			el, err := bareOnce()
			if err != nil {
				t.Fatal(err)
			}
			bd = append(bd, el)
		}
		for i := 0; i < block; i++ {
			el, err := dial()
			if err != nil {
				t.Fatal(err)
			}
			dd = append(dd, el)
		}
	}
	where := rt.where
	bp50, bp99 := percentile(bd, .50), percentile(bd, .99)
	dp50, dp99 := percentile(dd, .50), percentile(dd, .99)
	t.Logf("%s, n=%d each, request %d B", where, len(dd), rt.reqSize)
	t.Logf("| %s | bare request/reply | %d | %d |", where, bp50.Microseconds(), bp99.Microseconds())
	t.Logf("| %s | dial round trip | %d | %d |", where, dp50.Microseconds(), dp99.Microseconds())
	t.Logf("overhead at p50: %d µs (ratio %.2f); at p99: %d µs (ratio %.2f)",
		(dp50 - bp50).Microseconds(), float64(dp50)/float64(bp50), (dp99 - bp99).Microseconds(), float64(dp99)/float64(bp99))
	if got := rt.received(); got < n {
		t.Fatalf("the backend got %d dials, want %d", got, n)
	}
}

func serverVersion() string {
	out, err := exec.Command("nats-server", "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "nats-server: "))
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(p*float64(len(s)-1))]
}

// BenchmarkDialRoundTrip measures what a dial costs in CPU time, which a
// loaded machine disturbs less than latency: the dial round trip and a bare
// request/reply on the same connections (as TestBenchDialRoundTrip), through
// the embedded and an external server. Besides ns/op (wall time per round
// trip) it reports this process's CPU time per round trip (desktop and
// phone, both in this process) and, for the external server, the server
// process's:
//
//	go test -run '^$' -bench DialRoundTrip -benchmem ./internal/remote
func BenchmarkDialRoundTrip(b *testing.B) {
	for _, where := range []string{"embedded", "external"} {
		b.Run(where, func(b *testing.B) {
			server, pid := "", 0
			if where == "external" {
				server, pid = externalNATSProc(b)
			}
			rt := newRoundTrip(b, server)
			for i := 0; i < 200; i++ { // warm up (TLS, shared keys)
				if _, err := rt.dial(); err != nil {
					b.Fatal(err)
				}
				if _, err := rt.bare(); err != nil {
					b.Fatal(err)
				}
			}
			for _, path := range []struct {
				name string
				fn   func() (time.Duration, error)
			}{{"bare", rt.bare}, {"dial", rt.dial}} {
				b.Run(path.name, func(b *testing.B) {
					c0, cok := cpuTime()
					s0, sok := procCPUTime(pid)
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if _, err := path.fn(); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					if c1, ok := cpuTime(); ok && cok {
						b.ReportMetric(float64((c1-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
					}
					if s1, ok := procCPUTime(pid); ok && sok && pid != 0 {
						b.ReportMetric(float64((s1-s0).Nanoseconds())/float64(b.N), "server-cpu-ns/op")
					}
				})
			}
		})
	}
}
