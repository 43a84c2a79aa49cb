package trayapp

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer/logdial"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// Intervals long enough that only announcements make the presence part
// ask within a test.
var quietTimes = presenceTimes{every: time.Hour, soon: time.Hour, calm: time.Hour}

// A flood of announcements (a flapping phone, or a hostile paired one)
// makes the tray list its phones once, not once each: the count of
// listings is what is checked, with a calm period no test outlasts.
func TestPresenceAnnouncementsDebounced(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	announced := make(chan struct{}) // unbuffered: a send returns once the part took it
	var asks atomic.Int32
	done := make(chan error, 1)
	go func() { done <- presence(nil, announced, func() { asks.Add(1) }, quietTimes)(ctx) }()
	for range 200 {
		announced <- struct{}{}
	}
	// The part takes an announcement only after it has handled the one
	// before: the 200th was taken, so the first's listing has happened.
	if n := asks.Load(); n != 1 {
		t.Fatalf("200 announcements made %d listings, want 1 (the rest wait for the calm period)", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := asks.Load(); n != 1 {
		t.Fatalf("%d listings after stopping, want 1", n)
	}
}

// An announcement held back by the calm period is not lost: the listing
// comes once the period is over.
func TestPresenceAnnouncementHeldBackThenAsked(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	announced := make(chan struct{})
	var asks atomic.Int32
	go func() {
		_ = presence(nil, announced, func() { asks.Add(1) },
			presenceTimes{every: time.Hour, soon: time.Hour, calm: 50 * time.Millisecond})(ctx)
	}()
	for i := int32(1); i <= 3; i++ {
		announced <- struct{}{}
		testsupport.WaitFor(t, "a listing after the announcement", func() bool { return asks.Load() >= i })
	}
}

// The tray's wiring from the desktop service to the presence part: with
// the regular ask an hour away, a phone agent that starts after the
// desktop shows as online (its announcement makes the tray ask), and as
// offline once it stops cleanly.
func TestTrayListsAnnouncedPhone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	home := t.TempDir()
	st := config.Default()
	st.Listen = "127.0.0.1:0"
	d, err := remote.OpenDesktop(config.Paths{Config: home, Data: home}, st, "", "")
	if err != nil {
		t.Fatal(err)
	}
	announced := make(chan struct{}, 1)
	svc := remote.NewService(d, remote.OnPresence(func(remote.PresenceEvent) {
		select {
		case announced <- struct{}{}:
		default:
		}
	}))
	svcDone := make(chan error, 1)
	go func() { svcDone <- svc.Run(ctx) }()
	defer func() { cancel(); <-svcDone }()
	if err := svc.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	client, err := remote.Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	var mu sync.Mutex
	var online []bool // what each listing showed of the phone
	var phoneID device.ID
	refresh := func() {
		list, err := client.Phones(ctx)
		if err != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, p := range list {
			if p.Peer.ID == phoneID {
				online = append(online, p.Online)
			}
		}
	}
	go func() {
		_ = presence(nil, announced, refresh, presenceTimes{every: time.Hour, soon: time.Hour, calm: 0})(ctx)
	}()
	last := func(want bool) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(online) > 0 && online[len(online)-1] == want
		}
	}

	phome := t.TempDir()
	id, err := device.LoadOrCreate(phome)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := device.OpenRegistry(phome)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	phoneID = id.ID
	mu.Unlock()
	o, err := svc.NewOffer()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Pair(ctx, o, id, reg, "Pixel", agent.Caps{Backend: "log"}, agent.PairOptions{}); err != nil {
		t.Fatal(err)
	}
	a, err := agent.New(agent.Config{Identity: id, Registry: reg, RegistryDir: phome,
		Dialer: logdial.New(filepath.Join(phome, "dialled.log")), Name: "Pixel"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	actx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = (&agent.Runner{Agent: a, Identity: id, Registry: reg, Poll: 50 * time.Millisecond}).Run(actx)
	}()
	testsupport.WaitFor(t, "the phone listed online after its announcement", last(true))
	stop()
	<-done
	testsupport.WaitFor(t, "the phone listed offline after it left", last(false))
}
