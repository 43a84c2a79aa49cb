// Command startup measures how long deskdial's commands take to start and
// finish, and their peak memory, against `nats-server --version` in the
// same run (the same machine, the same load), as docs/benchmarks.md
// reports it:
//
//	make build && go run ./bench/startup -deskdial bin/deskdial
//
// The tray program (deskdial-tray, next to deskdial unless -tray says
// otherwise) is measured twice: `deskdial-tray --help`, which is its
// package initialisation (Fyne's included) and nothing else, and, when a
// display is set (run under xvfb-run and dbus-run-session), `deskdial`
// starting the tray until it logs "tray: ready". Runs are interleaved, so a
// load change hits every command alike; the medians are reported, and each
// as a ratio to nats-server's.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

type target struct {
	name string
	argv []string
	env  []string
	// ready, when set, is the line the program logs once it is up: the
	// time is taken there (the program then quits by itself).
	ready string
}

type result struct {
	wall  []time.Duration
	rss   []int64 // KiB
	noise string  // the first stderr line, if any
}

func main() {
	deskdial := flag.String("deskdial", "deskdial", "the deskdial program to measure")
	tray := flag.String("tray", "", "the tray program (default: deskdial-tray next to -deskdial)")
	nats := flag.String("nats-server", "nats-server", "the nats-server program to compare with")
	n := flag.Int("n", 30, "runs of each command")
	flag.Parse()
	if *tray == "" {
		*tray = filepath.Join(filepath.Dir(*deskdial), "deskdial-tray")
	}
	tmp, err := os.MkdirTemp("", "deskdial-startup-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	// Each program is measured as a copy, written by write(2) as an
	// installer writes it, not the linker's output file: on Linux 6.x, whose
	// page cache keeps a file in large folios depending on how it was
	// written, the resident size of one and the same program differs by up
	// to 2 MB between the two. nats-server is copied alike.
	bin := filepath.Join(tmp, "bin")
	if err := os.Mkdir(bin, 0o700); err != nil {
		fail(err)
	}
	if p, err := exec.LookPath(*nats); err == nil {
		*nats = copyProgram(p, bin)
	}
	*deskdial = copyProgram(*deskdial, bin)
	if _, err := os.Stat(*tray); err == nil {
		*tray = copyProgram(*tray, bin)
	}
	home := filepath.Join(tmp, "home")
	trayHome := filepath.Join(tmp, "tray")
	for _, d := range []string{home, trayHome} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			fail(err)
		}
		// A private port and a key nobody else uses: the tray's embedded
		// server and hotkey must not meet a running deskdial's.
		st := `{"version":2,"listen":"127.0.0.1:0","hotkey":"Ctrl+Alt+F12","region":"DE"}`
		if err := os.WriteFile(filepath.Join(d, "settings.json"), []byte(st), 0o600); err != nil {
			fail(err)
		}
	}
	targets := []target{
		{name: "nats-server --version", argv: []string{*nats, "--version"}},
		{name: "deskdial version", argv: []string{*deskdial, "version"}},
		{name: "deskdial version (LANG=C.UTF-8)", argv: []string{*deskdial, "version"}, env: []string{"LANG=C.UTF-8", "LC_ALL="}},
		{name: "deskdial --help", argv: []string{*deskdial, "--help"}},
		{name: "deskdial call --help", argv: []string{*deskdial, "call", "--help"}},
		{name: "deskdial find (a line of text)", argv: []string{*deskdial, "--home", home, "find"}},
		{name: "deskdial phones (starts the server)", argv: []string{*deskdial, "--home", home, "phones"}},
	}
	if _, err := os.Stat(*tray); err != nil {
		// An older deskdial, one program with the tray in it.
		fmt.Fprintf(os.Stderr, "startup: no tray program (%v): its start-up is not measured\n", err)
	} else {
		targets = append(targets, target{name: "deskdial-tray --help (its init)", argv: []string{*tray, "--help"}})
	}
	if os.Getenv("DISPLAY") != "" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		targets = append(targets, target{name: "deskdial → tray ready", argv: []string{*deskdial, "--home", trayHome},
			env: []string{"DESKDIAL_EXIT_AFTER_START=1ms", "XDG_CONFIG_HOME=" + filepath.Join(tmp, "xdg")}, ready: "tray: ready"})
	} else {
		fmt.Fprintln(os.Stderr, "startup: no DISPLAY and session bus: the tray's start to ready is not measured (run under xvfb-run dbus-run-session)")
	}
	res := make([]result, len(targets))
	for i := 0; i < *n; i++ {
		for j, t := range targets {
			wall, rss, noise, err := runOnce(t)
			if err != nil {
				fail(fmt.Errorf("%s: %w", t.name, err))
			}
			res[j].wall = append(res[j].wall, wall)
			res[j].rss = append(res[j].rss, rss)
			if noise != "" && t.ready == "" {
				res[j].noise = noise
			}
		}
	}
	anchorWall, anchorRSS := median(res[0].wall), median(res[0].rss)
	fmt.Printf("%-38s %12s %12s %8s %8s\n", "command", "median wall", "median peak", "× wall", "× peak")
	for j, t := range targets {
		w, r := median(res[j].wall), median(res[j].rss)
		noise := ""
		if res[j].noise != "" {
			noise = "  stderr: " + res[j].noise
		}
		fmt.Printf("%-38s %9.1f ms %9.1f MB %8.2f %8.2f%s\n", t.name,
			float64(w.Microseconds())/1000, float64(r)/1024,
			float64(w)/float64(anchorWall), float64(r)/float64(anchorRSS), noise)
	}
}

// runOnce runs one command and returns its wall time (to exit, or to its
// ready line), its peak resident memory and its first stderr line.
func runOnce(t target) (time.Duration, int64, string, error) {
	cmd := exec.Command(t.argv[0], t.argv[1:]...)
	// An ordinary locale unless the target asks for another.
	cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8", "LC_ALL=", "LANGUAGE=")
	cmd.Env = append(cmd.Env, t.env...)
	cmd.Stdin = strings.NewReader("Anna Muster, Tel. +49 30 1234567\n")
	cmd.Stdout = io.Discard
	errOut, err := cmd.StderrPipe()
	if err != nil {
		return 0, 0, "", err
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, "", err
	}
	var wall time.Duration
	var first, all strings.Builder
	sc := bufio.NewScanner(errOut)
	for sc.Scan() {
		line := sc.Text()
		if t.ready != "" && wall == 0 && strings.Contains(line, t.ready) {
			wall = time.Since(t0)
		}
		if first.Len() == 0 {
			first.WriteString(line)
		}
		all.WriteString(line + "\n")
	}
	if err := cmd.Wait(); err != nil {
		return 0, 0, "", fmt.Errorf("%w\n%s", err, all.String())
	}
	if t.ready == "" {
		wall = time.Since(t0)
	} else if wall == 0 {
		return 0, 0, "", fmt.Errorf("no %q line:\n%s", t.ready, all.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss // KiB on Linux
	}
	return wall, rss, first.String(), nil
}

func median[T int64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// copyProgram copies the program at src into dir, keeping its name.
func copyProgram(src, dir string) string {
	dst := filepath.Join(dir, filepath.Base(src))
	in, err := os.Open(src)
	if err != nil {
		fail(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		fail(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		fail(err)
	}
	if err := out.Close(); err != nil {
		fail(err)
	}
	return dst
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "startup:", err)
	os.Exit(1)
}
