package archtest

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// guiPrefixes are the packages the deskdial program must not link: the GUI
// toolkit, its OpenGL and clipboard bindings, the tray's own GUI packages.
// Each one's package initialisation would run for every command (Fyne's
// reads the locale and prints errors under LANG=C.UTF-8), and they need cgo.
var guiPrefixes = []string{
	"fyne.io/",
	"github.com/go-gl/",
	"golang.design/x/clipboard",
	module + "/internal/ui",
	module + "/internal/trayapp",
	module + "/internal/clipwatch",
	module + "/internal/hotkey",
}

// leanDeps lists what the deskdial program (app/) links for one OS, as
// built with cgo available: a file that needs cgo would show its imports
// here even where the release is built without.
func leanDeps(t *testing.T, goos string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+"/app")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOOS="+goos, "GOARCH=amd64")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list (%s): %v\n%s", goos, err, stderr.String())
	}
	return strings.Fields(string(out))
}

// TestLeanProgramLinksNoGUI: deskdial, every command, links no GUI code on
// any OS it ships for, and builds with CGO_ENABLED=0 (as the release
// builds it); the tray program (cmd/deskdial-tray) has the GUI.
func TestLeanProgramLinksNoGUI(t *testing.T) {
	if testing.Short() {
		t.Skip("go list and go build of the program")
	}
	for _, goos := range []string{"linux", "windows", "darwin"} {
		deps := leanDeps(t, goos)
		if len(deps) < 20 {
			t.Fatalf("%s: go list found only %d packages", goos, len(deps))
		}
		for _, d := range deps {
			for _, p := range guiPrefixes {
				if strings.HasPrefix(d, p) {
					t.Errorf("%s: deskdial links %s; GUI code belongs in cmd/deskdial-tray", goos, d)
				}
			}
		}
	}
	for _, goos := range []string{"linux", "windows"} {
		cmd := exec.Command("go", "build", "-o", os.DevNull, module+"/app")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH=amd64")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: deskdial does not build with CGO_ENABLED=0: %v\n%s", goos, err, out)
		}
	}
	// And the rule sees what it is for: the tray program does link them.
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+"/cmd/deskdial-tray")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list the tray program: %v", err)
	}
	if !strings.Contains(string(out), "fyne.io/fyne/v2\n") {
		t.Errorf("the tray program does not link Fyne; is the check looking at the right packages?")
	}
}
