package x11conn

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>

// One table for every Display of ours. A Display is counted, not just
// marked: after XCloseDisplay the same address can come back from the next
// XOpenDisplay (in the other package) before the first owner has
// unregistered it, and that owner's Close must not take the new
// connection out of the table.
#define XE_MAX 64
static pthread_mutex_t xe_mu = PTHREAD_MUTEX_INITIALIZER;
static struct { Display *d; int refs; int code; } xe_tab[XE_MAX];
static XErrorHandler xe_prev;
static __thread int xe_depth;

static int xe_find(Display *d) {
	for (int i = 0; i < XE_MAX; i++) if (xe_tab[i].refs && xe_tab[i].d == d) return i;
	return -1;
}

static int xe_handler(Display *d, XErrorEvent *e) {
	pthread_mutex_lock(&xe_mu);
	int i = xe_find(d);
	if (i >= 0) {
		if (!xe_tab[i].code) xe_tab[i].code = e->error_code;
		pthread_mutex_unlock(&xe_mu);
		return 0;
	}
	XErrorHandler prev = xe_prev;
	pthread_mutex_unlock(&xe_mu);
	// Another X user's handler can end up chained back to ours (it
	// installed itself over ours, we trapped over it); a second visit on
	// this thread means such a loop, so stop there.
	if (xe_depth || !prev) return 0;
	xe_depth = 1;
	int r = prev(d, e);
	xe_depth = 0;
	return r;
}

static void xe_trap(void) {
	XErrorHandler cur = XSetErrorHandler(xe_handler);
	if (cur != xe_handler) {
		pthread_mutex_lock(&xe_mu);
		xe_prev = cur;
		pthread_mutex_unlock(&xe_mu);
	}
}

// xe_dial opens a connection. XInitThreads comes first: our connections
// are used from goroutines on any thread, next to GLFW's on the main one.
static Display *xe_dial(void) {
	XInitThreads();
	return XOpenDisplay(NULL);
}

static int xe_register(Display *d) {
	pthread_mutex_lock(&xe_mu);
	int i = xe_find(d);
	for (int j = 0; i < 0 && j < XE_MAX; j++) if (!xe_tab[j].refs) i = j;
	if (i < 0) { pthread_mutex_unlock(&xe_mu); return -1; }
	xe_tab[i].d = d;
	xe_tab[i].refs++;
	xe_tab[i].code = 0; // a new connection starts with no error
	pthread_mutex_unlock(&xe_mu);
	xe_trap();
	return 0;
}

static void xe_unregister(Display *d) {
	pthread_mutex_lock(&xe_mu);
	int i = xe_find(d);
	if (i >= 0 && --xe_tab[i].refs == 0) { xe_tab[i].d = NULL; xe_tab[i].code = 0; }
	pthread_mutex_unlock(&xe_mu);
}

static int xe_take(Display *d) {
	pthread_mutex_lock(&xe_mu);
	int i = xe_find(d), code = 0;
	if (i >= 0) { code = xe_tab[i].code; xe_tab[i].code = 0; }
	pthread_mutex_unlock(&xe_mu);
	return code;
}

// xe_wait blocks, without timeout, until d has events or wakefd is
// readable. 1: events, 2: wake fd, -1: connection lost.
static int xe_wait(Display *d, int wakefd) {
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
*/
import "C"

import (
	"errors"
	"time"
	"unsafe"
)

// The users reach the handler through Go functions (Open, Close, Trap,
// TakeError, Wait) that take the Display as an unsafe.Pointer, rather than by calling this package's C
// from their own C. cgo keeps a preamble's static functions private to its
// package; sharing C would mean exporting global C symbols from here and
// repeating their prototypes in each user's preamble, where nothing checks
// them against the definitions (a drifted signature is undefined
// behaviour, not a build error), and the users' own cgo link step would
// see them undefined and fall back on the go command tolerating that. Go
// functions are type-checked at every call and keep the C here private;
// the price is that the users call Trap from Go just before the C function
// whose requests may fail, instead of inside it, which changes nothing:
// what matters is that our handler is in place when that function syncs.
// unsafe.Pointer rather than uintptr, because each package's *C.Display is
// a type of its own and a C pointer may be passed as unsafe.Pointer freely.

// ErrFull is returned by register when the table of Displays is full.
var ErrFull = errors.New("x11conn: too many X connections open")

// register makes dpy (a Display * from XOpenDisplay) one of ours: its X
// errors are kept for TakeError and never reach another handler. It
// installs the handler (Trap). A Display registered twice stays ours until
// unregistered twice.
func register(dpy unsafe.Pointer) error {
	if C.xe_register((*C.Display)(dpy)) != 0 {
		return ErrFull
	}
	return nil
}

// unregister ends register.
func unregister(dpy unsafe.Pointer) { C.xe_unregister((*C.Display)(dpy)) }

// TakeError returns the code of the first X error on dpy since the last
// call (0 for none; BadAccess, BadWindow, ... from X.h) and clears it.
// Errors arrive asynchronously: XSync first to see those of the requests
// made so far.
func TakeError(dpy unsafe.Pointer) int { return int(C.xe_take((*C.Display)(dpy))) }

// Open opens a connection to the X server of $DISPLAY and registers it
// before its first request; nil when it cannot. It retries for about a
// second: an X server resets itself when its last client leaves (Xvfb
// without -noreset, a bare X session) and refuses connections meanwhile.
func Open() unsafe.Pointer {
	for i := 0; ; i++ {
		if d := C.xe_dial(); d != nil {
			if register(unsafe.Pointer(d)) != nil {
				C.XCloseDisplay(d)
				return nil
			}
			return unsafe.Pointer(d)
		}
		if i == 10 {
			return nil
		}
		time.Sleep(time.Duration(i+1) * 20 * time.Millisecond)
	}
}

// Close closes a connection of Open's. Its final round trip can still
// bring errors of earlier requests, so the handler is put back first and
// the connection stays registered until it is closed.
func Close(dpy unsafe.Pointer) {
	Trap()
	C.XCloseDisplay((*C.Display)(dpy))
	unregister(dpy)
}

// Trap (re)installs the handler, remembering the one it replaces for the
// errors of other Displays. Call it just before requests that may fail.
func Trap() { C.xe_trap() }

// Ready says what ended a Wait.
type Ready int

const (
	Events Ready = 1  // the connection has events to read
	Woken  Ready = 2  // the wake fd is readable
	Lost   Ready = -1 // the connection is gone
)

// Wait blocks, with no timeout, until dpy has events or wakefd (the read
// end of a pipe the owner writes to when it wants the waiting goroutine)
// is readable: an idle connection costs no wake-ups.
func Wait(dpy unsafe.Pointer, wakefd int) Ready {
	switch C.xe_wait((*C.Display)(dpy), C.int(wakefd)) {
	case 1:
		return Events
	case 2:
		return Woken
	}
	return Lost
}
