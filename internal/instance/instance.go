// Package instance keeps deskdial to one running tray app per settings
// directory and lets a second invocation hand its work to the first.
//
// Clicking a tel: link starts a new deskdial process. When the tray app is
// already running, that process should not start a second tray (and a second
// embedded NATS server on the same port): it passes the link to the running
// app over a local socket and exits, and the running app prompts as if the
// number had been copied.
//
// Ownership is decided by an exclusive lock on a file next to the socket, not
// by the socket alone: the kernel drops the lock when the owner dies, so a
// socket left behind by a crash is recognised as stale and replaced, and two
// processes starting at the same moment cannot both win.
//
// Transport per OS: a Unix domain socket (mode 0600, in the private settings
// directory) on Linux, the BSDs and macOS; on Windows a loopback TCP port
// whose address and a random token are written to a 0600 file, because a
// listener there is reachable by every local user and the token is what
// proves the caller can read this user's files.
package instance

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// ShowMessage asks the running instance to show its main window:
// `deskdial` started again while it runs (the way to its menu on a desktop
// without tray icons).
const ShowMessage = "deskdial:show"

// Errors.
var (
	// ErrRunning means another process owns the instance for this directory.
	ErrRunning = errors.New("instance: another deskdial is already running")
	// ErrNotRunning means no process owns the instance: Send found nobody to
	// hand the message to.
	ErrNotRunning = errors.New("instance: no running deskdial")
	// ErrRefused means the running instance received the message but did
	// not accept it; the wrapped text says why.
	ErrRefused = errors.New("instance: message refused")
	// ErrBadMessage means a message is too long, empty or not UTF-8.
	ErrBadMessage = errors.New("instance: bad message")
	// ErrClosed is returned by Run on a server that was already closed.
	ErrClosed = errors.New("instance: server closed")
)

// MaxMessage is the longest message in bytes. A tel: URI or a pasted snippet
// fits easily; anything longer is not something a user meant to dial.
const MaxMessage = 4096

// ioTimeout bounds how long one connection may take to send its request and
// read the answer, so a stuck or hostile client cannot hold a handler forever.
const ioTimeout = 10 * time.Second

// request and reply are the wire format: one JSON object per line each way.
// JSON rather than raw text because a message may itself contain newlines.
type request struct {
	V     int    `json:"v"`
	Token string `json:"token,omitempty"`
	Msg   string `json:"msg"`
}

type reply struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

const wireVersion = 1

// checkMessage says whether msg may travel: non-empty, valid UTF-8 and at most
// MaxMessage bytes.
func checkMessage(msg string) error {
	switch {
	case strings.TrimSpace(msg) == "":
		return fmt.Errorf("%w: empty", ErrBadMessage)
	case len(msg) > MaxMessage:
		return fmt.Errorf("%w: %d bytes, at most %d", ErrBadMessage, len(msg), MaxMessage)
	case !utf8.ValidString(msg):
		return fmt.Errorf("%w: not UTF-8", ErrBadMessage)
	}
	return nil
}

// parseRequest decodes and checks one request line.
func parseRequest(line []byte) (request, error) {
	var r request
	if err := json.Unmarshal(line, &r); err != nil {
		return r, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	if r.V != wireVersion {
		return r, fmt.Errorf("%w: wire version %d, want %d", ErrBadMessage, r.V, wireVersion)
	}
	return r, checkMessage(r.Msg)
}

// Server owns the instance for one directory until Run returns or Close is
// called. Receive the messages of later invocations from Messages.
type Server struct {
	ln    net.Listener
	token string // empty where the transport needs none
	owner *owner // the held lock and the files to remove on close
	msgs  chan string

	closeOnce sync.Once
	closeErr  error
	ran       bool
	mu        sync.Mutex
}

// Listen takes ownership of the instance for dir (deskdial's settings
// directory). It returns ErrRunning when another process holds it. A socket
// left behind by a process that died is removed and replaced.
func Listen(dir string) (*Server, error) {
	o, err := lock(dir)
	if err != nil {
		return nil, err
	}
	ln, token, err := listen(dir)
	if err != nil {
		o.release()
		return nil, fmt.Errorf("instance: listen in %s: %w", dir, err)
	}
	return &Server{ln: ln, token: token, owner: o, msgs: make(chan string)}, nil
}

// Messages delivers each message a later invocation sent, in the order they
// arrived. The sender is told "ok" only once the message was taken from this
// channel, so a message is never acknowledged and then lost. The channel is
// closed when Run returns.
func (s *Server) Messages() <-chan string { return s.msgs }

// Run accepts connections until ctx is done, then closes the listener,
// removes the socket, releases the instance and closes Messages. It returns
// nil after a cancelled ctx.
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.ran {
		s.mu.Unlock()
		return ErrClosed
	}
	s.ran = true
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer func() {
		cancel()
		s.Close()
		wg.Wait() // handlers may still be sending on msgs
		close(s.msgs)
	}()
	go func() { // owned by Run: unblocks Accept when ctx ends
		<-ctx.Done()
		s.ln.Close()
	}()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) { // Close was called before or during Run
				return ErrClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("instance: accept: %w", err)
		}
		wg.Add(1)
		go func() { // owned by Run through wg and ctx
			defer wg.Done()
			s.handle(ctx, c)
		}()
	}
}

// handle serves one connection: read one request, deliver it, answer.
func (s *Server) handle(ctx context.Context, c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(ioTimeout))
	// One line, at most a little more than the largest valid request (JSON
	// may escape every byte of the message as \uXXXX).
	r := bufio.NewReaderSize(io.LimitReader(c, 6*MaxMessage+256), 4096)
	line, err := r.ReadBytes('\n')
	if err != nil {
		answer(c, reply{Error: "incomplete request"})
		return
	}
	req, err := parseRequest(line)
	if err != nil {
		answer(c, reply{Error: err.Error()})
		return
	}
	if s.token != "" && !tokenEqual(req.Token, s.token) {
		answer(c, reply{Error: "wrong token"})
		return
	}
	deadline := time.NewTimer(ioTimeout)
	defer deadline.Stop()
	select {
	case s.msgs <- req.Msg:
		answer(c, reply{OK: true})
	case <-ctx.Done():
		answer(c, reply{Error: "deskdial is shutting down"})
	case <-deadline.C:
		answer(c, reply{Error: "deskdial is busy"})
	}
}

// tokenEqual compares in constant time so the answer's timing does not leak
// how much of a guessed token was right.
func tokenEqual(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func answer(c net.Conn, r reply) {
	b, _ := json.Marshal(r)
	_, _ = c.Write(append(b, '\n'))
}

// Close stops accepting, removes the socket and releases the instance. Run
// calls it on return; call it yourself only if you never call Run.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		err := s.ln.Close()
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
		s.owner.release()
		s.closeErr = err
	})
	return s.closeErr
}

// Send hands msg to the instance running for dir and waits until it took the
// message. It returns ErrNotRunning when no instance runs there (the caller
// then does the work itself), ErrRefused when the instance said no.
func Send(ctx context.Context, dir, msg string) error {
	if err := checkMessage(msg); err != nil {
		return err
	}
	c, token, err := dial(ctx, dir)
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	} else {
		_ = c.SetDeadline(time.Now().Add(2 * ioTimeout))
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	b, _ := json.Marshal(request{V: wireVersion, Token: token, Msg: msg})
	if _, err := c.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("instance: send: %w", ctxErr(ctx, err))
	}
	line, err := bufio.NewReader(io.LimitReader(c, 64*1024)).ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("instance: read answer: %w", ctxErr(ctx, err))
	}
	var rep reply
	if err := json.Unmarshal(line, &rep); err != nil {
		return fmt.Errorf("instance: read answer: %w", err)
	}
	if !rep.OK {
		return fmt.Errorf("%w: %s", ErrRefused, rep.Error)
	}
	return nil
}

// ctxErr prefers the context's error over the I/O error it caused.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
