package history

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// silentServer accepts connections and never says a word: the stalled
// CardDAV server of the finding.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "http://" + l.Addr().String() + "/dav/"
}

// endlessServer answers every request with a multistatus body that never
// ends, as fast as it can, or a few bytes at a time (trickle).
func endlessServer(t *testing.T, trickle bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(http.StatusMultiStatus)
		w.Write([]byte(`<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">`))
		chunk := []byte(strings.Repeat(`<d:response><d:href>/x</d:href></d:response>`, 200))
		if trickle {
			chunk = []byte(" ")
		}
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			if trickle {
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Millisecond):
				}
			}
		}
	}))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	return srv.URL + "/dav/"
}

func contactCount(t *testing.T, s *Store) int {
	t.Helper()
	cs, err := s.Contacts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(cs)
}

// TestCardDAVStalledServer: a server that accepts and never answers ends
// the sync with a timeout that says so, whether the wait for the answer or
// the whole sync runs out first; nothing stored changes.
func TestCardDAVStalledServer(t *testing.T) {
	s, _ := openTemp(t)
	url := silentServer(t)
	for name, o := range map[string]CardDAVOptions{
		"answer timeout": {ResponseTimeout: 100 * time.Millisecond, Timeout: time.Hour},
		"total deadline": {ResponseTimeout: time.Hour, Timeout: 100 * time.Millisecond},
	} {
		_, err := s.SyncCardDAV(context.Background(), url, "DE", o)
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("%s: err = %v, want ErrTimeout", name, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "nothing was changed") || !strings.Contains(msg, url) {
			t.Errorf("%s: message %q does not say where and that nothing changed", name, msg)
		}
		wantPart := map[string]string{"answer timeout": "sent no answer within 100ms", "total deadline": "no complete answer within 100ms"}[name]
		t.Logf("%s: %s", name, msg)
		if !strings.Contains(msg, wantPart) {
			t.Errorf("%s: message %q, want it to say %q", name, msg, wantPart)
		}
	}
	if n := contactCount(t, s); n != 0 {
		t.Errorf("%d contacts after failed syncs", n)
	}
}

// TestCardDAVEndlessAnswer: a server that streams without end is cut off
// at the size limit (fast stream) or at the deadline (trickle), with an
// error naming the cause.
func TestCardDAVEndlessAnswer(t *testing.T) {
	s, _ := openTemp(t)
	var seen []CardDAVProgress
	_, err := s.SyncCardDAV(context.Background(), endlessServer(t, false), "DE",
		CardDAVOptions{MaxResponse: 1 << 20, Timeout: time.Hour, Progress: func(p CardDAVProgress) { seen = append(seen, p) }})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "more than 1 MiB in one answer") {
		t.Fatalf("endless stream: %v, want ErrTooLarge", err)
	}
	// The user saw the download move before it was cut off.
	if len(seen) < 2 || seen[len(seen)-1].Bytes < 512<<10 {
		t.Errorf("progress = %+v, want the bytes received to be reported as they arrive", seen)
	}
	_, err = s.SyncCardDAV(context.Background(), endlessServer(t, true), "DE",
		CardDAVOptions{Timeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "no complete answer within 300ms") {
		t.Fatalf("trickle: %v, want ErrTimeout", err)
	}
}

// TestCardDAVCancel: cancelling (Ctrl-C, quitting) ends a stalled sync at
// once with a message that says it was cancelled, not that it timed out.
func TestCardDAVCancel(t *testing.T) {
	s, _ := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	o := CardDAVOptions{Timeout: time.Hour, ResponseTimeout: time.Hour,
		Progress: func(p CardDAVProgress) { once.Do(func() { go cancel() }) }}
	_, err := s.SyncCardDAV(ctx, silentServer(t), "DE", o)
	if !errors.Is(err, ErrCanceled) || errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "cancelled; nothing was changed") {
		t.Fatalf("cancelled sync: %v, want ErrCanceled", err)
	}
}
