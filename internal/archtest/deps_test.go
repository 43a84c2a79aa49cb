package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/deskdial/deskdial"

// rule says which packages of ours may import a third-party package: a
// package whose import path starts with one of what may import it only
// from a package in allowed (a package or a folder of packages, "/..."
// suffix). Every rule has its reason; docs/architecture.md lists them.
type rule struct {
	what    []string // import path prefixes
	allowed []string // our packages, relative to the module
	why     string
}

var rules = []rule{
	{
		what:    []string{"github.com/nats-io/nats.go", "github.com/nats-io/nats-server", "github.com/nats-io/jsm.go"},
		allowed: []string{"internal/bus/..."},
		why:     "only internal/bus speaks NATS; the rest sends deskdial messages through it",
	},
	{
		what:    []string{"fyne.io/", "github.com/go-gl/"},
		allowed: []string{"internal/ui/...", "internal/trayapp"},
		why:     "only the UI draws (and parks Fyne's GLFW loop); the composition root makes the Fyne app and hands it to ui",
	},
	{
		what: []string{"github.com/nyaruka/phonenumbers"},
		// webagent/gen/table cuts the same metadata down to the table the
		// web page classifies numbers with: generated, never copied.
		allowed: []string{"internal/number/...", "internal/webagent/gen/table"},
		why:     "numbers are found, parsed and formatted in one place, so every side reads a number alike",
	},
}

// cgoAllowed are our packages that may need cgo (themselves or through an
// import): the tray's X11 clipboard, hotkey, their X error handler and
// GUI, and what runs them.
// Everything else builds with CGO_ENABLED=0, as the phone agent's arm64
// release does.
//
// app (the deskdial program) is not among them: the tray is a program of
// its own, cmd/deskdial-tray, and TestLeanProgramLinksNoGUI holds app to it.
var cgoAllowed = []string{"cmd/deskdial-tray", "internal/trayapp", "internal/ui/...", "internal/clipwatch", "internal/hotkey", "internal/x11conn", "internal/x11test"}

// pkg is what `go list -deps -json` says of a package.
type pkg struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Deps       []string
	CgoFiles   []string
}

func allowed(path string, in []string) bool {
	rel, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return true // not ours: a dependency's own imports are its business
	}
	for _, a := range in {
		if dir, ok := strings.CutSuffix(a, "/..."); ok {
			if rel == dir || strings.HasPrefix(rel, dir+"/") {
				return true
			}
		} else if rel == a {
			return true
		}
	}
	return false
}

// violations checks pkgs against the rules and returns one line per
// broken rule, sorted.
func violations(pkgs []pkg) []string {
	byPath := map[string]pkg{}
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	var out []string
	for _, p := range pkgs {
		if !strings.HasPrefix(p.ImportPath, module+"/") && p.ImportPath != module {
			continue
		}
		for _, r := range rules {
			for _, imp := range p.Imports {
				for _, w := range r.what {
					if strings.HasPrefix(imp, w) && !allowed(p.ImportPath, r.allowed) {
						out = append(out, fmt.Sprintf("%s imports %s: %s", p.ImportPath, imp, r.why))
					}
				}
			}
		}
		if allowed(p.ImportPath, cgoAllowed) {
			continue
		}
		for _, d := range append([]string{p.ImportPath}, p.Deps...) {
			if dp, ok := byPath[d]; ok && !dp.Standard && len(dp.CgoFiles) > 0 {
				out = append(out, fmt.Sprintf("%s needs cgo through %s: only the tray's packages may", p.ImportPath, d))
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// goList reads the import graph of the whole module, as built with cgo
// (so that cgo-only files and build tags are seen).
func goList(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Standard,Imports,Deps,CgoFiles", module+"/...")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestDependencyRules(t *testing.T) {
	if testing.Short() {
		t.Skip("go list of the whole module")
	}
	pkgs := goList(t)
	if len(pkgs) < 20 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// The rules catch what they are for: each synthetic break below is found.
func TestRulesCatchViolations(t *testing.T) {
	ours := func(rel string) string { return module + "/" + rel }
	graph := []pkg{
		{ImportPath: ours("internal/bus"), Imports: []string{"github.com/nats-io/nats.go"}},
		{ImportPath: ours("internal/bus/jskv"), Imports: []string{"github.com/nats-io/nats.go/jetstream"}},
		{ImportPath: ours("internal/number"), Imports: []string{"github.com/nyaruka/phonenumbers"}},
		{ImportPath: ours("internal/ui"), Imports: []string{"fyne.io/fyne/v2"}, Deps: []string{"github.com/go-gl/glfw"}},
		{ImportPath: "github.com/go-gl/glfw", CgoFiles: []string{"glfw.go"}},
		{ImportPath: "net", Standard: true, CgoFiles: []string{"cgo_unix.go"}},
		// The breaks:
		{ImportPath: ours("internal/desktop"), Imports: []string{"github.com/nats-io/nats.go", "github.com/nyaruka/phonenumbers"}},
		{ImportPath: ours("internal/agent"), Imports: []string{"fyne.io/fyne/v2/app"}, Deps: []string{"net", ours("internal/ui"), "github.com/go-gl/glfw"}},
		{ImportPath: ours("internal/busybody"), Imports: []string{"github.com/nats-io/nats-server/v2/server"}},
	}
	got := violations(graph)
	want := []string{
		ours("internal/agent") + " imports fyne.io/fyne/v2/app",
		ours("internal/agent") + " needs cgo through github.com/go-gl/glfw",
		ours("internal/busybody") + " imports github.com/nats-io/nats-server/v2/server",
		ours("internal/desktop") + " imports github.com/nats-io/nats.go",
		ours("internal/desktop") + " imports github.com/nyaruka/phonenumbers",
	}
	if len(got) != len(want) {
		t.Fatalf("found %d breaks, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("break %d: %q, want %q...", i, got[i], want[i])
		}
	}
}
