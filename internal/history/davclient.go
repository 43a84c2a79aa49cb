package history

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-webdav"
)

// Limits of a CardDAV sync. A server that accepts the connection and then
// says nothing, or streams without end, must not hang `contacts sync` or
// fill memory: every sync has a total deadline, connecting and waiting for
// an answer's headers have their own shorter ones, and each answer's body
// is bounded.
const (
	DefaultCardDAVTimeout  = 2 * time.Minute
	DefaultConnectTimeout  = 15 * time.Second
	DefaultResponseTimeout = 30 * time.Second
	// DefaultMaxResponse bounds one answer: the same bound as a vCard file.
	DefaultMaxResponse = MaxVCardBytes
)

var (
	// ErrTimeout is returned when a CardDAV server does not answer in time.
	ErrTimeout = errors.New("history: CardDAV server did not answer in time")
	// ErrTooLarge is returned when a CardDAV answer exceeds the size limit.
	ErrTooLarge = errors.New("history: CardDAV answer too large")
	// ErrCanceled is returned when the sync was cancelled (Ctrl-C, quit).
	ErrCanceled = errors.New("history: CardDAV sync cancelled")
)

// CardDAVOptions says how to reach an address book and how long to try.
// Zero values take the defaults above.
type CardDAVOptions struct {
	User, Password string
	// Timeout bounds the whole sync, discovery to storing.
	Timeout time.Duration
	// ConnectTimeout bounds connecting (TCP and TLS); ResponseTimeout
	// bounds the wait for an answer's headers after a request is sent.
	ConnectTimeout, ResponseTimeout time.Duration
	// MaxResponse bounds the body of one answer, in bytes.
	MaxResponse int64
	// Progress, if set, is told what the sync is doing; it is called from
	// the syncing goroutine and must not block.
	Progress func(CardDAVProgress)
}

// CardDAVProgress is one step of a sync, for a progress display.
type CardDAVProgress struct {
	Step  string // "connecting", "listing", "fetching", "storing"
	Done  int    // cards fetched so far (fetching)
	Total int    // cards to fetch (fetching)
	Bytes int64  // bytes received so far
}

func (o CardDAVOptions) withDefaults() CardDAVOptions {
	if o.Timeout <= 0 {
		o.Timeout = DefaultCardDAVTimeout
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.ResponseTimeout <= 0 {
		o.ResponseTimeout = DefaultResponseTimeout
	}
	if o.MaxResponse <= 0 {
		o.MaxResponse = DefaultMaxResponse
	}
	return o
}

// davTracker sees every request of one sync: it counts bytes and
// remembers why the transport gave up, because go-webdav does not always
// keep the cause in the errors it returns.
type davTracker struct {
	bytes    atomic.Int64
	mu       sync.Mutex
	tooLarge bool
	timeout  string // "connect", "answer"
	// tick, if set, is called each time another progressEvery bytes
	// arrived, so a long download is seen to move.
	tick func()
}

const progressEvery = 256 << 10

func (t *davTracker) fail(tooLarge bool, timeout string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tooLarge = t.tooLarge || tooLarge
	if t.timeout == "" {
		t.timeout = timeout
	}
}

// davTransport bounds each answer's body and records timeouts.
type davTransport struct {
	base http.RoundTripper
	max  int64
	tr   *davTracker
}

func (d *davTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := d.base.RoundTrip(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				d.tr.fail(false, "connect")
			} else {
				d.tr.fail(false, "answer")
			}
		}
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: d.max, tr: d.tr}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
	tr   *davTracker
}

// Read passes the body through up to the limit. It reads at most one byte
// beyond it, to tell a body that ends exactly at the limit from a longer
// one, and withholds that byte.
func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if total := b.tr.bytes.Add(int64(n)); b.tr.tick != nil && total/progressEvery != (total-int64(n))/progressEvery {
		b.tr.tick()
	}
	if b.left < 0 {
		b.tr.fail(true, "")
		return n - 1, ErrTooLarge
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// client makes the HTTP client of one sync.
func (o CardDAVOptions) client(tr *davTracker) webdav.HTTPClient {
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   o.ConnectTimeout,
		ResponseHeaderTimeout: o.ResponseTimeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
	}
	var hc webdav.HTTPClient = &http.Client{Transport: &davTransport{base: base, max: o.MaxResponse, tr: tr}}
	if o.User != "" || o.Password != "" {
		hc = webdav.HTTPClientWithBasicAuth(hc, o.User, o.Password)
	}
	return hc
}

// errSyncDeadline is the cause of a sync's own deadline, to tell it from
// a deadline or cancellation of the caller's.
var errSyncDeadline = errors.New("sync deadline")

// explain turns a failed request into an error that says what happened:
// too large an answer, a server that did not answer, or a cancellation.
// Anything else is returned as it is.
func (o CardDAVOptions) explain(ctx, parent context.Context, tr *davTracker, err error) error {
	tr.mu.Lock()
	tooLarge, timeout := tr.tooLarge, tr.timeout
	tr.mu.Unlock()
	switch {
	case tooLarge:
		return fmt.Errorf("%w: the server sent more than %d MiB in one answer; nothing was changed", ErrTooLarge, o.MaxResponse>>20)
	case parent.Err() != nil && context.Cause(ctx) != errSyncDeadline:
		return fmt.Errorf("%w; nothing was changed", ErrCanceled)
	case context.Cause(ctx) == errSyncDeadline:
		return fmt.Errorf("%w: no complete answer within %s; nothing was changed (is the server up? try again later)", ErrTimeout, o.Timeout)
	case timeout == "connect":
		return fmt.Errorf("%w: could not connect within %s; nothing was changed", ErrTimeout, o.ConnectTimeout)
	case errors.Is(err, ErrBadAnswer):
		return fmt.Errorf("%w; nothing was changed", err)
	case timeout == "answer":
		return fmt.Errorf("%w: the server accepted the request but sent no answer within %s; nothing was changed", ErrTimeout, o.ResponseTimeout)
	}
	return err
}
