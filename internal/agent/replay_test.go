package agent

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer/logdial"
	"github.com/deskdial/deskdial/internal/protocol"
)

// testClock is a phone's two clocks, moved by the test: the wall clock can
// be set to anything (NTP, the network's time, a spoofed time source), the
// monotonic one only goes forward with real time.
type testClock struct {
	mu   sync.Mutex
	wall time.Time
	mono time.Duration
}

func (c *testClock) Wall() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall
}

func (c *testClock) Mono() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mono
}

// pass lets real time go by: both clocks move.
func (c *testClock) pass(d time.Duration) {
	c.mu.Lock()
	c.wall, c.mono = c.wall.Add(d), c.mono+d
	c.mu.Unlock()
}

// set steps the wall clock only.
func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	c.wall = t
	c.mu.Unlock()
}

// startAt runs an agent process for the phone whose clocks are c.
func (s *phoneSetup) startAt(t *testing.T, c *testClock) *Agent {
	t.Helper()
	a, err := New(Config{Identity: s.phone, Registry: s.reg, RegistryDir: filepath.Join(s.dir, "phone"),
		Dialer: logdial.New(s.dialLog), Region: "DE", AuditPath: s.audit}, WithClocks(c.Wall, c.Mono))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func (s *phoneSetup) sealDial(t *testing.T, target string, issued time.Time, ttl time.Duration) []byte {
	t.Helper()
	req := protocol.NewDial(s.desk.ID, s.phone.ID, target, call.ModeCall, issued, ttl)
	b, err := protocol.NewBox(s.desk).Seal(protocol.KindDial, req, s.phone.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (s *phoneSetup) count(t *testing.T, number string) int {
	t.Helper()
	n := 0
	for _, d := range s.dialled(t) {
		if d == number {
			n++
		}
	}
	return n
}

// A request captured on the relay is replayed long after it was dialled,
// once the phone's wall clock has been set back into the request's window
// (an NTP or NITZ step, a spoofed time source). It must not dial again:
// neither in the running agent, whose memory of the id could have lapsed
// with real time, nor after a restart.
func TestReplayAfterClockSetBackIsRefused(t *testing.T) {
	s := newPhoneSetup(t)
	t0 := time.Now().Truncate(time.Second)
	c := &testClock{wall: t0}
	ctx := context.Background()
	a := s.startAt(t, c)

	captured := s.sealDial(t, "+49 30 1111111", t0, protocol.DefaultTTL)
	if r := s.reply(t, a.Handle(ctx, captured, nil)); !r.Accepted {
		t.Fatalf("the request was refused: %s %s", r.Code, r.Reason)
	}
	// Real time passes well beyond the longest a request can be valid;
	// the phone goes on serving, so it sweeps its memory.
	c.pass(10 * time.Minute)
	if r := s.reply(t, a.Handle(ctx, s.sealDial(t, "+49 30 2222222", c.Wall(), 0), nil)); !r.Accepted {
		t.Fatalf("a current request was refused: %s %s", r.Code, r.Reason)
	}
	c.pass(2 * time.Second)
	c.set(t0.Add(2 * time.Second)) // the clock is set back
	if r := s.reply(t, a.Handle(ctx, captured, nil)); r.Accepted {
		t.Errorf("the replay after the clock was set back was accepted")
	} else if r.Code != protocol.CodeExpired && r.Code != protocol.CodeReplayed {
		t.Errorf("the replay was refused as %q (%s), want expired or replayed", r.Code, r.Reason)
	}
	if n := s.count(t, "+49301111111"); n != 1 {
		t.Fatalf("the captured request was dialled %d times, want once", n)
	}

	// The same across a restart: the agent stops, starts again with the
	// clock right, and the clock is set back afterwards...
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	c.set(t0.Add(10*time.Minute + 5*time.Second))
	a = s.startAt(t, c)
	c.set(t0.Add(3 * time.Second))
	if r := s.reply(t, a.Handle(ctx, captured, nil)); r.Accepted {
		t.Errorf("the replay after a restart and a clock step back was accepted")
	}
	// ...or the agent starts with the clock already set back.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a = s.startAt(t, c)
	if r := s.reply(t, a.Handle(ctx, captured, nil)); r.Accepted {
		t.Errorf("the replay to an agent started with the clock set back was accepted")
	}
	if n := s.count(t, "+49301111111"); n != 1 {
		t.Errorf("the captured request was dialled %d times, want once", n)
	}
	fi, err := os.Stat(filepath.Join(s.dir, ClockFile))
	if err != nil {
		t.Fatalf("the clock mark was not kept: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", ClockFile, fi.Mode().Perm())
	}

	// A request issued now, by a desktop whose clock is right, still goes
	// through once the phone's clock is right again.
	c.set(t0.Add(10*time.Minute + 10*time.Second))
	if r := s.reply(t, a.Handle(ctx, s.sealDial(t, "+49 30 3333333", c.Wall(), 0), nil)); !r.Accepted {
		t.Errorf("a current request was refused: %s %s", r.Code, r.Reason)
	}
}

// A request issued more than the allowed skew before the latest time the
// phone's clock has shown cannot be current, whatever the clock says now.
func TestRequestIssuedBeforeTheClockMarkIsRefused(t *testing.T) {
	s := newPhoneSetup(t)
	t0 := time.Now().Truncate(time.Second)
	c := &testClock{wall: t0}
	a := s.startAt(t, c)
	ctx := context.Background()
	if r := s.reply(t, a.Handle(ctx, s.sealDial(t, "+49 30 1111111", t0, 0), nil)); !r.Accepted {
		t.Fatalf("a current request was refused: %s %s", r.Code, r.Reason)
	}
	c.set(t0.Add(-50 * time.Second))
	old := s.sealDial(t, "+49 30 2222222", t0.Add(-protocol.MaxSkew-time.Second), protocol.MaxTTL)
	if r := s.reply(t, a.Handle(ctx, old, nil)); r.Accepted || r.Code != protocol.CodeExpired {
		t.Errorf("a request issued before the clock mark: accepted %v code %q (%s), want %q", r.Accepted, r.Code, r.Reason, protocol.CodeExpired)
	}
	if n := s.count(t, "+49302222222"); n != 0 {
		t.Errorf("dialled %d times", n)
	}
}

// The same sealed request arriving twice at once (two servers feeding one
// phone, a relay that duplicates) is dialled once; every copy gets the
// first one's answer.
func TestConcurrentCopiesOfARequestDialOnce(t *testing.T) {
	s := newPhoneSetup(t)
	a, err := New(Config{Identity: s.phone, Registry: s.reg, RegistryDir: filepath.Join(s.dir, "phone"),
		Dialer: logdial.New(s.dialLog), Region: "DE", AuditPath: s.audit, RatePerMinute: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	const rounds, copies = 5, 16
	for i := 0; i < rounds; i++ {
		number := "+49 30 123456" + string(rune('0'+i))
		sealed := s.sealDial(t, number, time.Now(), 0)
		start := make(chan struct{})
		replies := make([]protocol.Reply, copies)
		var wg sync.WaitGroup
		for j := 0; j < copies; j++ {
			wg.Add(1)
			go func(j int) {
				defer wg.Done()
				<-start
				replies[j] = s.reply(t, a.Handle(ctx, sealed, nil))
			}(j)
		}
		close(start)
		wg.Wait()
		for j, r := range replies {
			if !r.Accepted {
				t.Errorf("round %d copy %d: refused as %q (%s), want the first copy's acceptance", i, j, r.Code, r.Reason)
			}
		}
		if n := s.count(t, strings.ReplaceAll(number, " ", "")); n != 1 {
			t.Fatalf("round %d: dialled %d times, want once", i, n)
		}
	}
}

// The replay memory across restarts is rebuilt from the audit log, so a
// request whose decision cannot be logged is not dialled.
func TestAuditLogWriteFailureRefusesDial(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full to stand for a full disk")
	}
	s := newPhoneSetup(t)
	a, err := New(Config{Identity: s.phone, Registry: s.reg, RegistryDir: filepath.Join(s.dir, "phone"),
		Dialer: logdial.New(s.dialLog), Region: "DE", AuditPath: "/dev/full", ClockPath: filepath.Join(s.dir, ClockFile)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r := s.reply(t, a.Handle(context.Background(), s.sealDial(t, "+49 30 1234567", time.Now(), 0), nil))
	if r.Accepted || r.Code != protocol.CodeAuditFailed || !strings.Contains(r.Reason, "audit log") {
		t.Errorf("with a full disk: accepted %v code %q (%s), want refused as %q naming the audit log", r.Accepted, r.Code, r.Reason, protocol.CodeAuditFailed)
	}
	if got := s.dialled(t); len(got) != 0 {
		t.Errorf("dialled %v", got)
	}
}
