// Package packaging holds no code: its tests check the files that integrate
// deskdial with desktops and init systems, with the same tools the desktops
// use to read them, and the release build in the Makefile.
package packaging

import (
	"bufio"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/autostart"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// standIn turns the test binary into a stand-in program that writes its
// arguments to a file: what a desktop started, and with what.
const standIn = testsupport.StandIn("DESKDIAL_PACKAGING_HELPER_OUT")

func TestMain(m *testing.M) {
	standIn.RunIfAsked()
	code := m.Run()
	if release.path != "" {
		os.RemoveAll(filepath.Dir(release.path))
	}
	os.Exit(code)
}

const root = ".."

// cleanEnv is the environment without anything that would make xdg-utils
// talk to the desktop the tests happen to run in, plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "XDG_CURRENT_DESKTOP", "XDG_SESSION_DESKTOP", "DESKTOP_SESSION", "KDE_FULL_SESSION",
			"KDE_SESSION_VERSION", "GNOME_DESKTOP_SESSION_ID", "MATE_DESKTOP_SESSION_ID",
			"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_DATA_DIRS", "XDG_CONFIG_DIRS", "BROWSER", "MAKEFLAGS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func makeTarget(t *testing.T, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("make", append([]string{"-s", "-C", root}, args...)...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func validate(t *testing.T, path string) {
	t.Helper()
	out, err := exec.Command(testsupport.NeedTool(t, "desktop-file-validate"), path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("desktop-file-validate %s: %v\n%s", filepath.Base(path), err, out)
	}
}

func TestDesktopEntriesAreValid(t *testing.T) {
	for _, f := range []string{"linux/deskdial.desktop", "linux/deskdial-autostart.desktop"} {
		validate(t, f)
	}
}

// readEntry returns the [Desktop Entry] group of a .desktop file.
func readEntry(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kv := map[string]string{}
	group := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			group = line
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && group == "[Desktop Entry]" {
			kv[k] = v
		}
	}
	return kv
}

func TestHandlerEntryClaimsTelAndCallto(t *testing.T) {
	e := readEntry(t, "linux/deskdial.desktop")
	if e["Exec"] != "deskdial %u" {
		t.Errorf("Exec=%s: the link must reach deskdial as its one argument (%%u)", e["Exec"])
	}
	mimes := strings.Split(strings.TrimSuffix(e["MimeType"], ";"), ";")
	for _, m := range []string{"x-scheme-handler/tel", "x-scheme-handler/callto"} {
		if !slices.Contains(mimes, m) {
			t.Errorf("MimeType lacks %s", m)
		}
	}
}

// The entry the Start-at-login setting writes and the one shipped for
// packagers say the same, apart from the program's path.
func TestAutostartEntryMatchesTheShippedOne(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	if err := autostart.Enable("/usr/bin/deskdial"); err != nil {
		t.Fatal(err)
	}
	written := readEntry(t, filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "autostart", "deskdial.desktop"))
	shipped := readEntry(t, "linux/deskdial-autostart.desktop")
	if written["Exec"] != "/usr/bin/deskdial" || shipped["Exec"] != "deskdial" {
		t.Errorf("Exec: written %q, shipped %q", written["Exec"], shipped["Exec"])
	}
	delete(written, "Exec")
	delete(shipped, "Exec")
	for k, v := range shipped {
		if written[k] != v {
			t.Errorf("%s: shipped %q, written %q", k, v, written[k])
		}
	}
	for k := range written {
		if _, ok := shipped[k]; !ok {
			t.Errorf("the written entry has %s, the shipped one does not", k)
		}
	}
}

// installEntry runs make install-desktop-entry into fresh XDG directories and
// returns the environment that sees them.
func installEntry(t *testing.T, bindir string) (env []string, data string) {
	t.Helper()
	testsupport.NeedTool(t, "xdg-mime")
	dir := t.TempDir()
	data, cfg := filepath.Join(dir, "data"), filepath.Join(dir, "config")
	env = cleanEnv("XDG_DATA_HOME="+data, "XDG_CONFIG_HOME="+cfg, "XDG_DATA_DIRS="+data)
	makeTarget(t, env, "install-desktop-entry", "XDG_DATA_HOME="+data, "XDG_CONFIG_HOME="+cfg, "BINDIR="+bindir)
	return env, data
}

func TestInstalledEntryIsTheDefaultForTelLinks(t *testing.T) {
	env, data := installEntry(t, "/opt/deskdial/bin")
	installed := filepath.Join(data, "applications", "deskdial.desktop")
	validate(t, installed)
	if got := readEntry(t, installed)["Exec"]; got != "/opt/deskdial/bin/deskdial %u" {
		t.Errorf("installed Exec=%s", got)
	}
	if _, err := os.Stat(filepath.Join(data, "icons", "hicolor", "256x256", "apps", "deskdial.png")); err != nil {
		t.Errorf("icon not installed: %v", err)
	}
	for _, scheme := range []string{"tel", "callto"} {
		cmd := exec.Command("xdg-mime", "query", "default", "x-scheme-handler/"+scheme)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil || strings.TrimSpace(string(out)) != "deskdial.desktop" {
			t.Errorf("xdg-mime query default x-scheme-handler/%s = %q, %v; want deskdial.desktop", scheme, out, err)
		}
	}
}

// TestXdgOpenHandsTheLinkToDeskdial clicks a link the way a browser does
// (xdg-open) and checks the program in the installed entry gets the link.
// The program is a stand-in recording its arguments; what deskdial does
// with them is tested in app/.
func TestXdgOpenHandsTheLinkToDeskdial(t *testing.T) {
	needDisplay(t) // xdg-open consults URL handlers only in a graphical session
	bindir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	testsupport.CopyExecutable(t, exe, filepath.Join(bindir, "deskdial"))
	env, _ := installEntry(t, bindir)
	out := filepath.Join(t.TempDir(), "argv.json")
	for _, link := range []string{"tel:+49-30-1234567", "callto:+4930901820"} {
		os.Remove(out)
		cmd := exec.Command(testsupport.NeedTool(t, "xdg-open"), link)
		cmd.Env = append(env, standIn.Env(out))
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdg-open %s: %v\n%s", link, err, b)
		}
		if got := standIn.Args(t, out, "xdg-open "+link); !slices.Equal(got, []string{link}) {
			t.Errorf("xdg-open %s started deskdial with %q", link, got)
		}
	}
}

func needDisplay(t *testing.T) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no DISPLAY under CI: run the tests through make test (xvfb-run)")
		}
		t.Skip("no DISPLAY")
	}
}

const testVersion = "v9.9.9-test"

var release struct {
	once sync.Once
	path string
	err  string
}

// releaseBinary builds deskdial once with the Makefile's release target.
// TRIMPATH is emptied only so the build reuses the compile cache of the test
// run; the version ldflags are the ones a release gets.
func releaseBinary(t *testing.T) string {
	t.Helper()
	release.once.Do(func() {
		dist, err := os.MkdirTemp("", "deskdial-dist-")
		if err != nil {
			release.err = err.Error()
			return
		}
		cmd := exec.Command("make", "-s", "-C", root, "release-linux-amd64", "VERSION="+testVersion, "DIST="+dist, "TRIMPATH=")
		cmd.Env = cleanEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			release.err = err.Error() + "\n" + string(out)
			return
		}
		release.path = filepath.Join(dist, "deskdial-"+testVersion+"-linux-amd64")
	})
	if release.err != "" {
		t.Fatalf("make release-linux-amd64: %s", release.err)
	}
	return release.path
}

func TestReleaseBinaryKnowsItsVersion(t *testing.T) {
	out, err := exec.Command(releaseBinary(t), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("deskdial version: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "deskdial "+testVersion+" (commit ") || strings.Contains(string(out), "built unknown") {
		t.Fatalf("deskdial version printed %q", out)
	}
	// The tray program ships with it; deskdial itself is static (no cgo).
	tray := filepath.Join(filepath.Dir(releaseBinary(t)), "deskdial-tray-"+testVersion+"-linux-amd64")
	if st, err := os.Stat(tray); err != nil || st.Mode()&0o111 == 0 {
		t.Errorf("no tray program in the release: %v", err)
	}
	f, err := elf.Open(releaseBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("deskdial is dynamically linked; it is built without cgo")
		}
	}
}

// TestPhoneServiceUnitVerifies has systemd check the unit, including that
// its ExecStart exists and its Documentation= man page resolves (to the page
// the release binary generates).
func TestPhoneServiceUnitVerifies(t *testing.T) {
	analyze := testsupport.NeedTool(t, "systemd-analyze")
	bin := releaseBinary(t)
	home := t.TempDir()
	testsupport.CopyExecutable(t, bin, filepath.Join(mkdir(t, home, ".local", "bin"), "deskdial"))
	page, err := exec.Command(bin, "man").Output()
	if err != nil {
		t.Fatal(err)
	}
	man := mkdir(t, home, "man", "man1")
	if err := os.WriteFile(filepath.Join(man, "deskdial.1"), page, 0o644); err != nil {
		t.Fatal(err)
	}
	runtime := mkdir(t, home, "run")
	unit, err := filepath.Abs("systemd/deskdial-phone.service")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, analyze, "--user", "verify", unit)
	cmd.Env = cleanEnv("HOME="+home, "XDG_RUNTIME_DIR="+runtime, "MANPATH="+filepath.Join(home, "man"))
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func mkdir(t *testing.T, parts ...string) string {
	t.Helper()
	d := filepath.Join(parts...)
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCoreBuildsForAndroid runs make check-android: the phone-side core
// must stay pure Go so it builds for Android without cgo.
func TestCoreBuildsForAndroid(t *testing.T) {
	makeTarget(t, cleanEnv(), "check-android")
}

// TestArm64PhoneAgentRelease builds the release's arm64 phone agent, which
// must build without cgo, and checks it is a static arm64 program. (It runs
// on arm64 only; the cgo-free amd64 twin below shows what it does.)
func TestArm64PhoneAgentRelease(t *testing.T) {
	dist := t.TempDir()
	makeTarget(t, cleanEnv(), "release-agent-linux-arm64", "VERSION="+testVersion, "DIST="+dist, "TRIMPATH=")
	f, err := elf.Open(filepath.Join(dist, "deskdial-phone-"+testVersion+"-linux-arm64"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 {
		t.Errorf("machine %v, want aarch64", f.Machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the agent is dynamically linked; it must run on any arm64 Linux without libraries")
		}
	}
}

// TestCgoFreeBuildRunsTheAgentCommands builds the same cgo-free program for
// this machine, alone (without the tray program next to it or on PATH): the
// version is injected and a start without a command says what to install
// instead of crashing.
func TestCgoFreeBuildRunsTheAgentCommands(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "deskdial")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version="+testVersion, "-o", bin, "./app")
	cmd.Dir = root
	cmd.Env = cleanEnv("CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build with CGO_ENABLED=0: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), testVersion) {
		t.Errorf("deskdial version: %v, %q", err, out)
	}
	run := exec.Command(bin, "--home", t.TempDir())
	run.Env = cleanEnv("PATH=" + filepath.Dir(bin))
	out, err = run.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "deskdial-tray is not next to deskdial nor on PATH") {
		t.Errorf("starting the tray in a cgo-free build: %v, %q", err, out)
	}
	out, err = exec.Command(bin, "phone", "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "-backend") {
		t.Errorf("deskdial phone --help: %v, %q", err, out)
	}
}
