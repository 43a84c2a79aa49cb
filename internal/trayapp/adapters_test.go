package trayapp

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/clipwatch"
	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/notify"
)

func TestFindNumbers(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []desktop.Found
	}{
		{"a link is one number", "tel:+49-30-1234567", []desktop.Found{{E164: "+49301234567", Raw: "tel:+49-30-1234567", SafeToAutoDial: true}}},
		{"text in the region", "Ruf an: 030 1234567 oder 089 7654321.", []desktop.Found{
			{E164: "+49301234567", Raw: "030 1234567", SafeToAutoDial: true},
			{E164: "+49897654321", Raw: "089 7654321", SafeToAutoDial: true}}},
		{"premium-rate is never auto-dialled", "Hotline 0900 1234567", []desktop.Found{{E164: "+499001234567", Raw: "0900 1234567"}}},
		{"nothing", "no number here", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := findNumbers(tc.text, "DE", 0)
			if len(got) != len(tc.want) {
				t.Fatalf("found %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i].E164 != tc.want[i].E164 || got[i].SafeToAutoDial != tc.want[i].SafeToAutoDial {
					t.Errorf("found %+v, want %+v", got[i], tc.want[i])
				}
			}
		})
	}
}

func TestNoClipboardNoNotifier(t *testing.T) {
	ctx := context.Background()
	c := &clipPort{}
	if _, err := c.Read(ctx, desktop.Primary); !errors.Is(err, clipwatch.ErrUnsupported) {
		t.Errorf("read without a clipboard: %v", err)
	}
	if err := c.Write(ctx, "x"); !errors.Is(err, clipwatch.ErrUnsupported) {
		t.Errorf("write without a clipboard: %v", err)
	}
	// Without a notification service, the core opens a prompt window.
	if _, err := (&notifyPort{}).Show(ctx, desktop.Notice{Title: "t"}); !errors.Is(err, desktop.ErrNoActions) {
		t.Errorf("show without a notifier: %v", err)
	}
	if selFrom(clipwatch.Primary) != desktop.Primary || selFrom(clipwatch.Clipboard) != desktop.Clipboard {
		t.Error("selections mixed up")
	}
}

// histPort keeps what the core tells it in the real history database, with
// the outcome `deskdial call` would keep for the same call.
func TestHistPort(t *testing.T) {
	ctx := context.Background()
	s, err := history.Open(filepath.Join(t.TempDir(), history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := histPort{s}
	phone := device.ID{7}
	start := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	for _, tc := range []struct {
		phase   call.State
		talk    time.Duration
		outcome call.Outcome
	}{
		{call.Ended, 42 * time.Second, call.OutcomeAnswered},
		{call.Ended, 0, call.OutcomeEnded},
		{call.Prefilled, 0, call.OutcomeAccepted},
		{call.Offline, 0, call.OutcomeOffline},
		{call.Refused, 0, call.OutcomeRefused},
		{call.Failed, 0, call.OutcomeFailed},
	} {
		rec := desktop.CallRecord{Number: "+49301234567", Name: "Anna", Phone: phone, Started: start}
		id, err := h.RecordCall(ctx, rec)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := s.Call(ctx, id); c.Outcome != call.OutcomeRequested {
			t.Fatalf("a new call is %q, want requested", c.Outcome)
		}
		rec.Phase, rec.Talk = tc.phase, tc.talk
		if err := h.UpdateCall(ctx, id, rec); err != nil {
			t.Fatal(err)
		}
		c, err := s.Call(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Outcome != tc.outcome || c.Duration != tc.talk || !c.At.Equal(start) || c.PhoneID != phone.String() {
			t.Errorf("%s after %v: kept %+v, want %s", tc.phase, tc.talk, c, tc.outcome)
		}
	}
	// A short code dialled from the tray is not kept, as with deskdial call.
	if id, err := h.RecordCall(ctx, desktop.CallRecord{Number: "112", Phone: phone, Started: start}); id != 0 || err != nil {
		t.Fatalf("a short code was recorded: %d, %v", id, err)
	}
	recent, err := h.Recent(ctx, 10)
	if err != nil || len(recent) == 0 || recent[0].Number != "+49301234567" || recent[0].Name != "Anna" || recent[0].Phone != phone.String() {
		t.Fatalf("recent: %+v, %v", recent, err)
	}
	hits, err := h.Search(ctx, "Anna", 5)
	if err != nil || len(hits) == 0 || hits[0].Number != "+49301234567" {
		t.Fatalf("search: %+v, %v", hits, err)
	}
}

type coreEvents struct {
	mu      sync.Mutex
	actions []desktop.Action
	clips   []desktop.ClipChange
	notices []string
}

func (c *coreEvents) Do(a desktop.Action) {
	c.mu.Lock()
	c.actions = append(c.actions, a)
	c.mu.Unlock()
}
func (c *coreEvents) Clipboard(ch desktop.ClipChange) {
	c.mu.Lock()
	c.clips = append(c.clips, ch)
	c.mu.Unlock()
}
func (c *coreEvents) NoticeEvent(id uint32, key string) {
	c.mu.Lock()
	c.notices = append(c.notices, key)
	c.mu.Unlock()
}

func TestForwarders(t *testing.T) {
	ctx := context.Background()
	core := &coreEvents{}

	links := make(chan string, 2)
	links <- "tel:+4930123456"
	close(links)
	if err := forwardLinks(links, core)(ctx); err != nil {
		t.Fatal(err)
	}
	clips := make(chan clipwatch.Change, 2)
	clips <- clipwatch.Change{Text: "030 123456", Selection: clipwatch.Primary}
	clips <- clipwatch.Change{Text: "hunter2", Sensitive: true}
	close(clips)
	if err := forwardClips(clips, core)(ctx); err != nil {
		t.Fatal(err)
	}
	evs := make(chan notify.Event, 2)
	evs <- notify.Event{ID: 1, Action: "call"}
	evs <- notify.Event{ID: 1, Action: "call", Closed: true}
	close(evs)
	if err := forwardNotices(evs, core)(ctx); err != nil {
		t.Fatal(err)
	}
	if len(core.actions) != 1 || core.actions[0].Kind != desktop.ActOfferLink || core.actions[0].Text != "tel:+4930123456" {
		t.Errorf("links: %+v", core.actions)
	}
	if len(core.clips) != 2 || core.clips[0].Selection != desktop.Primary || !core.clips[1].Sensitive {
		t.Errorf("clipboard: %+v", core.clips)
	}
	if strings.Join(core.notices, ",") != "call," {
		t.Errorf("a closed notification is no click: %q", core.notices)
	}
}

// The presence part asks again soon after a pairing, before its minute.
func TestPresenceLooksAgainAfterPairing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	paired := make(chan struct{}, 1)
	asked := make(chan struct{}, 16)
	done := make(chan error, 1)
	go func() { done <- presence(paired, nil, func() { asked <- struct{}{} }, defaultPresenceTimes)(ctx) }()
	deadline := time.After(30 * time.Second)
	for range 2 { // one after start, one after a pairing
		select {
		case <-asked:
		case <-deadline:
			t.Fatal("presence never looked")
		}
		paired <- struct{}{}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// The tray's finder hands each number's extension to the desktop, which
// names it in the Call prompt.
func TestTrayFinderExtension(t *testing.T) {
	fs := findNumbers("Zentrale 030 1234567, Durchwahl 213", "DE", 0)
	if len(fs) != 1 || fs[0].E164 != "+49301234567" || fs[0].Ext != "213" {
		t.Errorf("findNumbers = %+v, want +49301234567 with extension 213", fs)
	}
	fs = findNumbers("tel:+1-212-736-5000;ext=12", "US", 0)
	if len(fs) != 1 || fs[0].E164 != "+12127365000" || fs[0].Ext != "12" {
		t.Errorf("tel link = %+v, want +12127365000 with extension 12", fs)
	}
}
