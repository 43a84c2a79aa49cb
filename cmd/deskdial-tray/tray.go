package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/launch"
	"github.com/deskdial/deskdial/internal/trayapp"
)

// envExitAfter makes the tray app quit by itself that long after it is up
// ("2s"): for `make run` smoke checks and footprint measurements.
const envExitAfter = "DESKDIAL_EXIT_AFTER_START"

const usage = `usage: deskdial-tray [--home DIR] [--server URL] [--creds FILE] [--ca FILE] [LINK...]

Runs deskdial's tray app; when it runs already, shows its window, or offers
the tel:/callto: LINKs for calling. Usually started by deskdial (with no
command, or a clicked link) or at login. See deskdial --help for the commands.

flags:
  --home DIR      settings, keys and history (default: $DESKDIAL_HOME, then the system's)
  --server URL    hosted NATS server, tls://HOST:PORT (default: $NATS_URL, then the embedded server)
  --creds FILE    NATS .creds file for a hosted server
  --ca FILE       PEM file of the authority that signed a hosted server's certificate
`

// run runs the tray, or hands over to the running one; it returns the exit
// code.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := runTray(ctx, args, stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "deskdial-tray: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "deskdial-tray: %v\n", err)
	return 1
}

var errUsage = errors.New("usage")

func runTray(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	g := launch.Globals{Home: os.Getenv(config.EnvHome), Server: os.Getenv("NATS_URL")}
	fs := flag.NewFlagSet("deskdial-tray", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&g.Home, "home", g.Home, "")
	fs.StringVar(&g.Server, "server", g.Server, "")
	fs.StringVar(&g.Creds, "creds", "", "")
	fs.StringVar(&g.CA, "ca", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return err
		}
		return fmt.Errorf("%w: %v (see deskdial-tray --help)", errUsage, strings.Replace(err.Error(), "defined: -", "defined: --", 1))
	}
	if g.Server != "" {
		if err := config.CheckServer(g.Server); err != nil {
			return fmt.Errorf("%w: --server: %v", errUsage, strings.TrimPrefix(err.Error(), "config: "))
		}
	}
	links := fs.Args()
	for _, l := range links {
		if !launch.IsLink(l) {
			return fmt.Errorf("%w: %q is not a tel:, callto: or sip: link (commands are run by deskdial, not deskdial-tray)", errUsage, l)
		}
	}
	var after time.Duration
	if v := os.Getenv(envExitAfter); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%w: %s=%q: %v", errUsage, envExitAfter, v, err)
		}
		after = d
	}
	p, err := config.ResolvePaths(g.Home)
	if err != nil {
		return err
	}
	notices, err := p.EnsurePrivate()
	for _, n := range notices {
		fmt.Fprintf(stderr, "deskdial: %s\n", n)
	}
	if err != nil {
		return err
	}
	// Started at login or by a link handler while a tray runs already:
	// that one shows its window or takes the link.
	if handed, err := launch.Hand(ctx, p.Config, links); err != nil || handed {
		return err
	}
	return trayapp.Run(ctx, trayapp.Deps{Paths: p, Server: g.Server,
		Creds: config.ResolveIn(p.Config, g.Creds), CA: config.ResolveIn(p.Config, g.CA),
		Log: stderr, Links: links, ExitAfter: after})
}
