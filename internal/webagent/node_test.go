package webagent

import (
	"bytes"
	"os/exec"
	"testing"

	"github.com/deskdial/deskdial/internal/webagent/webtest"
)

// webDir is the page's source, relative to this package.
const webDir = "web"

// needNode skips the test without node (fails under CI=1).
func needNode(t *testing.T) { t.Helper(); webtest.NeedTools(t, "node") }

// needModules installs the page's npm dependencies when they are missing
// or out of date.
func needModules(t *testing.T) { t.Helper(); webtest.Modules(t) }

// runNode runs a node script in webDir with stdin and returns its stdout.
func runNode(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	needModules(t)
	cmd := exec.Command("node", args...)
	cmd.Dir = webDir
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %v: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

// TestNodeSuite runs the page's own tests (node's built-in test runner):
// the protocol's test vectors, sealing and opening, pairing and the policy.
func TestNodeSuite(t *testing.T) {
	needModules(t)
	cmd := exec.Command("node", "--test", "test/")
	cmd.Dir = webDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	t.Logf("%s", lastLines(out, 9))
}

func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, []byte("\n"))
}
