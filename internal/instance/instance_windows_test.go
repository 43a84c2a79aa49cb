//go:build windows

package instance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests run under Wine in CI (internal/wintest) and on Windows.

const winHelperEnv = "DESKDIAL_INSTANCE_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(winHelperEnv); dir != "" {
		os.Exit(winHelperMain(dir))
	}
	os.Exit(m.Run())
}

func winHelperMain(dir string) int {
	s, err := Listen(dir)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	go s.Run(context.Background())
	fmt.Println("ready")
	for m := range s.Messages() {
		fmt.Printf("got %q\n", m)
	}
	return 0
}

// winTempDir is t.TempDir for Wine too: os.RemoveAll, which t.TempDir's
// cleanup calls, deletes with FILE_DISPOSITION_INFORMATION_EX there, which
// Wine 8 does not implement ("Invalid function"); os.Remove of one file
// or empty directory at a time works.
func winTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "deskdial-instance-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var paths []string
		filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
			paths = append(paths, p)
			return nil
		})
		for i := len(paths) - 1; i >= 0; i-- {
			if err := os.Remove(paths[i]); err != nil {
				t.Errorf("clean up: %v", err)
			}
		}
	})
	return dir
}

func winCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestWindowsHandOverBetweenProcesses(t *testing.T) {
	dir := winTempDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), winHelperEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
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
		case <-winCtx(t).Done():
			t.Fatal("helper said nothing")
		}
		return ""
	}
	if l := next(); l != "ready" {
		t.Fatalf("helper: %s", l)
	}
	if _, err := Listen(dir); !errors.Is(err, ErrRunning) {
		t.Fatalf("Listen while another process owns the instance: %v, want ErrRunning", err)
	}
	if err := Send(winCtx(t), dir, "tel:+493012345678"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if l := next(); l != `got "tel:+493012345678"` {
		t.Fatalf("helper: %s", l)
	}

	// A caller that cannot read the token file is refused.
	b, err := os.ReadFile(addrFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	var ep endpoint
	if err := json.Unmarshal(b, &ep); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", ep.Addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, `{"v":1,"token":"%s","msg":"tel:+4930999"}`+"\n", strings.Repeat("0", 64))
	answer, _ := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if !strings.Contains(answer, "wrong token") {
		t.Fatalf("a wrong token got %q", answer)
	}

	// The owner dies without cleanup: its address file stays, and the next
	// deskdial takes over.
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(addrFile(dir)); err != nil {
		t.Fatalf("expected the dead owner's address file: %v", err)
	}
	if err := Send(winCtx(t), dir, "tel:+493012345678"); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Send to a dead owner: %v, want ErrNotRunning", err)
	}
	s, err := Listen(dir)
	if err != nil {
		t.Fatalf("Listen after the owner died: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	errc := make(chan error, 1)
	go func() { errc <- Send(winCtx(t), dir, "callto:+4930901820") }()
	select {
	case got := <-s.Messages():
		if got != "callto:+4930901820" {
			t.Fatalf("delivered %q", got)
		}
	case <-winCtx(t).Done():
		t.Fatal("nothing delivered")
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestWindowsSendWithoutInstance(t *testing.T) {
	if err := Send(winCtx(t), winTempDir(t), "tel:+493012345678"); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Send: %v, want ErrNotRunning", err)
	}
}

// A deskdial that died leaves its address file, naming a loopback port any
// local program may take next. A link clicked then must not go, with the
// token, to whoever listens there.
func TestWindowsStrangerOnDeadOwnersPortGetsNothing(t *testing.T) {
	dir := winTempDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), winHelperEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if l, _ := bufio.NewReader(out).ReadString('\n'); strings.TrimSpace(l) != "ready" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper: %q", l)
	}
	b, err := os.ReadFile(addrFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	var ep endpoint
	if err := json.Unmarshal(b, &ep); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Kill()
	cmd.Wait()

	stranger, err := net.Listen("tcp", ep.Addr)
	if err != nil {
		t.Skipf("the dead owner's port %s is not free again yet: %v", ep.Addr, err)
	}
	defer stranger.Close()
	got := make(chan string, 1)
	go func() { // owned by the test: ends when stranger is closed
		c, err := stranger.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		got <- line
	}()
	if err := Send(winCtx(t), dir, "tel:+493012345678"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Send with a stranger on the dead owner's port: %v, want ErrNotRunning", err)
	}
	stranger.Close()
	select {
	case line := <-got:
		t.Fatalf("the stranger received %q", line)
	default:
	}
}
