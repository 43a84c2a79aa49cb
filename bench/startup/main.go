// Command startup measures how long deskdial's command-line commands take
// to start and finish, and their peak memory, against `nats-server
// --version` in the same run (the same machine, the same load), as
// docs/benchmarks.md reports it:
//
//	go build -o /tmp/deskdial ./app && go run ./bench/startup -deskdial /tmp/deskdial
//
// Runs are interleaved, so a load change hits every command alike; the
// medians are reported.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

type target struct {
	name string
	argv []string
	env  []string
}

func main() {
	deskdial := flag.String("deskdial", "deskdial", "the deskdial binary to measure")
	nats := flag.String("nats-server", "nats-server", "the nats-server binary to compare with")
	n := flag.Int("n", 30, "runs of each command")
	flag.Parse()
	home, err := os.MkdirTemp("", "deskdial-startup-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(home)
	targets := []target{
		{"nats-server --version", []string{*nats, "--version"}, nil},
		{"deskdial version", []string{*deskdial, "version"}, nil},
		{"deskdial version (LANG=C)", []string{*deskdial, "version"}, []string{"LANG=C", "LC_ALL="}},
		{"deskdial find (a line of text)", []string{*deskdial, "--home", home, "find"}, nil},
		{"deskdial call --help", []string{*deskdial, "call", "--help"}, nil},
	}
	wall := make([][]time.Duration, len(targets))
	rss := make([][]int64, len(targets))
	noise := make([]string, len(targets))
	for i := 0; i < *n; i++ {
		for j, t := range targets {
			cmd := exec.Command(t.argv[0], t.argv[1:]...)
			cmd.Env = append(os.Environ(), t.env...)
			cmd.Stdin = strings.NewReader("Anna Muster, Tel. +49 30 1234567\n")
			var errOut strings.Builder
			cmd.Stderr = &errOut
			t0 := time.Now()
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", t.name, err)
				os.Exit(1)
			}
			wall[j] = append(wall[j], time.Since(t0))
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rss[j] = append(rss[j], ru.Maxrss) // KiB on Linux
			}
			if s := strings.TrimSpace(errOut.String()); s != "" {
				noise[j] = strings.SplitN(s, "\n", 2)[0]
			}
		}
	}
	fmt.Printf("%-34s %12s %12s  %s\n", "command", "median wall", "median peak", "stderr")
	for j, t := range targets {
		slices.Sort(wall[j])
		slices.Sort(rss[j])
		fmt.Printf("%-34s %9.1f ms %9.1f MB  %s\n", t.name,
			float64(wall[j][len(wall[j])/2].Microseconds())/1000, float64(rss[j][len(rss[j])/2])/1024, noise[j])
	}
}
