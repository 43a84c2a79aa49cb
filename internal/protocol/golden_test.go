package protocol

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// golden compares got with the file testdata/name (rewritten with
// -update), and checks that docs/protocol.md quotes each of quoted byte
// for byte (white space aside): the wire format is what the document
// says, and changes only on purpose.
func golden(t *testing.T, name, got string, quoted ...string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to make it)", err, t.Name())
	}
	if got != string(want) {
		t.Fatalf("the wire format in %s changed; if on purpose, run -update (and bump the version if older peers would misread it).\ngot:\n%s\nwant:\n%s", name, got, want)
	}
	if len(quoted) == 0 {
		return
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "protocol.md"))
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(doc)), "")
	for _, v := range quoted {
		if !strings.Contains(flat, v) {
			t.Errorf("docs/protocol.md does not quote %.60s...", v)
		}
	}
}
