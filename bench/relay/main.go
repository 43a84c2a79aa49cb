// Command relay benchmarks a deskdial relay: it runs the shipped relay.conf
// in a nats-server child process (JWT mode, TLS), connects N phone agents
// (the real agent code, one connection each) from this process, and sends
// dial requests from one desktop at a fixed rate. It prints the dial round
// trip, the server's memory per phone and its CPU, then the same for a bare
// nats.go request/reply under the same load.
//
//	go run ./bench/relay -phones 10000 -rate 1000 -duration 20s
//
// Run it from the repository root (it reads packaging/server). Each process
// holds one socket per phone: at 10,000 phones the open-file limit must be
// above 10,100 (`ulimit -n 65536`).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/relay"
	"github.com/deskdial/deskdial/internal/relay/loadtest"
)

func main() {
	serve := flag.String("serve", "", "internal: run the relay from this directory (the child process)")
	port := flag.Int("port", 0, "internal: client port of the child")
	phones := flag.Int("phones", 10000, "phone agents, one connection each")
	rate := flag.Int("rate", 1000, "dials per second")
	dur := flag.Duration("duration", 20*time.Second, "how long to send dials in each run")
	conf := flag.String("conf", filepath.Join("packaging", "server"), "the shipped server configuration")
	paths := flag.String("paths", "deskdial,bare", "paths to run, in this order: deskdial (the phone agents), bare (plain responders on the same connections)")
	cpuprofile := flag.String("cpuprofile", "", "write this process's CPU profile (phones and desktop) here")
	flag.DurationVar(&idle, "idle", 10*time.Second, "how long to measure the connected phones' CPU without dials, before each run")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	if *serve != "" {
		if err := runServer(*serve, *port); err != nil {
			fmt.Fprintln(os.Stderr, "relay child:", err)
			os.Exit(1)
		}
		return
	}
	// This process simulates every phone and the desktop: a heap of
	// thousands of connections is scanned at every collection, so collect
	// less often (the server, in the child, keeps the default).
	debug.SetGCPercent(400)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *conf, *phones, *rate, *dur, strings.Split(*paths, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// runServer is the child: the shipped relay.conf with its listeners moved
// to loopback, until stdin closes.
func runServer(dir string, port int) error {
	if err := os.Chdir(dir); err != nil {
		return err
	}
	s, err := bus.StartConfigFile("relay.conf", "127.0.0.1", port)
	if err != nil {
		return err
	}
	// Each line on stdin asks for a garbage collection and the live heap
	// (heap in use + stacks), so memory per phone is measured after a GC
	// as well as resident; EOF stops the server.
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("%d %d\n", ms.HeapInuse+ms.StackInuse, s.NumSubscriptions())
	}
	s.Shutdown()
	return nil
}

type proc struct {
	pid   int
	url   string
	stdin io.WriteCloser
	out   *bufio.Scanner
	cmd   *exec.Cmd
}

// startChild runs the relay from srvDir in a child process and waits until
// it accepts connections.
func startChild(srvDir string) (*proc, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	child := exec.Command(self, "-serve", srvDir, "-port", strconv.Itoa(port))
	child.Stderr = os.Stderr
	stdin, err := child.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := child.Start(); err != nil {
		return nil, err
	}
	p := &proc{pid: child.Process.Pid, url: fmt.Sprintf("tls://127.0.0.1:%d", port), stdin: stdin,
		out: bufio.NewScanner(stdout), cmd: child}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return p, nil
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("the relay child did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *proc) stop() {
	p.stdin.Close()
	_ = p.cmd.Wait()
}

// live asks the child to collect garbage and returns its live heap and
// stacks in bytes, and the number of subscriptions it holds.
func (p *proc) live() (int64, int64) {
	if _, err := fmt.Fprintln(p.stdin, "mem"); err != nil || !p.out.Scan() {
		return 0, 0
	}
	f := strings.Fields(p.out.Text())
	if len(f) != 2 {
		return 0, 0
	}
	n, _ := strconv.ParseInt(f[0], 10, 64)
	subs, _ := strconv.ParseInt(f[1], 10, 64)
	return n, subs
}

// rss is the resident memory of the process in bytes.
func (p *proc) rss() int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpu is the user+system CPU time the process used.
func (p *proc) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// idle is how long the CPU of connected phones without dials is measured.
var idle time.Duration

// sleepCtx waits d or until ctx ends; false if it ended.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func run(ctx context.Context, conf string, phones, rate int, dur time.Duration, paths []string) error {
	dir, err := os.MkdirTemp("", "deskdial-relay-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := loadtest.MakeCerts(filepath.Join(dir, "tls")); err != nil {
		return err
	}
	os.Setenv("SSL_CERT_FILE", filepath.Join(dir, "tls", "ca.pem"))
	st, err := relay.Init(filepath.Join(dir, "admin"), "deskdial-bench", nil)
	if err != nil {
		return err
	}
	if _, err := st.AddUser("team", relay.Limits{Conns: -1, Subs: -1}); err != nil {
		return err
	}
	desk, err := device.LoadOrCreate(filepath.Join(dir, "desktop"))
	if err != nil {
		return err
	}
	creds, err := st.AddDesktop("team", desk.ID, "desk")
	if err != nil {
		return err
	}
	credsPath := filepath.Join(dir, "desktop", "desk.creds")
	if err := os.WriteFile(credsPath, creds, 0o600); err != nil {
		return err
	}
	srvDir := filepath.Join(dir, "relay")
	if err := os.MkdirAll(srvDir, 0o700); err != nil {
		return err
	}
	for _, f := range []string{"relay.conf", "common.conf"} {
		b, err := os.ReadFile(filepath.Join(conf, f))
		if err != nil {
			return fmt.Errorf("read the shipped configuration (run from the repository root?): %w", err)
		}
		if err := os.WriteFile(filepath.Join(srvDir, f), b, 0o600); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(srvDir, relay.AccountsConf), st.AccountsConf(), 0o600); err != nil {
		return err
	}
	if err := os.Symlink(filepath.Join(dir, "tls"), filepath.Join(srvDir, "tls")); err != nil {
		return err
	}
	cfg := loadtest.Config{DesktopCreds: credsPath, Desktop: desk, Phones: phones, Rate: rate,
		Duration: dur, WorkDir: filepath.Join(dir, "load")}
	fmt.Printf("relay: nats-server %s in a child process, shipped relay.conf (JWT, TLS); %d phones, %d dials/s for %s\n",
		bus.ServerVersion(), phones, rate, dur)

	self := &proc{pid: os.Getpid()}
	measure := func(name string, start func(context.Context, loadtest.Config) (*loadtest.Phones, error),
		drive func(context.Context, loadtest.Config, *loadtest.Phones) (loadtest.Result, error)) error {
		srv, err := startChild(srvDir)
		if err != nil {
			return err
		}
		defer srv.stop()
		cfg.URL = srv.url
		live0, subs0 := srv.live()
		rss0 := srv.rss()
		g0 := runtime.NumGoroutine()
		p, err := start(ctx, cfg)
		if err != nil {
			return err
		}
		defer p.Close()
		rss1 := srv.rss()
		live1, subs1 := srv.live()
		// What the bench process (phones and desktop) spends is not the
		// server's: report it apart, with its collections.
		goroutines := float64(runtime.NumGoroutine()-g0) / float64(phones)
		// The connected phones cost CPU with no dial at all (pings, timers,
		// collections of their heap): measure that first, so the cost of
		// a dial shows apart, in the bench process and in the server.
		icpu0, ibcpu0, it0 := srv.cpu(), self.cpu(), time.Now()
		if !sleepCtx(ctx, idle) {
			return ctx.Err()
		}
		iwall := time.Since(it0)
		idleSrv := float64(srv.cpu()-icpu0) / float64(iwall)
		idleBench := float64(self.cpu()-ibcpu0) / float64(iwall)
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		cpu0, bcpu0, t0 := srv.cpu(), self.cpu(), time.Now()
		r, err := drive(ctx, cfg, p)
		if err != nil {
			return err
		}
		wall := time.Since(t0)
		runtime.ReadMemStats(&ms1)
		cpu := float64(srv.cpu()-cpu0) / float64(wall) * 100
		bcpu := float64(self.cpu()-bcpu0) / float64(wall) * 100
		// CPU per dial: what the drive used beyond the idle rate.
		perDial := func(used time.Duration, idleRate float64) time.Duration {
			if r.Sent == 0 {
				return 0
			}
			return time.Duration((float64(used) - idleRate*float64(wall)) / float64(r.Sent))
		}
		srvDial, benchDial := perDial(srv.cpu()-cpu0, idleSrv), perDial(self.cpu()-bcpu0, idleBench)
		perPhone := float64(rss1-rss0) / float64(phones) / 1024
		livePhone := float64(live1-live0) / float64(phones) / 1024
		fmt.Printf("%-9s connect %-8s warm-up %-8s p50 %-9s p99 %-9s max %-9s server per phone: RSS %.1f KB, live heap+stacks after GC %.1f KB, %.1f subscriptions; server CPU %.0f %%\n"+
			"          bench process (phones, desktop): CPU %.0f %%, %d collections, %s paused, heap %.0f MB, %.1f goroutines per phone\n          %s\n",
			name, p.ConnectTime.Round(time.Millisecond), p.WarmUpTime.Round(time.Millisecond), r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond),
			r.Max.Round(time.Microsecond), perPhone, livePhone, float64(subs1-subs0)/float64(phones), cpu,
			bcpu, ms1.NumGC-ms0.NumGC, time.Duration(ms1.PauseTotalNs-ms0.PauseTotalNs).Round(time.Microsecond),
			float64(ms1.HeapInuse)/(1<<20), goroutines, r)
		fmt.Printf("          idle (connected, no dials, %s): server CPU %.1f %%, bench process CPU %.1f %%; CPU per dial beyond idle: server %s, bench process (phones, desktop) %s\n",
			iwall.Round(time.Second), idleSrv*100, idleBench*100, srvDial.Round(time.Microsecond), benchDial.Round(time.Microsecond))
		// A timed-out dial is an answer (the desktop reports it); a lost,
		// duplicated or garbled one is a failure.
		if r.Lost != 0 || r.Duplicated != 0 || r.Failed != 0 {
			return fmt.Errorf("%s: dials lost, duplicated or failed: %s", name, r)
		}
		return nil
	}
	base := cfg
	for _, path := range paths {
		cfg = base
		cfg.WorkDir = filepath.Join(dir, path)
		var perr error
		switch path {
		case "deskdial":
			perr = measure(path, loadtest.StartAgents, loadtest.Drive)
		case "bare":
			perr = measure(path, loadtest.StartBare, loadtest.DriveBare)
		default:
			perr = fmt.Errorf("unknown path %q (deskdial, bare)", path)
		}
		if err == nil {
			err = perr
		}
	}
	return err
}
