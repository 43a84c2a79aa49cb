// Command deskdial makes your phone dial a number you found on your computer.
//
// Without a subcommand it runs the tray app with its embedded NATS server.
// The subcommands are listed in usage below. main only parses flags and wires
// parts together; the logic lives in internal/.
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
	"github.com/deskdial/deskdial/internal/instance"
)

// Exit codes, shared with scripts and tests.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitOffline  = 3
	exitRefused  = 4
	exitTimedOut = 5
)

// Version information, set with -ldflags "-X main.version=... -X main.commit=... -X main.date=...".
var (
	version = "dev"
	commit  = "unknown"
	date    = "unknown"
)

// env carries what every subcommand needs: the global flags and the streams.
type env struct {
	home   string // --home / DESKDIAL_HOME
	server string // --server / NATS_URL
	creds  string // --creds
	ca     string // --ca
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// paths resolves the config and data directories, creates them, and makes
// them private, saying so on stderr when it had to tighten one.
func (e *env) paths() (config.Paths, error) {
	p, err := config.ResolvePaths(e.home)
	if err != nil {
		return p, err
	}
	notices, err := p.EnsurePrivate()
	for _, n := range notices {
		fmt.Fprintf(e.stderr, "deskdial: %s\n", n)
	}
	// docs/deploy.md keeps a desktop's .creds in the config directory.
	e.creds = config.ResolveIn(p.Config, e.creds)
	e.ca = config.ResolveIn(p.Config, e.ca)
	return p, err
}

// exitErr carries an exit code other than 1 up to main.
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string { return e.err.Error() }
func (e *exitErr) Unwrap() error { return e.err }

func withCode(code int, err error) error { return &exitErr{code: code, err: err} }

func usageErr(format string, a ...any) error {
	return withCode(exitUsage, fmt.Errorf(format, a...))
}

type command struct {
	name  string
	usage string
	run   func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"call", "call TARGET [--phone P] [--prefill] [--timeout D] [--region CC]   dial a number, tel: URI or contact name", cmdCall},
		{"phones", "phones [--local [--json]]                paired phones, online or offline; --local: phones this computer reaches itself", cmdPhones},
		{"pair", "pair [--print] [--link] [--page URL]     make a pairing offer and wait for a phone", cmdPair},
		{"unpair", "unpair DEVICE                            forget a paired device", cmdUnpair},
		{"phone", "phone [--backend B] [--pair OFFER]       run the phone agent", cmdPhone},
		{"serve", "serve                                    run the desktop side without the tray (embedded server)", cmdServe},
		{"serve-web", "serve-web --cert FILE --key FILE [--listen ADDR] [--nats URL]   serve the phone page for a hosted relay", cmdServeWeb},
		{"find", "find [--region CC] [--json] [FILE...]    print the phone numbers found in text", cmdFind},
		{"contacts", "contacts import FILE.vcf | list | sync    manage contacts", cmdContacts},
		{"sync-key", "sync-key [set KEY]                       show or set the key your desktops share to sync recents", cmdSyncKey},
		{"admin", "admin COMMAND                            run a hosted relay: users, desktops, revocation (see admin --help)", cmdAdmin},
		{"version", "version                                  print the version", cmdVersion},
		{"completion", "completion bash|zsh|fish                 print a shell completion script", cmdCompletion},
		{"man", "man                                      print the manual page (roff)", cmdMan},
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: deskdial [--home DIR] [--server URL] [--creds FILE] [--ca FILE] [COMMAND [ARGS]]\n\n")
	fmt.Fprintf(w, "Without a command, deskdial runs the tray app.\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %s\n", c.usage)
	}
	fmt.Fprintf(w, "\nexit codes: 0 ok, 1 error, 2 usage, 3 phone offline, 4 refused by the phone, 5 timed out\n")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("deskdial", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(stderr) }
	fs.StringVar(&e.home, "home", os.Getenv(config.EnvHome), "directory for settings, keys and history")
	fs.StringVar(&e.server, "server", os.Getenv("NATS_URL"), "hosted NATS server URL (default: the embedded server)")
	fs.StringVar(&e.creds, "creds", "", "NATS .creds file for a hosted server")
	fs.StringVar(&e.ca, "ca", "", "PEM file of the authority that signed a hosted server's certificate")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	rest := fs.Args()
	if e.server != "" {
		if err := config.CheckServer(e.server); err != nil {
			fmt.Fprintf(stderr, "deskdial: --server (or $NATS_URL): %v\n", strings.TrimPrefix(err.Error(), "config: "))
			return exitUsage
		}
	}
	var err error
	if len(rest) == 0 {
		err = runTray(ctx, e, nil)
	} else if isLink(rest) {
		err = openLink(ctx, e, rest[0])
	} else {
		err = usageErr("unknown command %q (see deskdial --help)", rest[0])
		for _, c := range commands() {
			if c.name == rest[0] {
				err = c.run(ctx, e, rest[1:])
				break
			}
		}
		if rest[0] == "help" {
			usage(stdout)
			err = nil
		}
	}
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ee *exitErr
	code := exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	fmt.Fprintf(stderr, "deskdial: %v\n", err)
	return code
}

// isLink reports whether deskdial was started with just a tel:, callto: or
// sip: link: the desktop entry's Exec=deskdial %u and the OS URL handlers
// start it so when a link is clicked.
func isLink(args []string) bool {
	if len(args) != 1 {
		return false
	}
	l := strings.ToLower(args[0])
	for _, scheme := range []string{"tel:", "callto:", "sip:"} {
		if strings.HasPrefix(l, scheme) {
			return true
		}
	}
	return false
}

// openLink offers a clicked link's number for calling: the running tray
// prompts for it; without one, the tray starts and prompts. A click never
// dials by itself — a web page can make a browser open tel: links.
// (`deskdial call LINK` typed in a terminal calls at once.)
func openLink(ctx context.Context, e *env, link string) error {
	p, err := e.paths()
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = instance.Send(sctx, p.Config, link)
	cancel()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, instance.ErrNotRunning):
		return runTray(ctx, e, []string{link})
	}
	return fmt.Errorf("hand the link to the running deskdial: %w", err)
}

// newFlags makes a flag set for a subcommand whose errors go to e.stderr.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("deskdial "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags parses args, letting flags and positional arguments mix
// ("call +4930... --phone Pixel"), and maps a bad flag to a usage error.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, withCode(exitUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func cmdVersion(_ context.Context, e *env, args []string) error {
	fmt.Fprintf(e.stdout, "deskdial %s (commit %s, built %s)\n", version, commit, date)
	return nil
}
