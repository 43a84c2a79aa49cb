package clipwatch

/*
#cgo LDFLAGS: -lX11 -lXfixes
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <X11/extensions/Xfixes.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// A requestor window can vanish while we answer it (BadWindow). X errors
// on our connections are caught by x11conn's error handler, the process's
// one, instead of Xlib's default, which would exit; their codes are not
// needed here. Requests that may fail run after x11conn.Trap.

typedef struct {
	Display *d;
	Window w;
	int xfixes_event;
	Atom clipboard, targets, utf8, text, textplain, timestamp, incr, hint, prop, multiple;
} cw_conn;

// cw_open sets up a connection of x11conn.Open's.
static cw_conn *cw_open(Display *d, int want_xfixes, int *no_xfixes) {
	int ev = 0, er = 0;
	if (want_xfixes && !XFixesQueryExtension(d, &ev, &er)) *no_xfixes = 1;

	cw_conn *c = calloc(1, sizeof *c);
	c->d = d;
	c->xfixes_event = ev;
	c->w = XCreateSimpleWindow(d, DefaultRootWindow(d), 0, 0, 1, 1, 0, 0, 0);
	XSelectInput(d, c->w, PropertyChangeMask);
	c->clipboard = XInternAtom(d, "CLIPBOARD", False);
	c->targets = XInternAtom(d, "TARGETS", False);
	c->utf8 = XInternAtom(d, "UTF8_STRING", False);
	c->text = XInternAtom(d, "TEXT", False);
	c->textplain = XInternAtom(d, "text/plain;charset=utf-8", False);
	c->timestamp = XInternAtom(d, "TIMESTAMP", False);
	c->incr = XInternAtom(d, "INCR", False);
	c->hint = XInternAtom(d, "x-kde-passwordManagerHint", False);
	c->prop = XInternAtom(d, "DESKDIAL_SELECTION", False);
	c->multiple = XInternAtom(d, "MULTIPLE", False);
	return c;
}

// cw_close frees c; the caller closes the connection (x11conn.Close).
static void cw_close(cw_conn *c) {
	XDestroyWindow(c->d, c->w);
	free(c);
}

static Atom cw_sel(cw_conn *c, int sel) { return sel ? XA_PRIMARY : c->clipboard; }

// cw_watch asks the X server to tell us whenever a selection gets a new
// owner: no polling, the connection stays silent until someone copies.
static void cw_watch(cw_conn *c, int clip, int primary) {
	if (clip) XFixesSelectSelectionInput(c->d, c->w, c->clipboard, XFixesSetSelectionOwnerNotifyMask);
	if (primary) XFixesSelectSelectionInput(c->d, c->w, XA_PRIMARY, XFixesSetSelectionOwnerNotifyMask);
	XFlush(c->d);
}

// What we own: the text and, for tests, one extra target.
typedef struct {
	char *data;
	size_t len;
	Time time;
	Atom extra;
	char *extra_val;
} cw_owned;

static int cw_ascii(const char *s, size_t n) {
	for (size_t i = 0; i < n; i++) if ((unsigned char)s[i] > 127) return 0;
	return 1;
}

// cw_serve answers another program's request for our selection (cw_next
// runs after x11conn.Trap).
static void cw_serve(cw_conn *c, cw_owned *o, XSelectionRequestEvent *r) {
	XSelectionEvent ev;
	memset(&ev, 0, sizeof ev);
	ev.type = SelectionNotify;
	ev.display = r->display;
	ev.requestor = r->requestor;
	ev.selection = r->selection;
	ev.target = r->target;
	ev.time = r->time;
	ev.property = None;
	Atom prop = r->property != None ? r->property : r->target; // ICCCM: obsolete clients
	int ascii = o->data ? cw_ascii(o->data, o->len) : 0;
	if (!o->data || r->selection != c->clipboard) {
		// not ours (any more): refuse
	} else if (r->target == c->targets) {
		Atom list[8];
		int n = 0;
		list[n++] = c->targets;
		list[n++] = c->timestamp;
		list[n++] = c->utf8;
		list[n++] = c->textplain;
		if (ascii) { list[n++] = XA_STRING; list[n++] = c->text; }
		if (o->extra) list[n++] = o->extra;
		XChangeProperty(c->d, r->requestor, prop, XA_ATOM, 32, PropModeReplace, (unsigned char *)list, n);
		ev.property = prop;
	} else if (r->target == c->timestamp) {
		long t = (long)o->time;
		XChangeProperty(c->d, r->requestor, prop, XA_INTEGER, 32, PropModeReplace, (unsigned char *)&t, 1);
		ev.property = prop;
	} else if (r->target == c->utf8 || r->target == c->textplain ||
	           (ascii && (r->target == XA_STRING || r->target == c->text))) {
		Atom type = r->target == c->text ? XA_STRING : r->target;
		XChangeProperty(c->d, r->requestor, prop, type, 8, PropModeReplace, (unsigned char *)o->data, (int)o->len);
		ev.property = prop;
	} else if (o->extra && r->target == o->extra) {
		XChangeProperty(c->d, r->requestor, prop, c->utf8, 8, PropModeReplace,
		                (unsigned char *)o->extra_val, (int)strlen(o->extra_val));
		ev.property = prop;
	}
	XSendEvent(c->d, r->requestor, False, NoEventMask, (XEvent *)&ev);
	// Synced, not just flushed: a BadWindow from a requestor that left
	// must reach our handler while it is still installed.
	XSync(c->d, False);
}

// cw_servertime gets a real server timestamp (ICCCM asks owners not to
// use CurrentTime) from the PropertyNotify of an empty append.
static Time cw_servertime(cw_conn *c) {
	unsigned char none = 0;
	XChangeProperty(c->d, c->w, c->prop, XA_STRING, 8, PropModeAppend, &none, 0);
	XEvent ev;
	XWindowEvent(c->d, c->w, PropertyChangeMask, &ev);
	return ev.xproperty.time;
}

// cw_own takes the clipboard with data (copied). 0: ok, 1: refused.
static int cw_own(cw_conn *c, cw_owned *o, const char *data, size_t len) {
	char *copy = malloc(len ? len : 1);
	memcpy(copy, data, len);
	free(o->data);
	o->data = copy;
	o->len = len;
	o->time = cw_servertime(c);
	XSetSelectionOwner(c->d, c->clipboard, c->w, o->time);
	if (XGetSelectionOwner(c->d, c->clipboard) != c->w) {
		free(o->data);
		o->data = NULL;
		return 1;
	}
	return 0;
}

static void cw_set_extra(cw_conn *c, cw_owned *o, const char *target, const char *val) {
	o->extra = XInternAtom(c->d, target, False);
	free(o->extra_val);
	o->extra_val = strdup(val);
}

static void cw_owned_free(cw_owned *o) { free(o->data); free(o->extra_val); }

enum { CW_NONE = -1, CW_HANDLED = 0, CW_CHANGE = 1, CW_LOST = 2 };

// cw_next handles one queued event. A new owner of a watched selection
// that is not us comes back as CW_CHANGE with *sel set (0 clipboard,
// 1 primary).
static int cw_next(cw_conn *c, cw_owned *o, int *sel) {
	if (!XPending(c->d)) return CW_NONE;
	XEvent ev;
	XNextEvent(c->d, &ev);
	if (c->xfixes_event && ev.type == c->xfixes_event + XFixesSelectionNotify) {
		XFixesSelectionNotifyEvent *e = (XFixesSelectionNotifyEvent *)&ev;
		if (e->owner == None || e->owner == c->w) return CW_HANDLED; // gone, or our own Write
		*sel = e->selection == XA_PRIMARY ? 1 : 0;
		return CW_CHANGE;
	}
	switch (ev.type) {
	case SelectionRequest:
		cw_serve(c, o, &ev.xselectionrequest);
		return CW_HANDLED;
	case SelectionClear:
		if (ev.xselectionclear.selection == c->clipboard) {
			free(o->data);
			o->data = NULL;
			return CW_LOST;
		}
	}
	return CW_HANDLED;
}

static long long cw_now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// cw_await waits for a SelectionNotify (answer to our request for target)
// or a PropertyNotify(NewValue) of our property, until deadline.
// 1: got it, 0: timeout, -1: connection lost.
static int cw_await(cw_conn *c, int type, Atom sel, XEvent *out, long long deadline) {
	for (;;) {
		while (XCheckTypedWindowEvent(c->d, c->w, type, out)) {
			// Some owners (xclip among them) answer with their own
			// target in the reply, so only the selection is compared;
			// stale answers were dropped before the request.
			if (type == SelectionNotify && out->xselection.selection == sel) return 1;
			if (type == PropertyNotify && out->xproperty.atom == c->prop &&
			    out->xproperty.state == PropertyNewValue) return 1;
		}
		long long left = deadline - cw_now_ms();
		if (left <= 0) return 0;
		struct pollfd p = {ConnectionNumber(c->d), POLLIN, 0};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR) return -1;
		if (r > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) return -1;
		if (r > 0) XEventsQueued(c->d, QueuedAfterReading);
	}
}

// cw_unit is the size of one item XGetWindowProperty returns: Xlib hands
// format-32 data back as an array of long, 8 bytes on 64-bit systems.
static size_t cw_unit(int format) {
	return format == 32 ? sizeof(long) : format == 16 ? sizeof(short) : 1;
}

enum { CW_R_OK = 0, CW_R_EMPTY = 1, CW_R_TIMEOUT = 2, CW_R_LOST = 3 };

// cw_convert asks the owner of sel for target and fetches the answer
// (following INCR transfers) into a malloc'd buffer, keeping at most cap
// bytes; *more is set when there was more.
static int cw_convert(cw_conn *c, Atom sel, Atom target, size_t cap, long long deadline,
                      unsigned char **out, size_t *outlen, Atom *type_out, int *more) {
	*out = NULL; *outlen = 0; *more = 0;
	XDeleteProperty(c->d, c->w, c->prop);
	XConvertSelection(c->d, sel, target, c->prop, c->w, CurrentTime);
	XEvent ev;
	int r = cw_await(c, SelectionNotify, sel, &ev, deadline);
	if (r == 0) return CW_R_TIMEOUT;
	if (r < 0) return CW_R_LOST;
	if (ev.xselection.property == None) return CW_R_EMPTY;

	Atom type; int format; unsigned long n, after; unsigned char *data = NULL;
	long words = (long)(cap / 4) + 1;
	if (XGetWindowProperty(c->d, c->w, c->prop, 0, words, False, AnyPropertyType,
	                       &type, &format, &n, &after, &data) != Success)
		return CW_R_EMPTY;
	*type_out = type;
	if (type != c->incr) {
		size_t bytes = n * cw_unit(format);
		if (bytes > cap) { bytes = cap; *more = 1; }
		if (after) *more = 1;
		*out = malloc(bytes + 1);
		memcpy(*out, data, bytes);
		*outlen = bytes;
		XFree(data);
		XDeleteProperty(c->d, c->w, c->prop);
		return CW_R_OK;
	}
	// INCR: the owner sends chunks, each after we delete the previous
	// one, and ends with an empty chunk. Past cap we keep deleting (so the
	// owner is not left hanging) but keep nothing.
	XFree(data);
	size_t size = 0, room = 4096;
	unsigned char *buf = malloc(room);
	// The owner writing the INCR property itself queued a NewValue
	// notification; drop it, or it would be taken for the first chunk.
	XSync(c->d, False);
	while (XCheckTypedWindowEvent(c->d, c->w, PropertyNotify, &ev)) {}
	XDeleteProperty(c->d, c->w, c->prop);
	XFlush(c->d);
	for (;;) {
		r = cw_await(c, PropertyNotify, 0, &ev, deadline);
		if (r <= 0) { *more = 1; break; } // timed out mid-transfer: keep what we have
		if (XGetWindowProperty(c->d, c->w, c->prop, 0, 0x1000000, True, AnyPropertyType,
		                       &type, &format, &n, &after, &data) != Success) break;
		if (type == None) continue; // already taken: a late notification
		size_t bytes = n * cw_unit(format);
		if (type != c->incr) *type_out = type;
		if (bytes == 0) { XFree(data); break; }
		if (size < cap) {
			size_t take = bytes;
			if (size + take > cap) { take = cap - size; *more = 1; }
			if (size + take > room) {
				while (size + take > room) room *= 2;
				buf = realloc(buf, room);
			}
			memcpy(buf + size, data, take);
			size += take;
		} else {
			*more = 1;
		}
		XFree(data);
		XFlush(c->d);
	}
	*out = buf;
	*outlen = size;
	return CW_R_OK;
}

// cw_read reads the text of sel: TARGETS first, to learn whether a
// password manager flagged it (then the text is not read at all) and
// which text target the owner offers.
// Returns a CW_R_* code; *secret set for flagged content.
static int cw_read(cw_conn *c, int selno, size_t cap, int timeout_ms,
                   unsigned char **out, size_t *outlen, int *secret, int *more) {
	Atom sel = cw_sel(c, selno);
	*out = NULL; *outlen = 0; *secret = 0; *more = 0;
	if (XGetSelectionOwner(c->d, sel) == None) return CW_R_EMPTY;
	long long deadline = cw_now_ms() + timeout_ms;
	unsigned char *data; size_t len; Atom type; int m;
	// Drop answers to earlier requests that came after their timeout.
	XEvent junk;
	XSync(c->d, False);
	while (XCheckTypedWindowEvent(c->d, c->w, SelectionNotify, &junk)) {}
	while (XCheckTypedWindowEvent(c->d, c->w, PropertyNotify, &junk)) {}

	Atom want = c->utf8; // owners without TARGETS: just ask for UTF-8
	int r = cw_convert(c, sel, c->targets, 4096, deadline, &data, &len, &type, &m);
	if (r == CW_R_TIMEOUT || r == CW_R_LOST) return r;
	if (r == CW_R_OK && type == XA_ATOM) {
		Atom *list = (Atom *)data;
		size_t n = len / sizeof(Atom);
		int utf8 = 0, plain = 0, str = 0, hint = 0;
		for (size_t i = 0; i < n; i++) {
			if (list[i] == c->utf8) utf8 = 1;
			else if (list[i] == c->textplain) plain = 1;
			else if (list[i] == XA_STRING) str = 1;
			else if (list[i] == c->hint) hint = 1;
		}
		free(data);
		if (hint) {
			unsigned char *v; size_t vl; Atom vt; int vm;
			int hr = cw_convert(c, sel, c->hint, 64, deadline, &v, &vl, &vt, &vm);
			// Unreadable hint: treat as secret rather than risk it.
			int secret_val = hr != CW_R_OK || (vl == 6 && memcmp(v, "secret", 6) == 0);
			if (hr == CW_R_OK) free(v);
			if (secret_val) { *secret = 1; return CW_R_OK; }
		}
		if (utf8) want = c->utf8;
		else if (plain) want = c->textplain;
		else if (str) want = XA_STRING;
		else return CW_R_EMPTY; // no text on offer (an image, files)
	} else if (r == CW_R_OK) {
		free(data);
	}
	r = cw_convert(c, sel, want, cap, deadline, out, outlen, &type, more);
	return r;
}

static void cw_free(void *p) { free(p); }
*/
import "C"

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"
	"unsafe"

	"github.com/deskdial/deskdial/internal/x11conn"
)

// x11 watches through XFixes on one X connection that also owns what
// Write puts on the clipboard, and reads through a second connection, so
// that reading never stalls the loop that serves our own selection.
type x11 struct {
	o     *options
	loop  *C.cw_conn // used only by run's goroutine once run starts
	owned C.cw_owned

	rmu    sync.Mutex // guards reader and closed
	reader *C.cw_conn
	closed bool

	wakeR, wakeW *os.File
	writes       chan writeReq
	stopped      chan struct{}

	omu      sync.Mutex // guards ours
	ours     string
	haveOurs bool
}

type writeReq struct {
	text  string
	reply chan error
}

func newX11(o *options, needXfixes bool) (*x11, error) {
	var noXfixes C.int
	want := C.int(0)
	if needXfixes {
		want = 1
	}
	loop := openConn(want, &noXfixes)
	if loop == nil {
		return nil, fmt.Errorf("open X display %q: %w", os.Getenv("DISPLAY"), ErrUnsupported)
	}
	if noXfixes != 0 {
		closeConn(loop)
		return nil, errNoXfixes
	}
	reader := openConn(0, &noXfixes)
	if reader == nil {
		closeConn(loop)
		return nil, fmt.Errorf("open X display %q: %w", os.Getenv("DISPLAY"), ErrUnsupported)
	}
	r, w, err := os.Pipe()
	if err != nil {
		closeConn(loop)
		closeConn(reader)
		return nil, fmt.Errorf("make wake pipe: %w", err)
	}
	x := &x11{o: o, loop: loop, reader: reader, wakeR: r, wakeW: w,
		writes: make(chan writeReq, 8), stopped: make(chan struct{})}
	if o.extraTarget != "" {
		t, v := C.CString(o.extraTarget), C.CString(o.extraValue)
		C.cw_set_extra(loop, &x.owned, t, v)
		C.free(unsafe.Pointer(t))
		C.free(unsafe.Pointer(v))
	}
	return x, nil
}

// openConn opens and sets up an X connection of our own; nil when it
// cannot.
func openConn(wantXfixes C.int, noXfixes *C.int) *C.cw_conn {
	d := x11conn.Open()
	if d == nil {
		return nil
	}
	return C.cw_open((*C.Display)(d), wantXfixes, noXfixes)
}

// closeConn closes a connection of openConn's.
func closeConn(c *C.cw_conn) {
	d := unsafe.Pointer(c.d)
	x11conn.Trap()
	C.cw_close(c)
	x11conn.Close(d)
}

func (x *x11) mechanism() string { return "xfixes" }

func (x *x11) run(ctx context.Context, changed func(Selection, time.Time)) error {
	defer close(x.stopped)
	defer x.shutdown()
	clip, prim := C.int(0), C.int(0)
	for _, s := range x.o.selections {
		if s == Primary {
			prim = 1
		} else {
			clip = 1
		}
	}
	C.cw_watch(x.loop, clip, prim)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		// Owned by run: turns cancellation into a byte on the wake pipe,
		// the only way into the blocked poll.
		select {
		case <-ctx.Done():
			x.wakeW.Write([]byte{'q'})
		case <-stop:
		}
	}()
	wakefd := int(x.wakeR.Fd())
	var buf [64]byte
	for {
		switch x11conn.Wait(unsafe.Pointer(x.loop.d), wakefd) {
		case x11conn.Events:
			x.drain(changed)
		case x11conn.Woken:
			n, _ := x.wakeR.Read(buf[:])
			for _, b := range buf[:n] {
				if b == 'q' {
					return nil
				}
			}
			x.serveWrites()
			x.drain(changed)
		default:
			return fmt.Errorf("watch clipboard: X connection lost")
		}
	}
}

func (x *x11) drain(changed func(Selection, time.Time)) {
	for {
		var sel C.int
		x11conn.Trap() // cw_next answers requestors, which may have gone
		switch C.cw_next(x.loop, &x.owned, &sel) {
		case C.CW_NONE:
			return
		case C.CW_CHANGE:
			s := Clipboard
			if sel == 1 {
				s = Primary
			}
			changed(s, time.Now())
		case C.CW_LOST:
			x.omu.Lock()
			x.haveOurs = false
			x.omu.Unlock()
		}
	}
}

func (x *x11) serveWrites() {
	for {
		select {
		case req := <-x.writes:
			cs := C.CString(req.text)
			x11conn.Trap()
			rc := C.cw_own(x.loop, &x.owned, cs, C.size_t(len(req.text)))
			C.free(unsafe.Pointer(cs))
			if rc != 0 {
				req.reply <- fmt.Errorf("take clipboard: the X server gave it to another program")
				continue
			}
			x.omu.Lock()
			x.ours, x.haveOurs = req.text, true
			x.omu.Unlock()
			req.reply <- nil
		default:
			return
		}
	}
}

// shutdown runs on run's goroutine: fail waiting writes, then release
// both connections under the reader lock so no Read is using them.
func (x *x11) shutdown() {
	for {
		select {
		case req := <-x.writes:
			req.reply <- ErrClosed
			continue
		default:
		}
		break
	}
	closeConn(x.loop)
	C.cw_owned_free(&x.owned)
	x.rmu.Lock()
	closeConn(x.reader)
	x.closed = true
	x.rmu.Unlock()
	x.wakeR.Close()
	x.wakeW.Close() // a Write racing with the end gets an error: ErrClosed
	x.omu.Lock()
	x.haveOurs = false
	x.omu.Unlock()
}

func (x *x11) write(ctx context.Context, text string) error {
	req := writeReq{text, make(chan error, 1)}
	select {
	case x.writes <- req:
	case <-x.stopped:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	if _, err := x.wakeW.Write([]byte{'w'}); err != nil {
		return ErrClosed
	}
	select {
	case err := <-req.reply:
		return err
	case <-x.stopped:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (x *x11) read(ctx context.Context, sel Selection) (string, bool, error) {
	if sel == Clipboard {
		// Our own text: answer directly, the loop may be busy or stopped.
		x.omu.Lock()
		text, ok := x.ours, x.haveOurs
		x.omu.Unlock()
		if ok {
			return capText([]byte(text), x.o.maxBytes), false, nil
		}
	}
	timeout := x.o.readTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = time.Until(dl)
	}
	if timeout <= 0 {
		return "", false, ctx.Err()
	}
	x.rmu.Lock()
	defer x.rmu.Unlock()
	if x.closed {
		return "", false, ErrClosed
	}
	selno := C.int(0)
	if sel == Primary {
		selno = 1
	}
	var data *C.uchar
	var n C.size_t
	var secret, more C.int
	x11conn.Trap()
	rc := C.cw_read(x.reader, selno, C.size_t(x.o.maxBytes), C.int(timeout/time.Millisecond),
		&data, &n, &secret, &more)
	if data != nil {
		defer C.cw_free(unsafe.Pointer(data))
	}
	switch rc {
	case C.CW_R_OK:
	case C.CW_R_EMPTY:
		return "", false, nil
	case C.CW_R_TIMEOUT:
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
		return "", false, ErrTimeout
	default:
		return "", false, fmt.Errorf("read selection: X connection lost")
	}
	if secret != 0 {
		return "", true, nil
	}
	return capText(C.GoBytes(unsafe.Pointer(data), C.int(n)), x.o.maxBytes), false, nil
}
