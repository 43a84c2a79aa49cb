package hotkey

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>
#include <X11/XKBlib.h>
#include <X11/keysym.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>

// X errors are reported asynchronously to one process-wide handler, and
// Xlib's default handler exits the process. The handler below records
// errors for our own connections and passes everything else to the handler
// that was installed before it (GLFW's or Xlib's default), so other X users
// in the process behave as before.
//
// clipwatch has a handler of the same shape. It stays a copy: C in a cgo
// preamble is private to its package (sharing it means a header outside
// the package directory, whose changes the Go build cache misses,
// https://github.com/golang/go/issues/24355, or linking to another
// package's C symbols by hand), and clipwatch's
// handler drops errors instead of keeping their code.
#define HK_MAX 32
static pthread_mutex_t hk_mu = PTHREAD_MUTEX_INITIALIZER;
static Display *hk_dpys[HK_MAX];
static int hk_errs[HK_MAX];
static XErrorHandler hk_prev;
static __thread int hk_depth;

static int hk_handler(Display *d, XErrorEvent *e) {
	pthread_mutex_lock(&hk_mu);
	for (int i = 0; i < HK_MAX; i++) {
		if (hk_dpys[i] == d) {
			if (!hk_errs[i]) hk_errs[i] = e->error_code;
			pthread_mutex_unlock(&hk_mu);
			return 0;
		}
	}
	XErrorHandler prev = hk_prev;
	pthread_mutex_unlock(&hk_mu);
	// Handlers of other X users in the process can end up chained to
	// each other; a second visit means a loop, so stop there.
	if (hk_depth || !prev) return 0;
	hk_depth = 1;
	int r = prev(d, e);
	hk_depth = 0;
	return r;
}

// hk_trap (re)installs our handler before any request that may fail.
// Installing it once is not enough: GLFW (under Fyne) swaps in its own
// handler around its calls on the main thread and then restores the one
// it found, so a call of ours overlapping one of GLFW's can leave an older
// handler, or Xlib's default that exits, in place.
static void hk_trap(void) {
	XErrorHandler cur = XSetErrorHandler(hk_handler);
	if (cur != hk_handler) {
		pthread_mutex_lock(&hk_mu);
		hk_prev = cur;
		pthread_mutex_unlock(&hk_mu);
	}
}

static int hk_slot(Display *d) {
	for (int i = 0; i < HK_MAX; i++) if (hk_dpys[i] == d) return i;
	return -1;
}

// hk_take_error returns and clears the first error recorded for d.
static int hk_take_error(Display *d) {
	pthread_mutex_lock(&hk_mu);
	int i = hk_slot(d), code = 0;
	if (i >= 0) { code = hk_errs[i]; hk_errs[i] = 0; }
	pthread_mutex_unlock(&hk_mu);
	return code;
}

static Display *hk_open(void) {
	XInitThreads();
	Display *d = XOpenDisplay(NULL);
	if (!d) return NULL;
	pthread_mutex_lock(&hk_mu);
	int i = hk_slot(NULL);
	if (i < 0) { pthread_mutex_unlock(&hk_mu); XCloseDisplay(d); return NULL; }
	hk_dpys[i] = d; hk_errs[i] = 0;
	pthread_mutex_unlock(&hk_mu);
	hk_trap();
	return d;
}

static void hk_close(Display *d) {
	XCloseDisplay(d);
	pthread_mutex_lock(&hk_mu);
	int i = hk_slot(d);
	if (i >= 0) { hk_dpys[i] = NULL; hk_errs[i] = 0; }
	pthread_mutex_unlock(&hk_mu);
}

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

enum { HK_OK = 0, HK_UNKNOWN = 1, HK_TAKEN = 2, HK_FAILED = 3 };

// hk_grab grabs keycode+mods on the root window together with the CapsLock
// and NumLock variants, since X matches the modifier state exactly and the
// key would otherwise be dead while either lock is on
// (golang-design/hotkey#39). A grab someone else holds fails with
// BadAccess; all our variants are then released again.
static int hk_grab(Display *d, const char *name, unsigned want,
                   int *keycode, unsigned *mods, unsigned *clean) {
	KeySym ks = XStringToKeysym(name);
	if (ks == NoSymbol) return HK_UNKNOWN;
	KeyCode kc = XKeysymToKeycode(d, ks);
	if (!kc) return HK_UNKNOWN;
	unsigned alt = hk_modmask(d, XK_Alt_L, Mod1Mask);
	unsigned super = hk_modmask(d, XK_Super_L, Mod4Mask);
	unsigned num = hk_modmask(d, XK_Num_Lock, Mod2Mask);
	unsigned m = 0;
	if (want & 1) m |= ControlMask;
	if (want & 2) m |= alt;
	if (want & 4) m |= ShiftMask;
	if (want & 8) m |= super;
	unsigned variants[4] = {0, LockMask, num, LockMask | num};
	Window root = DefaultRootWindow(d);
	hk_trap();
	XSync(d, False);
	hk_take_error(d);
	for (int i = 0; i < 4; i++)
		XGrabKey(d, kc, m | variants[i], root, False, GrabModeAsync, GrabModeAsync);
	XSync(d, False);
	int err = hk_take_error(d);
	if (err) {
		for (int i = 0; i < 4; i++) XUngrabKey(d, kc, m | variants[i], root);
		XSync(d, False);
		hk_take_error(d);
		return err == BadAccess ? HK_TAKEN : HK_FAILED;
	}
	// Without detectable auto-repeat a held key sends release+press pairs
	// and one long press would dial several times.
	XkbSetDetectableAutoRepeat(d, True, NULL);
	*keycode = kc;
	*mods = m;
	*clean = ControlMask | ShiftMask | alt | super;
	return HK_OK;
}

// hk_wait blocks until the X connection or the wake pipe is readable,
// without any timeout: an idle hotkey costs no wake-ups.
// 1: X events, 2: wake pipe, -1: connection lost.
static int hk_wait(Display *d, int wakefd) {
	if (XPending(d)) return 1;
	struct pollfd p[2] = {{ConnectionNumber(d), POLLIN, 0}, {wakefd, POLLIN, 0}};
	for (;;) {
		int r = poll(p, 2, -1);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) return -1;
		if (p[1].revents) return 2;
		if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL)) return -1;
		return 1;
	}
}

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

static void hk_ungrab(Display *d, int kc, unsigned mods) {
	hk_trap();
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
	"time"
	"unsafe"
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
	// Retried for about a second: an X server resets itself when its last
	// client leaves (Xvfb without -noreset) and refuses connections meanwhile.
	dpy := C.hk_open()
	for i := 0; dpy == nil && i < 10; i++ {
		time.Sleep(time.Duration(i+1) * 20 * time.Millisecond)
		dpy = C.hk_open()
	}
	if dpy == nil {
		return nil, fmt.Errorf("grab %s: open X display %q: %w", spec, os.Getenv("DISPLAY"), ErrUnsupported)
	}
	g := &x11Grab{dpy: dpy, fire: fire, syncReq: make(chan chan struct{}), stopped: make(chan struct{})}
	name := C.CString(keysym)
	defer C.free(unsafe.Pointer(name))
	switch C.hk_grab(dpy, name, C.uint(spec.Mods), &g.keycode, &g.mods, &g.clean) {
	case C.HK_OK:
	case C.HK_UNKNOWN:
		C.hk_close(dpy)
		return nil, fmt.Errorf("grab %s: no key for %q in the keymap: %w", spec, keysym, ErrUnknownKey)
	case C.HK_TAKEN:
		C.hk_close(dpy)
		return nil, takenError{spec}
	default:
		C.hk_close(dpy)
		return nil, fmt.Errorf("grab %s: the X server refused the grab", spec)
	}
	var err error
	g.wakeR, g.wakeW, err = os.Pipe()
	if err != nil {
		C.hk_ungrab(dpy, g.keycode, g.mods)
		C.hk_close(dpy)
		return nil, fmt.Errorf("grab %s: make wake pipe: %w", spec, err)
	}
	go g.loop()
	return g, nil
}

// loop owns the X connection: no other goroutine touches it.
func (g *x11Grab) loop() {
	defer close(g.stopped)
	defer func() {
		C.hk_ungrab(g.dpy, g.keycode, g.mods)
		C.hk_close(g.dpy)
		g.wakeR.Close()
	}()
	wakefd := C.int(g.wakeR.Fd())
	down := C.int(0)
	var buf [16]byte
	for {
		switch C.hk_wait(g.dpy, wakefd) {
		case 1:
			g.count(C.hk_drain(g.dpy, g.keycode, g.mods, g.clean, &down))
		case 2:
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
