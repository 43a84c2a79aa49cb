package ui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// busItem is one entry of the tray menu as a tray host reads it.
type busItem struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []dbus.Variant
}

// busLabels lists the menu's entries, id and label, depth first.
func busLabels(it busItem) map[string]int32 {
	out := map[string]int32{}
	var walk func(busItem)
	walk = func(it busItem) {
		if v, ok := it.Props["label"]; ok {
			if s, _ := v.Value().(string); s != "" {
				out[s] = it.ID
			}
		}
		for _, c := range it.Children {
			var ci busItem
			if err := dbus.Store([]any{c.Value()}, &ci); err == nil {
				walk(ci)
			}
		}
	}
	walk(it)
	return out
}

// TestIdleTrayOnTheBus: with WithIdleLoop the tray menu is on the session
// bus, follows the state and takes clicks with no GUI loop running, and
// Quit from the menu ends Main before any window was made.
func TestIdleTrayOnTheBus(t *testing.T) {
	testsupport.NeedSessionBus(t)
	a := test.NewTempApp(t)
	SetLanguage("en")
	ctl := &fakeCtl{}
	u := New(a, ctl, nil, SettingsDeps{}, nil, WithIdleLoop())
	u.Apply(state)

	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	menu := conn.Object(fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", os.Getpid()), "/StatusNotifierMenu")
	read := func() map[string]int32 {
		var rev uint32
		var root busItem
		if err := menu.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &root); err != nil {
			return nil
		}
		return busLabels(root)
	}
	waitLabel := func(label string) int32 {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			if id, ok := read()[label]; ok {
				return id
			}
			if time.Now().After(deadline) {
				t.Fatalf("the tray menu on the bus never showed %q; it has %v", label, read())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitLabel("Connected · 1 of 2 phones online")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	states := make(chan desktop.State)
	requests := make(chan desktop.Request)
	go u.Run(ctx, states, requests)
	offline := state
	offline.Connected = false
	states <- offline
	status := TrayMenu(desktop.BuildMenu(offline), nil).Items[0].Label
	if strings.Contains(status, "Connected") {
		t.Fatalf("status line when disconnected: %q", status)
	}
	waitLabel(status)

	id := waitLabel("Dial…")
	if err := menu.Call("com.canonical.dbusmenu.Event", 0, id, "clicked", dbus.MakeVariant(""), uint32(0)).Err; err != nil {
		t.Fatalf("click Dial…: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctl.mu.Lock()
		n := len(ctl.actions)
		var kind desktop.ActionKind
		if n > 0 {
			kind = ctl.actions[n-1].Kind
		}
		ctl.mu.Unlock()
		if kind == desktop.ActOpenDial {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("clicking Dial… did not reach the controller (last action %q)", kind)
		}
		time.Sleep(20 * time.Millisecond)
	}

	done := make(chan struct{})
	go func() { u.Main(); close(done) }()
	requests <- desktop.Request{Kind: desktop.ReqQuit}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Quit from the menu did not end Main")
	}
}

// fakeWindows records what the UI asks of windows shown apart.
type fakeWindows struct {
	mu sync.Mutex
	windowCalls
}

type windowCalls struct {
	opened  []desktop.RequestKind
	applied int
	relabel int
	closed  bool
}

func (f *fakeWindows) Open(r desktop.Request, s desktop.State) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, r.Kind)
}

func (f *fakeWindows) Apply(desktop.State) { f.mu.Lock(); f.applied++; f.mu.Unlock() }
func (f *fakeWindows) Relabel()            { f.mu.Lock(); f.relabel++; f.mu.Unlock() }
func (f *fakeWindows) Close()              { f.mu.Lock(); f.closed = true; f.mu.Unlock() }

func (f *fakeWindows) get() windowCalls {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.windowCalls
	c.opened = append([]desktop.RequestKind(nil), f.opened...)
	return c
}

// TestWindowsApart: with WithWindowsApart the UI hands window requests and
// states to the windows' host and never starts Fyne's loop; a language
// change closes the host's windows to rebuild them, and ending the UI
// closes them all.
func TestWindowsApart(t *testing.T) {
	testsupport.NeedSessionBus(t)
	a := test.NewTempApp(t)
	SetLanguage("en")
	w := &fakeWindows{}
	u := New(a, &fakeCtl{}, nil, SettingsDeps{}, nil, WithIdleLoop(), WithWindowsApart(w))
	ctx, cancel := context.WithCancel(context.Background())
	states := make(chan desktop.State)
	requests := make(chan desktop.Request)
	ran := make(chan struct{})
	go func() { u.Run(ctx, states, requests); close(ran) }()
	states <- state
	requests <- desktop.Request{Kind: desktop.ReqDialBox}
	requests <- desktop.Request{Kind: desktop.ReqSettings}
	u.Relabel()
	deadline := time.Now().Add(10 * time.Second)
	for g := w.get(); len(g.opened) < 2 || g.applied < 1 || g.relabel < 1; g = w.get() {
		if time.Now().After(deadline) {
			t.Fatalf("the host got %+v", g)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if g := w.get(); g.opened[0] != desktop.ReqDialBox || g.opened[1] != desktop.ReqSettings {
		t.Fatalf("opened %v", g.opened)
	}
	if u.loopRunning() {
		t.Fatal("Fyne's loop was started")
	}
	done := make(chan struct{})
	go func() { u.Main(); close(done) }()
	requests <- desktop.Request{Kind: desktop.ReqQuit}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Quit did not end Main")
	}
	cancel()
	<-ran
	if !w.get().closed {
		t.Fatal("the windows were not closed when the UI ended")
	}
}
