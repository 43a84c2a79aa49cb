package hotkey

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>
#include <X11/XKBlib.h>
#include <X11/keysym.h>
#include <stdlib.h>

// X errors on our connection (BadAccess when another program holds the
// key) are kept by x11conn's error handler, the process's one, and grab
// reads them from there; the requests that may fail run after
// x11conn.Trap.

// hk_modmask finds which modifier bit a key such as Num_Lock or Super_L is
// mapped to; keymaps differ, though Mod1/Mod2/Mod4 are the usual answer.
static unsigned hk_modmask(Display *d, KeySym ks, unsigned fallback) {
	KeyCode kc = XKeysymToKeycode(d, ks);
	if (!kc) return fallback;
	XModifierKeymap *mm = XGetModifierMapping(d);
	if (!mm) return fallback;
	unsigned mask = 0;
	for (int m = 0; m < 8 && !mask; m++)
		for (int k = 0; k < mm->max_keypermod; k++)
			if (mm->modifiermap[m * mm->max_keypermod + k] == kc) { mask = 1u << m; break; }
	XFreeModifiermap(mm);
	return mask ? mask : fallback;
}

// hk_keys finds the keycode and modifier masks of a combination in the
// keymap. 0: no such key. want: 1 Ctrl, 2 Alt, 4 Shift, 8 Super.
static int hk_keys(Display *d, const char *name, unsigned want,
                   int *keycode, unsigned *mods, unsigned *clean) {
	KeySym ks = XStringToKeysym(name);
	if (ks == NoSymbol) return 0;
	KeyCode kc = XKeysymToKeycode(d, ks);
	if (!kc) return 0;
	unsigned alt = hk_modmask(d, XK_Alt_L, Mod1Mask);
	unsigned super = hk_modmask(d, XK_Super_L, Mod4Mask);
	unsigned m = 0;
	if (want & 1) m |= ControlMask;
	if (want & 2) m |= alt;
	if (want & 4) m |= ShiftMask;
	if (want & 8) m |= super;
	*keycode = kc;
	*mods = m;
	*clean = ControlMask | ShiftMask | alt | super;
	return 1;
}

// hk_grab grabs keycode+mods on the root window together with the CapsLock
// and NumLock variants, since X matches the modifier state exactly and the
// key would otherwise be dead while either lock is on
// (golang-design/hotkey#39). It syncs, so a refusal (BadAccess from a
// grab someone else holds) has reached the error handler on return.
static void hk_grab(Display *d, int kc, unsigned mods) {
	unsigned num = hk_modmask(d, XK_Num_Lock, Mod2Mask);
	unsigned variants[4] = {0, LockMask, num, LockMask | num};
	Window root = DefaultRootWindow(d);
	for (int i = 0; i < 4; i++)
		XGrabKey(d, kc, mods | variants[i], root, False, GrabModeAsync, GrabModeAsync);
	XSync(d, False);
}

// hk_repeat turns on detectable auto-repeat: without it a held key sends
// release+press pairs and one long press would dial several times.
static void hk_repeat(Display *d) { XkbSetDetectableAutoRepeat(d, True, NULL); }

// hk_drain handles every queued event and returns how many presses of our
// key it saw. The grab delivers only our key, but the keycode and the
// clean modifier state are checked anyway, because a client that receives
// every KeyPress of the root window fires on any key (golang-design/hotkey#48).
static int hk_drain(Display *d, int kc, unsigned mods, unsigned clean, int *down) {
	int n = 0;
	while (XPending(d)) {
		XEvent ev;
		XNextEvent(d, &ev);
		if (ev.type == KeyPress && ev.xkey.keycode == (unsigned)kc &&
		    (ev.xkey.state & clean) == mods) {
			if (!*down) n++;
			*down = 1;
		} else if (ev.type == KeyRelease && ev.xkey.keycode == (unsigned)kc) {
			*down = 0;
		}
	}
	return n;
}

// hk_ungrab releases all variants hk_grab took (or tried to), synced.
static void hk_ungrab(Display *d, int kc, unsigned mods) {
	unsigned num = hk_modmask(d, XK_Num_Lock, Mod2Mask);
	unsigned variants[4] = {0, LockMask, num, LockMask | num};
	Window root = DefaultRootWindow(d);
	for (int i = 0; i < 4; i++) XUngrabKey(d, kc, mods | variants[i], root);
	XSync(d, False);
}

static void hk_sync(Display *d) { XSync(d, False); }
*/
import "C"

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"github.com/deskdial/deskdial/internal/x11conn"
)

// x11Grab is one grabbed combination on its own X connection, served by
// one goroutine that blocks on the connection and a wake pipe.
type x11Grab struct {
	dpy     *C.Display
	keycode C.int
	mods    C.uint
	clean   C.uint
	fire    func()

	wakeR, wakeW *os.File
	syncReq      chan chan struct{}
	stopped      chan struct{}
	presses      atomic.Int64 // for tests: presses seen
	loopErr      error
}

func grab(spec Spec, fire func()) (grabber, error) {
	if os.Getenv("DISPLAY") == "" {
		return nil, fmt.Errorf("grab %s: no X display (DISPLAY unset): %w", spec, ErrUnsupported)
	}
	keysym, _ := spec.keysym()
	dpy := (*C.Display)(x11conn.Open())
	if dpy == nil {
		return nil, fmt.Errorf("grab %s: open X display %q: %w", spec, os.Getenv("DISPLAY"), ErrUnsupported)
	}
	g := &x11Grab{dpy: dpy, fire: fire, syncReq: make(chan chan struct{}), stopped: make(chan struct{})}
	name := C.CString(keysym)
	defer C.free(unsafe.Pointer(name))
	if C.hk_keys(dpy, name, C.uint(spec.Mods), &g.keycode, &g.mods, &g.clean) == 0 {
		x11conn.Close(unsafe.Pointer(dpy))
		return nil, fmt.Errorf("grab %s: no key for %q in the keymap: %w", spec, keysym, ErrUnknownKey)
	}
	// A grab someone else holds fails with BadAccess, which the error
	// handler keeps for us; all our variants are then released again.
	x11conn.Trap()
	C.hk_sync(dpy)
	x11conn.TakeError(unsafe.Pointer(dpy)) // not ours to report: earlier requests'
	C.hk_grab(dpy, g.keycode, g.mods)
	if code := x11conn.TakeError(unsafe.Pointer(dpy)); code != 0 {
		C.hk_ungrab(dpy, g.keycode, g.mods)
		x11conn.Close(unsafe.Pointer(dpy))
		if code == C.BadAccess {
			return nil, takenError{spec}
		}
		return nil, fmt.Errorf("grab %s: the X server refused the grab", spec)
	}
	C.hk_repeat(dpy)
	var err error
	g.wakeR, g.wakeW, err = os.Pipe()
	if err != nil {
		x11conn.Trap()
		C.hk_ungrab(dpy, g.keycode, g.mods)
		x11conn.Close(unsafe.Pointer(dpy))
		return nil, fmt.Errorf("grab %s: make wake pipe: %w", spec, err)
	}
	go g.loop()
	return g, nil
}

// loop owns the X connection: no other goroutine touches it.
func (g *x11Grab) loop() {
	defer close(g.stopped)
	defer func() {
		x11conn.Trap()
		C.hk_ungrab(g.dpy, g.keycode, g.mods)
		x11conn.Close(unsafe.Pointer(g.dpy))
		g.wakeR.Close()
	}()
	wakefd := int(g.wakeR.Fd())
	down := C.int(0)
	var buf [16]byte
	for {
		switch x11conn.Wait(unsafe.Pointer(g.dpy), wakefd) {
		case x11conn.Events:
			g.count(C.hk_drain(g.dpy, g.keycode, g.mods, g.clean, &down))
		case x11conn.Woken:
			n, _ := g.wakeR.Read(buf[:])
			for _, b := range buf[:n] {
				switch b {
				case 'q':
					return
				case 's':
					// A round trip: every event the server sent before
					// answering is in our queue now.
					C.hk_sync(g.dpy)
					g.count(C.hk_drain(g.dpy, g.keycode, g.mods, g.clean, &down))
					reply := <-g.syncReq
					close(reply)
				}
			}
		default:
			g.loopErr = fmt.Errorf("watch hotkey: X connection lost")
			return
		}
	}
}

func (g *x11Grab) count(n C.int) {
	for i := 0; i < int(n); i++ {
		g.presses.Add(1)
		g.fire()
	}
}

// roundTrip waits until every key event the X server generated before now
// has been handled.
func (g *x11Grab) roundTrip() {
	reply := make(chan struct{})
	select {
	case <-g.stopped:
		return
	default:
	}
	if _, err := g.wakeW.Write([]byte{'s'}); err != nil {
		return
	}
	select {
	case g.syncReq <- reply:
		<-reply
	case <-g.stopped:
	}
}

func (g *x11Grab) release() error {
	g.wakeW.Write([]byte{'q'})
	<-g.stopped
	g.wakeW.Close()
	return g.loopErr
}

func (g *x11Grab) done() <-chan struct{} { return g.stopped }

// resetErrorHandler puts Xlib's default error handler (which exits the
// process) back, as an overlapping GLFW call can; tests use it to show a
// taken key is still reported, not fatal.
func resetErrorHandler() { C.XSetErrorHandler(nil) }
