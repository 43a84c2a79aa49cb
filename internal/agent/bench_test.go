package agent

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/protocol"
)

type nopDialer struct{}

func (nopDialer) Name() string                              { return "nop" }
func (nopDialer) Capabilities() dialer.Capabilities         { return dialer.Capabilities{PlacesCalls: true} }
func (nopDialer) Check(context.Context) error               { return nil }
func (nopDialer) Hangup(context.Context, dialer.Call) error { return dialer.ErrUnsupported }
func (nopDialer) Dial(_ context.Context, r dialer.Request) (dialer.Call, error) {
	return dialer.Call{ID: r.ID}, nil
}
func (nopDialer) Watch(context.Context, dialer.Call) (<-chan dialer.Event, error) {
	ch := make(chan dialer.Event)
	close(ch)
	return ch, nil
}

// BenchmarkHandle is the phone's share of a dial round trip without the
// transport: open, policy (number classification included), dial with a
// backend that does nothing, audit log line, sealed reply.
//
//	go test -run '^$' -bench . ./internal/agent
func BenchmarkHandle(b *testing.B) {
	dir := b.TempDir()
	phone, _ := device.LoadOrCreate(filepath.Join(dir, "p"))
	desk, _ := device.LoadOrCreate(filepath.Join(dir, "d"))
	reg, _ := device.OpenRegistry(filepath.Join(dir, "p"))
	_ = reg.Add(device.Peer{ID: desk.ID, Name: "Laptop", Role: device.RoleDesktop, SignPub: desk.SignPub, CurvePub: desk.CurvePub, AddedAt: time.Now()})
	a, err := New(Config{Identity: phone, Registry: reg, RegistryDir: filepath.Join(dir, "p"), Dialer: nopDialer{}, Region: "DE",
		RatePerMinute: 1 << 30, AuditPath: filepath.Join(dir, AuditFile)})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	box := protocol.NewBox(desk)
	msgs := make([][]byte, b.N)
	for i := range msgs {
		req := protocol.NewDial(desk.ID, phone.ID, fmt.Sprintf("+4930123%04d", i%10000), call.ModeCall, time.Now(), time.Minute)
		msgs[i], _ = box.Seal(protocol.KindDial, req, phone.CurvePub)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if a.Handle(ctx, msgs[i], nil) == nil {
			b.Fatal("no reply")
		}
	}
}

// BenchmarkClassify is number.Parse of an E.164 number, the part of the
// policy that decides premium-rate and emergency numbers.
func BenchmarkClassify(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := number.Parse(fmt.Sprintf("+4930123%04d", i%10000), "DE"); err != nil {
			b.Fatal(err)
		}
	}
}

// recDialer counts dials.
type recDialer struct {
	nopDialer
	mu sync.Mutex
	n  int
}

func (d *recDialer) Dial(ctx context.Context, r dialer.Request) (dialer.Call, error) {
	d.mu.Lock()
	d.n++
	d.mu.Unlock()
	return d.nopDialer.Dial(ctx, r)
}

func (d *recDialer) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n
}
