package wintest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/testsupport"
	"github.com/deskdial/deskdial/internal/x11test"
)

func TestMain(m *testing.M) { x11test.Main(m, "wintest") }

// lab is one Wine prefix with everything built for it.
type lab struct {
	t      *testing.T
	root   string // module root
	dir    string // build outputs and the prefix, removed at the end
	prefix string
	wine   string
	env    []string
	helper string // winhelper.exe, as a Windows path
}

func moduleRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// winPath is how Windows programs in the prefix see a Linux path: Wine maps
// drive Z: to /.
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

func (l *lab) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = l.env
	cmd.Dir = l.root
	return cmd.CombinedOutput()
}

// goBuild cross-compiles for windows/amd64.
func (l *lab) goBuild(t *testing.T, cgo bool, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = l.root
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if cgo {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=1", "CC=x86_64-w64-mingw32-gcc")
	}
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("go %s: %s", strings.Join(args, " "), time.Since(start).Round(time.Second))
}

func setup(t *testing.T) *lab {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the Wine tests run on linux/amd64")
	}
	x11test.NeedX(t)
	l := &lab{t: t, root: moduleRoot(t)}
	l.wine = testsupport.NeedTool(t, "wine")
	testsupport.NeedTool(t, "wineserver")
	testsupport.NeedTool(t, "x86_64-w64-mingw32-gcc")
	l.dir = t.TempDir()
	l.prefix = filepath.Join(l.dir, "prefix")
	l.env = append(os.Environ(),
		"WINEPREFIX="+l.prefix,
		"WINEDEBUG=-all",
		// No Mono or Gecko download dialogs in a fresh prefix.
		"WINEDLLOVERRIDES=mscoree,mshtml=",
		"LANG=en_US.UTF-8",
		// Nothing of the developer's own deskdial leaks in.
		config.EnvHome+"=", "NATS_URL=",
	)
	t.Cleanup(func() {
		// Every Wine process of the prefix ends with its server.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		l.run(ctx, "wineserver", "-k")
	})

	// The prefix (about 10 s, more on a busy machine) is made while the
	// test programs build.
	var wg sync.WaitGroup
	var bootOut []byte
	var bootErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		bootOut, bootErr = l.run(ctx, l.wine, "wineboot", "-i")
	}()
	shim := filepath.Join(l.dir, "bcryptprimitives.dll")
	src := filepath.Join(l.root, "internal/wintest/testdata/shim")
	if out, err := exec.Command("x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", shim,
		filepath.Join(src, "bcryptprimitives.c"), filepath.Join(src, "bcryptprimitives.def"),
		"-ladvapi32").CombinedOutput(); err != nil {
		t.Fatalf("build the ProcessPrng shim: %v\n%s", err, out)
	}
	helper := filepath.Join(l.dir, "winhelper.exe")
	l.goBuild(t, false, "build", "-o", helper, "./internal/wintest/testdata/winhelper")
	l.helper = winPath(helper)
	wg.Wait()
	if bootErr != nil {
		t.Fatalf("wineboot: %v\n%s", bootErr, bootOut)
	}
	b, err := os.ReadFile(shim)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(l.prefix, "drive_c/windows/system32/bcryptprimitives.dll"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestWindowsUnderWine is the one entry point: the prefix and the builds
// are made once and shared by the subtests.
func TestWindowsUnderWine(t *testing.T) {
	start := time.Now()
	l := setup(t)
	t.Logf("prefix and helpers ready in %s", time.Since(start).Round(time.Second))

	for _, pkg := range []string{"winmsg", "clipwatch", "hotkey", "instance", "autostart", "linkhandler", "notify"} {
		t.Run(pkg, func(t *testing.T) { l.packageTests(t, pkg) })
	}
	t.Run("deskdial.exe", l.appTests)
}

// packageTests runs a package's tests, its _windows_test.go ones included,
// built for Windows, under Wine.
func (l *lab) packageTests(t *testing.T, pkg string) {
	exe := filepath.Join(l.dir, pkg+".test.exe")
	l.goBuild(t, false, "test", "-c", "-o", exe, "./internal/"+pkg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, l.wine, exe, "-test.v", "-test.count=1", "-test.timeout=4m")
	cmd.Env = append(l.env, "DESKDIAL_WINHELPER="+l.helper)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s tests under Wine: %v\n%s", pkg, err, out)
	}
	text := string(out)
	ran := strings.Count(text, "--- PASS: TestWindows")
	if ran == 0 || strings.Contains(text, "--- SKIP: TestWindows") {
		t.Fatalf("%s: the Windows tests did not all run (%d passed):\n%s", pkg, ran, text)
	}
	t.Logf("%s: %d Windows tests passed under Wine", pkg, ran)
}

// lines is a process's output, written to a file that a test reads to
// wait for a line. A file, not a pipe: under Wine the programs a Windows
// program starts (the tray's window processes) inherit its Unix standard
// error, and a pipe would stay open, and waiting for its end block the
// test, for as long as any of them lives.
type lines struct{ path string }

func (s *lines) String() string {
	b, _ := os.ReadFile(s.path)
	return string(b)
}

// waitFor polls until cond holds, failing after d.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func writeSettings(t *testing.T, dir string, edit func(*config.Settings)) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	st := config.Default()
	edit(&st)
	b, _ := json.Marshal(st)
	if err := os.WriteFile(filepath.Join(dir, config.SettingsFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// start runs a program in the background until the test ends.
func (l *lab) start(t *testing.T, name string, args ...string) (*exec.Cmd, *lines) {
	t.Helper()
	f, err := os.CreateTemp(l.dir, filepath.Base(name)+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := &lines{path: f.Name()}
	cmd := exec.Command(name, args...)
	cmd.Env = l.env
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("%s %s:\n%s", filepath.Base(name), strings.Join(args, " "), out)
		}
	})
	return cmd, out
}

// reg reads a registry key of the prefix with Wine's own reg.exe.
func (l *lab) reg(t *testing.T, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := l.run(ctx, l.wine, "reg", "query", key)
	if err != nil {
		t.Fatalf("reg query %s: %v\n%s", key, err, out)
	}
	return string(out)
}

func (l *lab) helperCmd(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := l.run(ctx, l.wine, append([]string{l.helper}, args...)...)
	if err != nil {
		t.Fatalf("winhelper %v: %v\n%s", args, err, out)
	}
}

// xwindow finds a visible top-level X window by its exact name and owner
// program (Wine names X windows after the Windows window and its .exe);
// "" when there is none.
func xwindow(t *testing.T, name, program string) string {
	t.Helper()
	out, err := exec.Command("xwininfo", "-root", "-tree").Output()
	if err != nil {
		t.Fatalf("xwininfo: %v", err)
	}
	want := fmt.Sprintf("%q: (%q", name, program)
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && strings.Contains(line, want) {
			if st, err := exec.Command("xwininfo", "-id", f[0]).Output(); err == nil && strings.Contains(string(st), "IsViewable") {
				return f[0]
			}
		}
	}
	return ""
}

// pressCall answers the visible prompt window with the keyboard, as a user
// without a mouse would: Space on the button that has the focus when the
// prompt opens (Call; Dismiss on a notice).
func pressCall(t *testing.T, win string) {
	t.Helper()
	// The window may go away meanwhile (the user's answer was already
	// taken): a focus that does not happen is not an error, the caller
	// looks again.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := exec.CommandContext(ctx, "xdotool", "windowfocus", "--sync", win).Run(); err != nil {
		return
	}
	if out, err := exec.CommandContext(ctx, "xdotool", "key", "space").CombinedOutput(); err != nil {
		t.Fatalf("xdotool key: %v\n%s", err, out)
	}
}

// appTests runs the real programs: deskdial-tray.exe, the tray app, started
// as the Run key starts it, and deskdial.exe, its commands and the launcher
// of the tray; and calls through a Linux phone agent.
func (l *lab) appTests(t *testing.T) {
	testsupport.NeedTool(t, "xdotool")
	testsupport.NeedTool(t, "xwininfo")
	exe := filepath.Join(l.dir, "deskdial.exe")
	trayExe := filepath.Join(l.dir, "deskdial-tray.exe")
	start := time.Now()
	// Linked as released (make release-windows-amd64), without the resource:
	// deskdial.exe a console program without cgo, the tray a GUI program.
	l.goBuild(t, false, "build", "-trimpath", "-ldflags", "-s -w", "-o", exe, "./app")
	l.goBuild(t, true, "build", "-trimpath", "-ldflags", "-s -w -H windowsgui", "-o", trayExe, "./cmd/deskdial-tray")
	t.Logf("deskdial.exe and deskdial-tray.exe (cgo, MinGW) built in %s", time.Since(start).Round(time.Second))
	phone := filepath.Join(l.dir, "deskdial")
	cmd := exec.Command("go", "build", "-o", phone, "./app")
	cmd.Dir = l.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the phone agent: %v\n%s", err, out)
	}

	first := filepath.Join(l.dir, "first")
	writeSettings(t, first, func(s *config.Settings) { s.Region = "DE"; s.Listen = freeAddr(t) })
	desk := filepath.Join(l.dir, "desk")
	writeSettings(t, desk, func(s *config.Settings) { s.Region = "DE"; s.Listen = freeAddr(t) })
	phoneHome := filepath.Join(l.dir, "phone")
	writeSettings(t, phoneHome, func(s *config.Settings) { s.Region = "DE" })
	dialled := filepath.Join(l.dir, "dialled.log")
	win := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out, err := l.run(ctx, l.wine, append([]string{exe, "--home", winPath(desk)}, args...)...)
		return string(out), err
	}
	waitDialled := func(t *testing.T, number string) {
		t.Helper()
		waitFor(t, "the phone to dial "+number, time.Minute, func() bool {
			b, _ := os.ReadFile(dialled)
			return strings.Contains(string(b), number)
		})
	}
	// answerPrompt asks (copies the number, clicks the link) and presses
	// Call until the phone dials number: keys typed while the window is
	// still being laid out can be lost, and the same window may first be
	// showing the status of an earlier call (a notice without Call, which
	// the keys dismiss). Just after pairing, the tray may not have seen the
	// phone online yet (it looks 1, 2, 4 and 8 s after a pairing) and
	// prompts that no phone is online: the keys dismiss that, and with the
	// window gone it asks again.
	answerPrompt := func(t *testing.T, number string, ask func()) {
		t.Helper()
		ask()
		waitFor(t, "the prompt window", time.Minute, func() bool { return xwindow(t, "deskdial", "deskdial-tray.exe") != "" })
		deadline := time.Now().Add(time.Minute)
		for {
			if w := xwindow(t, "deskdial", "deskdial-tray.exe"); w != "" {
				pressCall(t, w)
			} else {
				ask()
			}
			next := time.Now().Add(5 * time.Second)
			for time.Now().Before(next) {
				if b, _ := os.ReadFile(dialled); strings.Contains(string(b), number) {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
			if time.Now().After(deadline) {
				t.Fatalf("the phone did not dial %s after Call in the prompt", number)
			}
		}
	}

	// First run: another program holds the default hotkey, Ctrl+Alt+D.
	holder := exec.Command(l.wine, l.helper, "hold", "0x3", "0x44")
	holder.Env = l.env
	release, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	held, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	if line, _ := bufio.NewReader(held).ReadString('\n'); strings.TrimSpace(line) != "held" {
		release.Close()
		holder.Wait()
		t.Fatalf("the helper did not take Ctrl+Alt+D: %q", line)
	}
	if w := xwindow(t, "Wine System Tray", "explorer.exe"); w != "" {
		t.Fatalf("a tray icon before deskdial started (window %s)", w)
	}
	started := time.Now()
	firstTray, firstOut := l.start(t, l.wine, trayExe, "--home", winPath(first))
	waitFor(t, "the tray app to start", 3*time.Minute, func() bool { return strings.Contains(firstOut.String(), "tray: ready") })
	t.Logf("the tray app started under Wine in %s", time.Since(started).Round(100*time.Millisecond))
	t.Run("tray icon", func(t *testing.T) {
		// Shell_NotifyIcon: Wine's explorer shows the icon in its own tray
		// window when the X server has no system tray.
		waitFor(t, "Wine's tray window", time.Minute, func() bool {
			return xwindow(t, "Wine System Tray", "explorer.exe") != ""
		})
	})
	t.Run("clipboard listener", func(t *testing.T) {
		if !strings.Contains(firstOut.String(), "by=clipboard-listener") {
			t.Fatalf("the tray does not watch the clipboard by listener:\n%s", firstOut)
		}
	})
	t.Run("hotkey taken", func(t *testing.T) {
		if !strings.Contains(firstOut.String(), `hotkey taken" key=Ctrl+Alt+D`) {
			t.Fatalf("no \"hotkey taken\" for the held key:\n%s", firstOut)
		}
	})
	firstTray.Process.Kill()
	release.Close()
	holder.Wait()

	// The tray used from here on, with Ctrl+Alt+D free.
	trayCmd, tray := l.start(t, l.wine, trayExe, "--home", winPath(desk))
	waitFor(t, "the tray app to start", 3*time.Minute, func() bool { return strings.Contains(tray.String(), "tray: ready") })
	if strings.Contains(tray.String(), "hotkey taken") {
		t.Fatalf("Ctrl+Alt+D still taken after the helper quit:\n%s", tray)
	}
	// Wine runs a Windows program in the process it was started as.
	trayPid := trayCmd.Process.Pid

	if d := os.Getenv("DESKDIAL_FOOTPRINT"); d != "" {
		t.Run("footprint", func(t *testing.T) { l.footprint(t, trayPid, d) })
	}

	t.Run("hotkey opens the dial box", func(t *testing.T) {
		l.helperCmd(t, "press", "0x3", "0x44")
		waitFor(t, "the dial box", time.Minute, func() bool { return xwindow(t, "Dial", "deskdial-tray.exe") != "" })
	})

	t.Run("the dial box runs apart and its process ends with it", func(t *testing.T) {
		// The tray process draws no window: the dial box is another
		// process, which ends when the box is closed, and the tray never
		// loads the GL driver.
		w := xwindow(t, "Dial", "deskdial-tray.exe")
		if w == "" {
			t.Fatal("no dial box")
		}
		pid := windowPid(t, w)
		if pid == trayPid {
			t.Fatalf("the dial box is drawn by the tray process (%d)", pid)
		}
		if gl := glMapped(trayPid); gl != "" {
			t.Fatalf("the tray process maps the GL driver: %s", gl)
		}
		closeWindow(t, w)
		waitFor(t, "the dial box to close", time.Minute, func() bool { return xwindow(t, "Dial", "deskdial-tray.exe") == "" })
		waitFor(t, "the dial box's process to end", time.Minute, func() bool {
			_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
			return err != nil
		})
		if gl := glMapped(trayPid); gl != "" {
			t.Fatalf("after the dial box, the tray process maps the GL driver: %s", gl)
		}
		// The hotkey opens it again, in a new process.
		l.helperCmd(t, "press", "0x3", "0x44")
		waitFor(t, "the dial box again", time.Minute, func() bool { return xwindow(t, "Dial", "deskdial-tray.exe") != "" })
		if again := windowPid(t, xwindow(t, "Dial", "deskdial-tray.exe")); again == pid || again == trayPid {
			t.Fatalf("the dial box opened again in process %d (the first was %d, the tray is %d)", again, pid, trayPid)
		}
		closeWindow(t, xwindow(t, "Dial", "deskdial-tray.exe"))
		waitFor(t, "the dial box to close again", time.Minute, func() bool { return xwindow(t, "Dial", "deskdial-tray.exe") == "" })
	})

	t.Run("install-handler", func(t *testing.T) {
		out, err := win("install-handler")
		if err != nil || !strings.Contains(out, "deskdial now opens tel: and callto: links") {
			t.Fatalf("install-handler: %v\n%s", err, out)
		}
		// The tray program next to deskdial.exe: a GUI program, no
		// console window flashes up for a click.
		want := fmt.Sprintf(`"%s" "--home" "%s" "%%1"`, winPath(trayExe), winPath(desk))
		for _, s := range []string{"tel", "callto"} {
			if got := l.reg(t, `HKCU\Software\Classes\`+s+`\shell\open\command`); !strings.Contains(got, want) {
				t.Errorf("%s: command\n%s\nwant %s", s, got, want)
			}
			if got := l.reg(t, `HKCU\Software\Classes\`+s); !strings.Contains(got, "URL Protocol") {
				t.Errorf("%s: no URL Protocol value:\n%s", s, got)
			}
		}
		if got := l.reg(t, `HKCU\Software\deskdial\Capabilities\URLAssociations`); !strings.Contains(got, "deskdial.url") {
			t.Errorf("URLAssociations:\n%s", got)
		}
		if got := l.reg(t, `HKCU\Software\RegisteredApplications`); !strings.Contains(got, `Software\deskdial\Capabilities`) {
			t.Errorf("RegisteredApplications:\n%s", got)
		}
	})

	uri, err := win("pair", "--print")
	uri = strings.TrimSpace(uri)
	if err != nil || !strings.HasPrefix(uri, "deskdial://pair?") {
		t.Fatalf("deskdial.exe pair --print: %v\n%s", err, uri)
	}
	_, ph := l.start(t, phone, "--home", phoneHome, "phone", "--pair", uri, "--name", "Pixel", "--backend", "log:"+dialled)
	waitFor(t, "the phone to connect", 2*time.Minute, func() bool { return strings.Contains(ph.String(), "Connected to") })

	t.Run("call reaches a Linux phone", func(t *testing.T) {
		if out, err := win("call", "030 1234567"); err != nil {
			t.Fatalf("deskdial.exe call: %v\n%s", err, out)
		}
		waitDialled(t, "+49301234567")
	})

	t.Run("no toasts under Wine: the prompt window", func(t *testing.T) {
		// Wine has no WinRT toast manager: the tray finds that at start,
		// says so once, and prompts in its own window (the next subtests
		// answer it) instead of sending toasts nobody sees.
		out := tray.String()
		if !strings.Contains(out, `prompts open a window" err="find Windows toast notifications: activation factory of Windows.UI.Notifications.ToastNotificationManager`) {
			t.Fatalf("the tray did not say it falls back to the prompt window for want of toasts:\n%s", out)
		}
		if strings.Contains(out, "by=windows-toast") {
			t.Fatalf("the tray claims toasts under Wine:\n%s", out)
		}
		if n := strings.Count(out, "tray: no notifications"); n != 1 {
			t.Fatalf("the fallback was logged %d times, want once:\n%s", n, out)
		}
	})

	t.Run("copy prompts, Call dials", func(t *testing.T) {
		// Each copy differs: the same text copied again is the same copy,
		// which the tray does not offer twice.
		n := 0
		answerPrompt(t, "+49307654321", func() {
			n++
			l.helperCmd(t, "copy", "ring 030 7654321 now"+strings.Repeat("!", n))
		})
	})

	t.Run("clicked tel: link reaches the running app", func(t *testing.T) {
		// What Windows runs for a clicked link is the command install-handler
		// registered (checked above) with the link for "%1". Wine 8's HKCR
		// does not include HKCU\Software\Classes, so `wine start tel:…`
		// cannot find it; the command is run as Windows would run it. The
		// new deskdial-tray.exe hands the link to the running tray and exits.
		// The window may still show the last call's status; dismiss it so
		// that what opens next is the link's prompt.
		waitFor(t, "the last call's status to be dismissed", time.Minute, func() bool {
			w := xwindow(t, "deskdial", "deskdial-tray.exe")
			if w != "" {
				pressCall(t, w) // no Call button on a status: Dismiss has the focus
			}
			return w == ""
		})
		answerPrompt(t, "+4930111222", func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if out, err := l.run(ctx, l.wine, trayExe, "--home", winPath(desk), "tel:+4930111222"); err != nil {
				t.Fatalf("deskdial-tray.exe tel:…: %v\n%s", err, out)
			}
		})
	})

	t.Run("deskdial.exe hands a link to the running tray", func(t *testing.T) {
		waitFor(t, "the last call's status to be dismissed", time.Minute, func() bool {
			w := xwindow(t, "deskdial", "deskdial-tray.exe")
			if w != "" {
				pressCall(t, w)
			}
			return w == ""
		})
		answerPrompt(t, "+4930333444", func() {
			if out, err := win("tel:+4930333444"); err != nil {
				t.Fatalf("deskdial.exe tel:…: %v\n%s", err, out)
			}
		})
	})

	t.Run("the tray menu's Quit ends the tray", func(t *testing.T) {
		// A click on the icon in Wine's tray window reaches the tray's
		// own thread, which shows the menu (a window of the tray process);
		// Up selects the last entry, Quit, and Return chooses it. An icon
		// left by the first tray (killed) is dropped by Wine when clicked,
		// so the click is repeated until the menu shows.
		// The last call's status is dismissed first: windows open at the
		// top left of the screen, over Wine's tray window.
		waitFor(t, "the last call's status to be dismissed", time.Minute, func() bool {
			w := xwindow(t, "deskdial", "deskdial-tray.exe")
			if w != "" {
				pressCall(t, w)
			}
			return w == ""
		})
		tw := xwindow(t, "Wine System Tray", "explorer.exe")
		if tw == "" {
			t.Fatal("no Wine tray window")
		}
		_, h := windowSize(t, tw)
		deadline := time.Now().Add(time.Minute)
		for shownBy(t, trayPid) == "" {
			if time.Now().After(deadline) {
				t.Fatal("no tray menu after clicking the icon")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			out, err := exec.CommandContext(ctx, "xdotool", "mousemove", "--window", tw, "10", strconv.Itoa(h-10), "click", "1").CombinedOutput()
			cancel()
			if err != nil {
				t.Fatalf("xdotool click: %v\n%s", err, out)
			}
			next := time.Now().Add(3 * time.Second)
			for time.Now().Before(next) && shownBy(t, trayPid) == "" {
				time.Sleep(50 * time.Millisecond)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "xdotool", "key", "Up", "Return").CombinedOutput(); err != nil {
			t.Fatalf("xdotool key: %v\n%s", err, out)
		}
		waitFor(t, "the tray to quit", time.Minute, func() bool { return exited(trayPid) })
	})

	t.Run("deskdial.exe starts the tray program", func(t *testing.T) {
		// Without a command and no tray running for its settings,
		// deskdial.exe starts deskdial-tray.exe from its own folder and
		// returns; the tray writes to the streams it was given (a file
		// here: a pipe would keep the wait open while the tray runs).
		third := filepath.Join(l.dir, "third")
		writeSettings(t, third, func(s *config.Settings) { s.Region = "DE"; s.Listen = freeAddr(t); s.Hotkey = "Ctrl+Alt+F9" })
		logf, err := os.Create(filepath.Join(l.dir, "third.log"))
		if err != nil {
			t.Fatal(err)
		}
		defer logf.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, l.wine, exe, "--home", winPath(third))
		cmd.Env = l.env
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Run(); err != nil {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("deskdial.exe: %v\n%s", err, b)
		}
		waitFor(t, "the started tray", 3*time.Minute, func() bool {
			b, _ := os.ReadFile(logf.Name())
			return strings.Contains(string(b), "tray: ready")
		})
	})
}

// windowPid is the Unix process that owns an X window (Wine sets
// _NET_WM_PID to the process of the Windows program).
func windowPid(t *testing.T, win string) int {
	t.Helper()
	out, err := exec.Command("xprop", "-id", win, "_NET_WM_PID").Output()
	if err != nil {
		t.Fatalf("xprop: %v", err)
	}
	var pid int
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "_NET_WM_PID(CARDINAL) = %d", &pid); err != nil {
		t.Fatalf("no process for window %s: %q", win, out)
	}
	return pid
}

// closeWindow closes a window as its user would, with Alt+F4.
func closeWindow(t *testing.T, win string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	exec.CommandContext(ctx, "xdotool", "windowfocus", "--sync", win).Run()
	if out, err := exec.CommandContext(ctx, "xdotool", "key", "alt+F4").CombinedOutput(); err != nil {
		t.Fatalf("xdotool key: %v\n%s", err, out)
	}
}

// glMapped names the GL driver files a process maps (Mesa's), "" when
// none. Wine's own opengl32 is not one: it is loaded with every program
// that imports opengl32.dll, as the tray program does for its windows, and
// loads Mesa only when a program asks for a GL context.
func glMapped(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	seen := map[string]bool{}
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		name := filepath.Base(f[5])
		low := strings.ToLower(name)
		if (strings.HasPrefix(low, "libgl") || strings.Contains(low, "_dri") || strings.Contains(low, "mesa") ||
			strings.HasPrefix(low, "libllvm") || strings.HasPrefix(low, "libgallium")) && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// footprint measures the idle tray under Wine for d ("60s"), before and
// after the dial box was opened and closed: a measurement for
// docs/benchmarks.md, run only when DESKDIAL_FOOTPRINT is set. These are
// Wine's figures (the Linux process that runs the Windows program, Wine's
// own threads included), not a real Windows's.
func (l *lab) footprint(t *testing.T, pid int, window string) {
	d, err := time.ParseDuration(window)
	if err != nil {
		t.Fatalf("DESKDIAL_FOOTPRINT: %v", err)
	}
	// Let start-up work (presence look-ups, font loading) finish.
	time.Sleep(15 * time.Second)
	measure(t, pid, "idle", d)
	l.helperCmd(t, "press", "0x3", "0x44")
	waitFor(t, "the dial box", time.Minute, func() bool { return xwindow(t, "Dial", "deskdial-tray.exe") != "" })
	closeWindow(t, xwindow(t, "Dial", "deskdial-tray.exe"))
	waitFor(t, "the dial box to close", time.Minute, func() bool { return xwindow(t, "Dial", "deskdial-tray.exe") == "" })
	time.Sleep(15 * time.Second)
	measure(t, pid, "after the dial box was used", d)
}

func measure(t *testing.T, pid int, label string, d time.Duration) {
	cpu0, sw0 := testsupport.ProcCPUTicks(t, pid), testsupport.ProcSwitches(pid)
	t0 := time.Now()
	time.Sleep(d)
	cpu1, sw1 := testsupport.ProcCPUTicks(t, pid), testsupport.ProcSwitches(pid)
	el := time.Since(t0)
	const hz = 100 // USER_HZ
	t.Logf("%s, over %v: %.1f context switches/s (all threads), CPU %.3f%%, RSS %.1f MB, %s threads; GL mapped: %q",
		label, el.Round(time.Second), float64(sw1-sw0)/el.Seconds(), float64(cpu1-cpu0)/hz/el.Seconds()*100,
		float64(testsupport.ProcStatus(pid, "VmRSS"))/1024,
		strconv.FormatInt(testsupport.ProcStatus(pid, "Threads"), 10), glMapped(pid))
}

// windowSize is an X window's width and height.
func windowSize(t *testing.T, win string) (int, int) {
	t.Helper()
	out, err := exec.Command("xwininfo", "-id", win).Output()
	if err != nil {
		t.Fatalf("xwininfo: %v", err)
	}
	var w, h int
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "Width: "); ok {
			w, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(line, "Height: "); ok {
			h, _ = strconv.Atoi(v)
		}
	}
	return w, h
}

// shownBy is a viewable top-level X window of the process pid, "" when
// it shows none.
func shownBy(t *testing.T, pid int) string {
	t.Helper()
	out, err := exec.Command("xwininfo", "-root", "-children").Output()
	if err != nil {
		t.Fatalf("xwininfo: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasPrefix(f[0], "0x") {
			continue
		}
		st, err := exec.Command("xwininfo", "-id", f[0]).Output()
		if err != nil || !strings.Contains(string(st), "IsViewable") {
			continue
		}
		p, err := exec.Command("xprop", "-id", f[0], "_NET_WM_PID").Output()
		if err == nil && strings.TrimSpace(string(p)) == fmt.Sprintf("_NET_WM_PID(CARDINAL) = %d", pid) {
			return f[0]
		}
	}
	return ""
}

// exited says whether the process has ended (gone, or a zombie).
func exited(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	return len(f) == 0 || f[0] == "Z"
}
