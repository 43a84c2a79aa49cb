package webagent

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// sourceDigest is build.mjs's sourceDigest: SHA-256 over every file the
// bundle is built from, each as "path\nlength\n" and its bytes.
func sourceDigest(t *testing.T) string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(filepath.Join(webDir, "src"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(webDir, p)
			paths = append(paths, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, "build.mjs", "package-lock.json")
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(webDir, p))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s\n%d\n", p, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestBundleFresh: the committed bundle was built from the sources as they
// are. A change to web/src without `go generate ./internal/webagent` fails
// here, without node; with node the bundle is rebuilt and compared byte for
// byte, so a hand edit of dist/app.js fails too.
func TestBundleFresh(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("dist", "app.js"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := bytes.Cut(b, []byte("\n"))
	want := "source-digest " + sourceDigest(t)
	if !strings.HasSuffix(string(first), want) {
		t.Fatalf("dist/app.js was not built from the current sources (%s; want %s): run go generate ./internal/webagent", first, want)
	}
	needModules(t)
	out := filepath.Join(t.TempDir(), "app.js")
	runNode(t, nil, "build.mjs", out)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b) {
		t.Fatal("dist/app.js differs from a fresh build of the same sources: run go generate ./internal/webagent")
	}
}
