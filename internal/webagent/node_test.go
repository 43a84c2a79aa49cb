package webagent

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// webDir is the page's source, relative to this package.
const webDir = "web"

// needNode returns the node binary, skipping the test when there is none
// (failing under CI=1, where a missing tool must not pass silently).
func needNode(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is not installed (packaging/deps.sh --test installs it)")
		}
		t.Skip("node is not installed")
	}
	return p
}

var (
	npmOnce sync.Once
	npmErr  error
	npmOut  []byte
)

// needModules installs the page's npm dependencies (npm ci, from
// package-lock.json) once per test run when node_modules is missing.
func needModules(t *testing.T) {
	t.Helper()
	needNode(t)
	npmOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(webDir, "node_modules", ".package-lock.json")); err == nil {
			return
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		cmd.Dir = webDir
		npmOut, npmErr = cmd.CombinedOutput()
	})
	if npmErr != nil {
		t.Fatalf("npm ci in %s: %v\n%s", webDir, npmErr, npmOut)
	}
}

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
