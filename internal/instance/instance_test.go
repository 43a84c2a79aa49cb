//go:build !windows

package instance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a separate deskdial process that
// owns the instance: it prints "ready", then every message it receives.
const helperEnv = "DESKDIAL_INSTANCE_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(helperMain(dir))
	}
	os.Exit(m.Run())
}

func helperMain(dir string) int {
	s, err := Listen(dir)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	fmt.Println("ready")
	for m := range s.Messages() {
		fmt.Printf("got %q\n", m)
	}
	return 0
}

// serve starts Run for s and returns a stop function that cancels it and
// waits for it to return.
func serve(t *testing.T, s *Server) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// receive sends msg and returns what the server delivered.
func sendAndReceive(t *testing.T, dir string, s *Server, msg string) string {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- Send(testCtx(t), dir, msg) }()
	select {
	case got := <-s.Messages():
		if err := <-errc; err != nil {
			t.Fatalf("Send: %v", err)
		}
		return got
	case err := <-errc:
		t.Fatalf("Send returned %v before the message was delivered", err)
	case <-testCtx(t).Done():
		t.Fatal("no message delivered")
	}
	return ""
}

func TestSecondInstanceHandsOver(t *testing.T) {
	dir := t.TempDir()
	s, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	serve(t, s)

	if _, err := Listen(dir); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Listen: got %v, want ErrRunning", err)
	}
	for _, msg := range []string{"tel:+493012345678", "callto:+1 (555) 010-0199", "line one\nline two ☎"} {
		if got := sendAndReceive(t, dir, s, msg); got != msg {
			t.Errorf("delivered %q, want %q", got, msg)
		}
	}
}

func TestSendWithoutInstance(t *testing.T) {
	dir := t.TempDir()
	if err := Send(testCtx(t), dir, "tel:+493012345678"); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("got %v, want ErrNotRunning", err)
	}
}

func TestAfterRunTheInstanceIsFree(t *testing.T) {
	dir := t.TempDir()
	s, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	stop := serve(t, s)
	stop()
	if _, ok := <-s.Messages(); ok {
		t.Fatal("Messages still open after Run returned")
	}
	if err := Send(testCtx(t), dir, "tel:+493012345678"); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Send after stop: got %v, want ErrNotRunning", err)
	}
	s2, err := Listen(dir)
	if err != nil {
		t.Fatalf("Listen after stop: %v", err)
	}
	s2.Close()
}

func TestBadMessagesAreRefusedAndNothingIsDelivered(t *testing.T) {
	dir := t.TempDir()
	s, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	serve(t, s)
	for _, msg := range []string{"", "   ", strings.Repeat("1", MaxMessage+1), "\xff\xfe"} {
		if err := Send(testCtx(t), dir, msg); !errors.Is(err, ErrBadMessage) {
			t.Errorf("Send(%.20q): got %v, want ErrBadMessage", msg, err)
		}
	}

	// A client that does not speak the protocol gets an answer saying so.
	path, err := socketPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"tel:+4930\n", `{"v":99,"msg":"x"}` + "\n", `{"v":1,"msg":""}` + "\n"} {
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, raw)
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || !strings.Contains(line, `"ok":false`) {
			t.Errorf("raw %q: answer %q, %v; want a refusal", raw, line, err)
		}
	}
	// The server still works and nothing from above reached it.
	if got := sendAndReceive(t, dir, s, "tel:+4930901820"); got != "tel:+4930901820" {
		t.Errorf("delivered %q", got)
	}
}

func TestOnlyOneOfManyConcurrentListenersWins(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []*Server
		running int
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Listen(dir)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners = append(winners, s)
			case errors.Is(err, ErrRunning):
				running++
			default:
				t.Errorf("Listen: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(winners) != 1 || running != n-1 {
		t.Fatalf("%d winners, %d told ErrRunning; want 1 and %d", len(winners), running, n-1)
	}
	winners[0].Close()
}

func TestLongDirectoryUsesRuntimeDir(t *testing.T) {
	rt := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt)
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	s, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	serve(t, s)
	path, _ := socketPath(dir)
	if filepath.Dir(path) != rt {
		t.Fatalf("socket at %s, want it in %s", path, rt)
	}
	if got := sendAndReceive(t, dir, s, "tel:+4930901820"); got != "tel:+4930901820" {
		t.Errorf("delivered %q", got)
	}
}

func TestSocketIsPrivate(t *testing.T) {
	dir := t.TempDir()
	s, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	path, _ := socketPath(dir)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Fatalf("socket mode %v lets others connect", perm)
	}
}

// TestTwoProcesses runs the owner in a separate process, hands it a message
// from this one, then kills it without cleanup and checks the stale socket
// does not block the next start.
func TestTwoProcesses(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("kills with SIGKILL")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string)
	go func() { // owned by the test: ends when the child's stdout closes
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() string {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("helper exited")
			}
			return l
		case <-testCtx(t).Done():
			t.Fatal("helper said nothing")
		}
		return ""
	}
	if l := next(); l != "ready" {
		t.Fatalf("helper: %s", l)
	}

	if _, err := Listen(dir); !errors.Is(err, ErrRunning) {
		t.Fatalf("Listen while another process runs: got %v, want ErrRunning", err)
	}
	if err := Send(testCtx(t), dir, "tel:+493012345678"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if l := next(); l != `got "tel:+493012345678"` {
		t.Fatalf("helper: %s", l)
	}

	// Die without cleanup: the socket file stays behind.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	path, _ := socketPath(dir)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("expected a stale socket after the kill: %v", err)
	}
	if err := Send(testCtx(t), dir, "tel:+493012345678"); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Send to a dead instance: got %v, want ErrNotRunning", err)
	}
	s, err := Listen(dir)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	serve(t, s)
	if got := sendAndReceive(t, dir, s, "callto:+4930901820"); got != "callto:+4930901820" {
		t.Errorf("delivered %q", got)
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(`{"v":1,"msg":"tel:+493012345678"}`))
	f.Add([]byte(`{"v":1,"token":"ab","msg":"x"}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, line []byte) {
		r, err := parseRequest(line)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error %v is not ErrBadMessage", err)
			}
			return
		}
		if checkMessage(r.Msg) != nil || r.V != wireVersion {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func TestRunAfterCloseSaysClosed(t *testing.T) {
	s, err := Listen(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.Run(testCtx(t)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Run after Close: %v, want ErrClosed", err)
	}
	if _, ok := <-s.Messages(); ok {
		t.Fatal("Messages open after Run returned")
	}
}
