package history

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

const crashChildEnv = "DESKDIAL_HISTORY_CRASH_CHILD"

// TestMain lets the test binary double as the child of the crash test: it
// writes calls (and contacts) as fast as it can and prints the ID of each
// committed call until it is killed.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(crashChild(path))
	}
	os.Exit(m.Run())
}

func crashChild(path string) int {
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		num := fmt.Sprintf("+4930%07d", i%5000)
		id, err := s.RecordCall(ctx, Call{Number: num, Name: "Crash " + strconv.Itoa(i), PhoneID: "P", Outcome: call.OutcomeRequested})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if i%3 == 0 {
			s.UpdateCall(ctx, id, call.OutcomeEnded, time.Duration(i)*time.Second)
		}
		if i%50 == 0 {
			// Bigger transactions in between: a contact import.
			card := fmt.Sprintf("BEGIN:VCARD\nVERSION:3.0\nFN:Crash %d\nTEL;TYPE=CELL:+49151%08d\nEND:VCARD\n", i, i)
			if _, err := s.ImportVCard(ctx, strings.NewReader(card), "DE"); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		// The ID is printed only after RecordCall returned: committed.
		fmt.Fprintln(w, id)
		w.Flush()
	}
}

func TestCrashMidWriteKeepsCommittedRows(t *testing.T) {
	path := t.TempDir() + "/history.db"
	// Create the schema first so that the kill lands in the stream of
	// writes, not in the migration.
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	sc := bufio.NewScanner(out)
	const want = 300
	for len(ids) < want && sc.Scan() {
		id, err := strconv.ParseInt(sc.Text(), 10, 64)
		if err != nil {
			t.Fatalf("child wrote %q", sc.Text())
		}
		ids = append(ids, id)
	}
	// Kill while the child is still writing.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Lines already in the pipe were committed too.
	for sc.Scan() {
		if id, err := strconv.ParseInt(sc.Text(), 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die from SIGKILL: %v (it must still be writing when killed)", err)
	}
	if len(ids) < want {
		t.Fatalf("child reported only %d commits", len(ids))
	}

	s, err = Open(path)
	if err != nil {
		t.Fatalf("Open after crash: %v", err)
	}
	defer s.Close()
	var check string
	if err := s.db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	var ftsCheck error
	_, ftsCheck = s.db.Exec(`INSERT INTO contact_fts(contact_fts) VALUES ('integrity-check')`)
	if ftsCheck != nil {
		t.Fatalf("search index damaged: %v", ftsCheck)
	}
	for _, id := range ids {
		if _, err := s.Call(context.Background(), id); err != nil {
			t.Fatalf("committed call %d lost: %v", id, err)
		}
	}
	// And the database still takes writes.
	if _, err := s.RecordCall(context.Background(), Call{Number: "+4930123456"}); err != nil {
		t.Fatalf("write after crash: %v", err)
	}
}
