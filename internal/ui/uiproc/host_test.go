//go:build cgo

package uiproc

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/config"
	core "github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/testsupport"
	"github.com/deskdial/deskdial/internal/ui"
	"github.com/deskdial/deskdial/internal/x11test"
)

// envScript makes the test binary, started as a window process, a scripted
// one: it answers hello, waits for open and then writes these lines (one
// per "\n"), whatever they are, as a broken or hostile child would; a line
// "WAIT" waits for a line from the tray instead.
const envScript = "UIPROC_TEST_SCRIPT"

func TestMain(m *testing.M) {
	if IsChild() {
		if s, ok := os.LookupEnv(envScript); ok {
			os.Exit(scriptedChild(s))
		}
		os.Exit(RunChild())
	}
	x11test.Main(m, "uiproc")
}

func scriptedChild(script string) int {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, MaxLine+1)
	in.Scan() // hello
	fmt.Println(`{"kind":"ready","v":1}`)
	in.Scan() // open
	for _, l := range strings.Split(script, "\n") {
		if l == "WAIT" {
			in.Scan()
			continue
		}
		fmt.Println(l)
	}
	for in.Scan() {
	}
	return 0
}

// fakeCore records what the windows ask of the core.
type fakeCore struct {
	mu   sync.Mutex
	acts []core.Action
	got  chan core.Action
}

func newFakeCore() *fakeCore { return &fakeCore{got: make(chan core.Action, 16)} }

func (f *fakeCore) Do(a core.Action) {
	f.mu.Lock()
	f.acts = append(f.acts, a)
	f.mu.Unlock()
	f.got <- a
}

func (f *fakeCore) actions() []core.Action {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]core.Action(nil), f.acts...)
}

// Search finds the typed number, as the core does for a number.
func (f *fakeCore) Search(ctx context.Context, q string, limit int) ([]core.Choice, error) {
	q = strings.ReplaceAll(q, " ", "")
	if number.IsE164(q) {
		return []core.Choice{{Number: q, Source: "typed"}}, nil
	}
	return nil, nil
}

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var (
	pixel = core.Phone{ID: device.ID{1}, Name: "Pixel", Online: true, PlacesCalls: true}
	nokia = core.Phone{ID: device.ID{2}, Name: "Nokia"}
)

// fakePairing makes one offer; copies record what the tray copied.
type fakePairing struct{}

const testOffer = "deskdial://pair?v=1&o=test"

func (fakePairing) NewOffer(context.Context) (string, error)        { return testOffer, nil }
func (fakePairing) Rename(context.Context, device.ID, string) error { return nil }
func (fakePairing) Remove(context.Context, device.ID) error         { return nil }

type copies struct {
	mu  sync.Mutex
	got []string
}

func (c *copies) copy(_ context.Context, s string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, s)
	return nil
}

func (c *copies) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got...)
}

func newTestHost(t *testing.T, ctl *fakeCore) (*Host, *logBuf) {
	h, lb, _ := newTestHostCopies(t, ctl)
	return h, lb
}

func newTestHostCopies(t *testing.T, ctl *fakeCore) (*Host, *logBuf, *copies) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	lb := &logBuf{}
	st, err := config.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cp := &copies{}
	h := NewHost(Deps{Exe: exe, AppID: "io.github.deskdial.test", Ctl: ctl, Log: slog.New(slog.NewTextHandler(lb, nil)),
		Stderr: lb, Settings: ui.SettingsDeps{Store: st}, Pairing: fakePairing{}, Copy: cp.copy})
	t.Cleanup(h.Close)
	return h, lb, cp
}

func prompt(number string) core.Request {
	return core.Request{Kind: core.ReqPrompt, Title: "Call " + number + "?", Offer: &core.Offer{Number: number}}
}

// TestHostRefusesWhatTheWindowWasNotOffered: a window process that asks
// to call a number its window was not offered, on a phone it was not
// offered, or from a window that has no such button, or that sends
// garbage, is ended, and nothing is dialled.
func TestHostRefusesWhatTheWindowWasNotOffered(t *testing.T) {
	other := device.ID{3}.String()
	for _, tc := range []struct {
		name   string
		req    core.Request
		script string
	}{
		{"another number", prompt("+4930123456"), `{"kind":"call","number":"+4930999999"}`},
		{"another phone", prompt("+4930123456"), `{"kind":"call","number":"+4930123456","phone":"` + other + `"}`},
		{"a dial box number never found", core.Request{Kind: core.ReqDialBox}, `{"kind":"call","number":"+4930123456"}`},
		{"typed text from the prompt", prompt("+4930123456"), `{"kind":"dialtext","text":"+4930999999"}`},
		{"a menu entry from the prompt", prompt("+4930123456"), `{"kind":"menu","item":1}`},
		{"settings from the dial box", core.Request{Kind: core.ReqDialBox}, `{"kind":"save","id":1,"settings":{"hotkey":""}}`},
		{"a copy of text never offered", core.Request{Kind: core.ReqPairing}, `{"kind":"copy","text":"+4930999999"}`},
		{"garbage", prompt("+4930123456"), "\x1b[2J call +4930123456"},
		{"a line too long", prompt("+4930123456"), `{"kind":"dialtext","text":"` + strings.Repeat("1", MaxLine) + `"}`},
		{"a second ready", prompt("+4930123456"), `{"kind":"ready","v":1}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envScript, tc.script+"\n"+`{"kind":"call","number":"+4930123456"}`)
			ctl := newFakeCore()
			h, lb, cp := newTestHostCopies(t, ctl)
			h.Open(tc.req, core.State{Phones: []core.Phone{pixel}})
			testsupport.WaitFor(t, "the window process to be ended", func() bool { return len(h.Running()) == 0 })
			if a := ctl.actions(); len(a) != 0 {
				t.Fatalf("the tray acted on %+v", a)
			}
			if c := cp.list(); len(c) != 0 {
				t.Fatalf("the tray copied %q", c)
			}
			if !strings.Contains(lb.String(), "its window counts as closed") {
				t.Fatalf("nothing logged:\n%s", lb.String())
			}
		})
	}
}

// TestHostCallsTheOfferedNumber: the prompt's own answers reach the core,
// a "Call on" button with the phone it names.
func TestHostCallsTheOfferedNumber(t *testing.T) {
	r := prompt("+4930123456")
	r.Actions = []core.NoticeAction{{Key: core.KeyCallOn + nokia.ID.String(), Label: "Call on Nokia"}}
	t.Setenv(envScript, `{"kind":"call","number":"+4930123456","phone":"`+nokia.ID.String()+`"}`+"\n"+`{"kind":"dismiss"}`)
	ctl := newFakeCore()
	h, lb := newTestHost(t, ctl)
	h.Open(r, core.State{Phones: []core.Phone{pixel, nokia}})
	want := []core.Action{{Kind: core.ActCall, Number: "+4930123456", Phone: nokia.ID}, {Kind: core.ActDismiss}}
	for _, w := range want {
		select {
		case a := <-ctl.got:
			if a != w {
				t.Fatalf("core got %+v; want %+v", a, w)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("core got nothing; want %+v\n%s", w, lb.String())
		}
	}
}

// TestPairingWindowCopiesThroughTheTray: the offer the pairing window
// copies is put on the clipboard by the tray, which keeps serving it after
// the window's process has ended; only an offer made for that window.
func TestPairingWindowCopiesThroughTheTray(t *testing.T) {
	t.Setenv(envScript, `{"kind":"offer","id":1}`+"\nWAIT\n"+`{"kind":"copy","text":"`+testOffer+`"}`)
	h, lb, cp := newTestHostCopies(t, newFakeCore())
	h.Open(core.Request{Kind: core.ReqPairing}, core.State{})
	testsupport.WaitFor(t, "the offer copied", func() bool { return len(cp.list()) == 1 })
	if c := cp.list(); c[0] != testOffer {
		t.Fatalf("copied %q; want %q\n%s", c, testOffer, lb.String())
	}
}

// TestDialBoxInItsOwnProcess: the dial box opens in a window process of
// its own; what the user types and confirms with Enter is called, the
// window closes and its process ends.
func TestDialBoxInItsOwnProcess(t *testing.T) {
	x11test.NeedX(t)
	xdotool := testsupport.NeedTool(t, "xdotool")
	ctl := newFakeCore()
	h, lb := newTestHost(t, ctl)
	s := core.State{Phones: []core.Phone{pixel, nokia}, Default: nokia.ID}
	t0 := time.Now()
	h.Open(core.Request{Kind: core.ReqDialBox}, s)
	var win string
	testsupport.WaitForWithin(t, 30*time.Second, "the dial box", func() bool {
		out, err := exec.Command(xdotool, "search", "--onlyvisible", "--name", "^Dial$").Output()
		win = strings.TrimSpace(string(out))
		return err == nil && win != ""
	})
	t.Logf("the dial box showed %v after it was asked for", time.Since(t0).Round(time.Millisecond))
	// Raising it again reuses the process.
	h.Open(core.Request{Kind: core.ReqDialBox}, s)
	if r := h.Running(); len(r) != 1 {
		t.Fatalf("running %v; want one dial box", r)
	}
	if out, err := exec.Command(xdotool, "windowfocus", "--sync", strings.Fields(win)[0]).CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v %s", err, out)
	}
	if out, err := exec.Command(xdotool, "type", "--delay", "20", "+49301234567").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v %s", err, out)
	}
	if out, err := exec.Command(xdotool, "key", "Return").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v %s", err, out)
	}
	select {
	case a := <-ctl.got:
		want := core.Action{Kind: core.ActCall, Number: "+49301234567", Phone: nokia.ID}
		if a != want {
			t.Fatalf("core got %+v; want %+v", a, want)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("nothing called\n%s", lb.String())
	}
	testsupport.WaitFor(t, "the window process to end", func() bool { return len(h.Running()) == 0 })
}
