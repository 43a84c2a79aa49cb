package clipwatch

// What the X11 tests need of Xlib beyond the watcher; _test.go files
// cannot use cgo.

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>

// probe_vanishing_request asks the owner of CLIPBOARD for its text on
// behalf of a window that is gone by the time the owner answers, as a
// program that quits right after pasting: the server is grabbed from the
// request until the window is destroyed, so the owner's answer can only
// come after. 0: asked, -1: no display.
static int probe_vanishing_request(void) {
	Display *d = XOpenDisplay(NULL);
	if (!d) return -1;
	Atom clip = XInternAtom(d, "CLIPBOARD", False);
	Atom utf8 = XInternAtom(d, "UTF8_STRING", False);
	Atom prop = XInternAtom(d, "DESKDIAL_PROBE", False);
	Window w = XCreateSimpleWindow(d, DefaultRootWindow(d), 0, 0, 1, 1, 0, 0, 0);
	XGrabServer(d);
	XConvertSelection(d, clip, utf8, prop, w, CurrentTime);
	XDestroyWindow(d, w);
	XUngrabServer(d);
	XSync(d, False);
	XCloseDisplay(d);
	return 0;
}
*/
import "C"

// vanishingRequest asks for the clipboard from a window that is gone
// before the owner can answer.
func vanishingRequest() bool { return C.probe_vanishing_request() == 0 }

// resetErrorHandler puts Xlib's default error handler (which exits the
// process) back, as GLFW does when it restores the handler it found.
func resetErrorHandler() { C.XSetErrorHandler(nil) }
