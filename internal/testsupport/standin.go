package testsupport

import (
	"encoding/json"
	"os"
	"testing"
	"time"
)

// StandIn lets a test binary stand in for deskdial when something else
// (a desktop's autostart, xdg-open, a URL handler) is to start it: the
// binary, started with the environment variable named env set to a file,
// writes the arguments it got to that file and exits.
//
// Call RunIfAsked first thing in TestMain.
type StandIn string

// RunIfAsked writes the arguments and exits when the binary was started as
// the stand-in; otherwise it returns at once.
func (s StandIn) RunIfAsked() {
	out := os.Getenv(string(s))
	if out == "" {
		return
	}
	b, _ := json.Marshal(os.Args[1:])
	// Written whole, then renamed: the test never reads half a file.
	if err := os.WriteFile(out+".tmp", b, 0o600); err == nil {
		os.Rename(out+".tmp", out)
	}
	os.Exit(0)
}

// Env is the variable that makes a started copy of the binary write its
// arguments to out.
func (s StandIn) Env(out string) string { return string(s) + "=" + out }

// Args waits up to 30 s for the stand-in to have run and returns the
// arguments it got; what names the starter in the failure.
func (s StandIn) Args(t testing.TB, out, what string) []string {
	t.Helper()
	var args []string
	WaitForWithin(t, 30*time.Second, what+" to start the program", func() bool {
		b, err := os.ReadFile(out)
		if err != nil {
			return false
		}
		if err := json.Unmarshal(b, &args); err != nil {
			t.Fatalf("the stand-in's arguments: %v", err)
		}
		return true
	})
	return args
}

// CopyExecutable copies the file from to to, executable.
func CopyExecutable(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
