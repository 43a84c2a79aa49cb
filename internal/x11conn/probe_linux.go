package x11conn

// What the tests need of Xlib; _test.go files cannot use cgo.

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <stdlib.h>

// probe_rec_handler stands for another X user's handler (GLFW's): it
// counts the errors that reach it.
static int probe_rec_calls, probe_rec_code;
static int probe_rec_handler(Display *d, XErrorEvent *e) {
	probe_rec_calls++;
	probe_rec_code = e->error_code;
	return 0;
}

// probe_loop_handler passes errors on to the handler it replaced, as
// handlers that chain do; trapped over, it points back at ours.
static XErrorHandler probe_loop_next;
static int probe_loop_calls;
static int probe_loop_handler(Display *d, XErrorEvent *e) {
	probe_loop_calls++;
	return probe_loop_next ? probe_loop_next(d, e) : 0;
}

static void probe_install_rec(void) { probe_rec_calls = 0; probe_rec_code = 0; XSetErrorHandler(probe_rec_handler); }
static void probe_install_loop(void) { probe_loop_calls = 0; probe_loop_next = XSetErrorHandler(probe_loop_handler); }
static int probe_rec_count(void) { return probe_rec_calls; }
static int probe_rec_last(void) { return probe_rec_code; }
static int probe_loop_count(void) { return probe_loop_calls; }
static void probe_install_default(void) { XSetErrorHandler(NULL); }

// probe_bad_window asks to map a window that no longer exists, as when
// the program that asked for the clipboard has gone.
static void probe_bad_window(Display *d) {
	Window w = XCreateSimpleWindow(d, DefaultRootWindow(d), 0, 0, 1, 1, 0, 0, 0);
	XDestroyWindow(d, w);
	XMapWindow(d, w);
	XSync(d, False);
}

// probe_property_event makes the server send d an event: a property
// change on a window of d's that asked for such events.
static void probe_property_event(Display *d) {
	Window w = XCreateSimpleWindow(d, DefaultRootWindow(d), 0, 0, 1, 1, 0, 0, 0);
	XSelectInput(d, w, PropertyChangeMask);
	unsigned char v = 0;
	XChangeProperty(d, w, XInternAtom(d, "DESKDIAL_PROBE", False), XA_STRING, 8, PropModeReplace, &v, 1);
	XFlush(d);
}

// probe_bad_atom deletes a property named by an atom that does not exist.
static void probe_bad_atom(Display *d) {
	XDeleteProperty(d, DefaultRootWindow(d), (Atom)0x1fffffff);
	XSync(d, False);
}
*/
import "C"

import "unsafe"

const (
	badWindow = int(C.BadWindow)
	badAtom   = int(C.BadAtom)
)

// fakeDisplays returns n distinct addresses in C memory (the table keeps
// them, so they may not be Go's) that stand for Displays never used.
func fakeDisplays(n int) (ps []unsafe.Pointer, free func()) {
	block := C.malloc(C.size_t(n))
	for i := range n {
		ps = append(ps, unsafe.Add(block, i))
	}
	return ps, func() { C.free(block) }
}

func openDisplay() unsafe.Pointer { return unsafe.Pointer(C.XOpenDisplay(nil)) }

func closeDisplay(d unsafe.Pointer) { C.XCloseDisplay((*C.Display)(d)) }

func badWindowRequest(d unsafe.Pointer) { C.probe_bad_window((*C.Display)(d)) }

func badAtomRequest(d unsafe.Pointer) { C.probe_bad_atom((*C.Display)(d)) }

func propertyEvent(d unsafe.Pointer) { C.probe_property_event((*C.Display)(d)) }

// installRecorder puts a counting handler in place of whatever is
// installed, as another X user in the process would.
func installRecorder() { C.probe_install_rec() }

func recorded() (calls, code int) { return int(C.probe_rec_count()), int(C.probe_rec_last()) }

// installLoop puts a handler that passes errors on to the one it replaced.
func installLoop() { C.probe_install_loop() }

func loopCalls() int { return int(C.probe_loop_count()) }

// installDefault puts Xlib's default handler, which exits the process,
// back, as GLFW does when it restores the handler it found.
func installDefault() { C.probe_install_default() }
