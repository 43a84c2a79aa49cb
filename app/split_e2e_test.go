package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/launch"
	"github.com/deskdial/deskdial/internal/testsupport"
	"github.com/godbus/dbus/v5"
)

// localeEnv is this process's environment with the locale variables
// replaced by lang ("" leaves LANG unset).
func localeEnv(lang string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES":
			continue
		}
		env = append(env, kv)
	}
	if lang != "" {
		env = append(env, "LANG="+lang)
	}
	return append(env, extra...)
}

// Under a C or POSIX locale (containers, minimal installs, cron) neither
// program prints a GUI toolkit's locale error: the commands load no GUI
// code at all, and the tray reads the C locale as English.
func TestLocaleNoiseFromNeitherProgram(t *testing.T) {
	needDesktop(t)
	quietBus(t)
	bin := deskdialBin(t)
	for _, lang := range []string{"C", "C.UTF-8", "POSIX", ""} {
		t.Run("LANG="+lang, func(t *testing.T) {
			cmd := exec.Command(bin, "version")
			cmd.Env = localeEnv(lang)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil || stderr.Len() > 0 {
				t.Errorf("deskdial version: %v, stderr %q", err, stderr.String())
			}

			home := filepath.Join(t.TempDir(), "home")
			os.MkdirAll(home, 0o700)
			os.WriteFile(filepath.Join(home, "settings.json"),
				[]byte(fmt.Sprintf(`{"version":2,"listen":"127.0.0.1:%d","hotkey":"Ctrl+Alt+F9"}`, freePort(t))), 0o600)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			tray := exec.CommandContext(ctx, bin, "--home", home)
			// Fyne's own preferences file (in the config directory) is
			// private to this run: trays of other tests write theirs.
			tray.Env = localeEnv(lang, "DESKDIAL_EXIT_AFTER_START=1s", "XDG_CONFIG_HOME="+t.TempDir())
			out, err := tray.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "tray: ready") {
				t.Fatalf("the tray did not start and quit: %v\n%s", err, out)
			}
			// Fyne says "Error parsing user locale C" (cause "language:
			// tag is not well-formed") or "Failed to look up user locale".
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, "user locale") || strings.Contains(line, "Cause: language:") {
					t.Errorf("the tray printed %q", line)
				}
			}
		})
	}
}

// A deskdial without its tray program (the cgo-free phone-agent release,
// or only deskdial copied) says what to install when asked for the tray,
// and its commands work.
func TestNoTrayProgramSaysWhatToInstall(t *testing.T) {
	dir := t.TempDir()
	alone := filepath.Join(dir, "deskdial")
	b, err := os.ReadFile(deskdialBin(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, b, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+dir) // no deskdial-tray on PATH either
	for _, args := range [][]string{{"--home", filepath.Join(dir, "home")}, {"--home", filepath.Join(dir, "home"), "tel:+49301234567"}} {
		cmd := exec.Command(alone, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), launch.TrayProgram+" is not next to deskdial nor on PATH") ||
			!strings.Contains(string(out), "install it") {
			t.Errorf("deskdial %s without the tray program: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	cmd := exec.Command(alone, "version")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "deskdial ") {
		t.Errorf("deskdial version without the tray program: %v\n%s", err, out)
	}
}

// The tray program started while a tray runs (at login twice, or as
// Windows' link handler) hands over to it and ends, whatever started the
// first one: there is one tray per settings directory. deskdial started
// the first; it kept its process ID (exec), so the test's handle on it is
// the tray's.
func TestTrayProgramHandsOverToTheRunningTray(t *testing.T) {
	needDesktop(t)
	quietBus(t)
	bin := deskdialBin(t)
	home := filepath.Join(t.TempDir(), "home")
	os.MkdirAll(home, 0o700)
	os.WriteFile(filepath.Join(home, "settings.json"),
		[]byte(fmt.Sprintf(`{"version":2,"listen":"127.0.0.1:%d","hotkey":"Ctrl+Alt+F8"}`, freePort(t))), 0o600)
	first, out := start(t, []string{"LANG=en_US.UTF-8"}, bin, "--home", home)
	testsupport.WaitForWithin(t, 60*time.Second, "the tray to start", func() bool { return strings.Contains(out.String(), "tray: ready") })
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", first.Process.Pid)); err == nil && strings.TrimSpace(string(b)) != launch.TrayProgram {
		t.Errorf("deskdial's process runs %q, want the tray program in its place", strings.TrimSpace(string(b)))
	}
	for _, args := range [][]string{{"--home", home}, {"--home", home, "tel:+49301234567"}} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		again := exec.CommandContext(ctx, trayBin(t), args...)
		again.Env = append(os.Environ(), "LANG=en_US.UTF-8")
		o, err := again.CombinedOutput()
		cancel()
		if err != nil || strings.Contains(string(o), "tray: ready") {
			t.Fatalf("deskdial-tray %s with a tray running: %v\n%s", strings.Join(args, " "), err, o)
		}
	}
	if first.ProcessState != nil {
		t.Fatalf("the first tray ended:\n%s", out)
	}
}

// quietBus owns the notification server's name on the session bus with
// python3-dbusmock until the test ends, so that the trays started here do
// not make the bus activate a real notification daemon, which would keep
// the name from the next test's mock.
func quietBus(t *testing.T) {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	startNotificationMock(t, conn)
}
