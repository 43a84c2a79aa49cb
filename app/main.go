// Command deskdial makes your phone dial a number you found on your computer.
//
// Without a subcommand it starts the tray app (the deskdial-tray program,
// see internal/launch) with its embedded NATS server.
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
	"sync"
	"syscall"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/launch"
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
	// described, when not nil, makes parseFlags hand over the command's
	// flag set and stop it (errDescribed): completion and the man page
	// read each command's real flags this way.
	described *flag.FlagSet
	describe  bool
	adminDir  string // the relay operator's store, for the admin subcommands
}

// errDescribed stops a command that was only asked for its flags.
var errDescribed = errors.New("described")

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
		{"admin", "admin [--dir DIR] COMMAND                 run a hosted relay: users, desktops, revocation (see admin --help)", cmdAdmin},
		{"install-handler", "install-handler                          open tel: and callto: links with deskdial (Windows)", cmdInstallHandler},
		{"uninstall-handler", "uninstall-handler                        stop opening tel: and callto: links (Windows)", cmdUninstallHandler},
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
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, home: os.Getenv(config.EnvHome)}
	if u := os.Getenv("NATS_URL"); u != "" {
		if err := config.CheckServer(u); err != nil {
			fmt.Fprintf(stderr, "deskdial: $NATS_URL: %v\n", strings.TrimPrefix(err.Error(), "config: "))
			return exitUsage
		}
		e.server = u
	}
	fs := flag.NewFlagSet("deskdial", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	globalFlagsOn(fs, e)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "deskdial: %v\n", flagErr(fs, err))
		return exitUsage
	}
	return exitCode(stderr, dispatch(ctx, e, fs.Args()))
}

// dispatch runs the command named first in rest, the tray app without
// one, or hands a clicked link over.
func dispatch(ctx context.Context, e *env, rest []string) error {
	switch {
	case len(rest) == 0:
		return showOrRunTray(ctx, e)
	case isLink(rest):
		return openLink(ctx, e, rest[0])
	case rest[0] == "help":
		usage(e.stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == rest[0] {
			return c.run(ctx, e, rest[1:])
		}
	}
	return usageErr("unknown command %q (see deskdial --help)", rest[0])
}

// exitCode prints err, if any, and returns the exit code it carries.
func exitCode(stderr io.Writer, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	code := exitError
	if ee := (*exitErr)(nil); errors.As(err, &ee) {
		code = ee.code
	}
	fmt.Fprintf(stderr, "deskdial: %v\n", err)
	return code
}

// isLink reports whether deskdial was started with just a tel:, callto: or
// sip: link: the desktop entry's Exec=deskdial %u and the OS URL handlers
// start it so when a link is clicked.
func isLink(args []string) bool {
	return len(args) == 1 && launch.IsLink(args[0])
}

// showOrRunTray asks the running tray to show its window (its menu, where
// the desktop shows no tray icons), or starts the tray program. The running
// tray is found here, without loading any GUI code.
func showOrRunTray(ctx context.Context, e *env) error {
	return handOrRunTray(ctx, e, nil)
}

// openLink offers a clicked link's number for calling: the running tray
// prompts for it; without one, the tray starts and prompts. A click never
// dials by itself — a web page can make a browser open tel: links.
// (`deskdial call LINK` typed in a terminal calls at once.)
func openLink(ctx context.Context, e *env, link string) error {
	return handOrRunTray(ctx, e, []string{link})
}

func handOrRunTray(ctx context.Context, e *env, links []string) error {
	p, err := e.paths()
	if err != nil {
		return err
	}
	if handed, err := launch.Hand(ctx, p.Config, links); err != nil || handed {
		return err
	}
	return runTray(ctx, e, links)
}

// newFlags makes a flag set for a subcommand. It also takes the global
// flags (--home, --server, --creds, --ca), so they work after the command
// and its arguments too ("deskdial call +49… --home X"). Its errors are not
// printed by the flag package: parseFlags returns them, and main prints
// each once; --help prints the command's help on stdout.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("deskdial "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	globalFlagsOn(fs, e)
	flagEnvMu.Lock()
	flagEnv[fs] = flagCtx{e: e, name: name}
	flagEnvMu.Unlock()
	return fs
}

// flagCtx is what parseFlags needs to know about a flag set.
type flagCtx struct {
	e    *env
	name string
}

// flagEnv maps a subcommand's flag set to its command, for help.
var (
	flagEnvMu sync.Mutex
	flagEnv   = map[*flag.FlagSet]flagCtx{}
)

// globalFlagsOn defines the global flags on fs, bound to e.
func globalFlagsOn(fs *flag.FlagSet, e *env) {
	fs.StringVar(&e.home, "home", e.home, "`DIR` for settings, keys and history (default: $"+config.EnvHome+", then the system's)")
	fs.Func("server", "hosted NATS server `URL`, tls://HOST:PORT (default: $NATS_URL, then the embedded server)", func(s string) error {
		if err := config.CheckServer(s); err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), "config: "))
		}
		e.server = s
		return nil
	})
	fs.StringVar(&e.creds, "creds", e.creds, "NATS .creds `FILE` for a hosted server (a bare name is also looked up in the config directory)")
	fs.StringVar(&e.ca, "ca", e.ca, "PEM `FILE` of the authority that signed a hosted server's certificate")
}

// isGlobal reports whether a flag is one of the global flags.
func isGlobal(name string) bool {
	switch name {
	case "home", "server", "creds", "ca":
		return true
	}
	return false
}

// commandHelp prints a subcommand's help: its synopsis, what it does, and
// every flag on one line.
func commandHelp(w io.Writer, fs *flag.FlagSet, name string) {
	synopsis, desc := usageOf(name)
	fmt.Fprintf(w, "usage: deskdial %s\n", synopsis)
	if desc != "" {
		fmt.Fprintf(w, "\n%s\n", desc)
	}
	helpFlags(w, fs)
}

// helpFlags lists a command's own flags, then the global ones, one line
// each.
func helpFlags(w io.Writer, fs *flag.FlagSet) {
	var own, global []string
	fs.VisitAll(func(f *flag.Flag) {
		line := flagLine(f)
		if isGlobal(f.Name) {
			global = append(global, line)
		} else {
			own = append(own, line)
		}
	})
	if len(own) > 0 {
		fmt.Fprintf(w, "\nflags:\n%s\n", strings.Join(own, "\n"))
	}
	fmt.Fprintf(w, "\nglobal flags (before or after the command):\n%s\n", strings.Join(global, "\n"))
}

// commandFlags are a command's own flags (not the global ones), read from
// the flag set the command really parses.
func commandFlags(c command) []*flag.Flag {
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, describe: true}
	_ = c.run(context.Background(), e, nil)
	var out []*flag.Flag
	if e.described != nil {
		e.described.VisitAll(func(f *flag.Flag) {
			if !isGlobal(f.Name) {
				out = append(out, f)
			}
		})
	}
	return out
}

// flagArg is the placeholder of a flag's value ("" for a switch).
func flagArg(f *flag.Flag) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return ""
	}
	arg, _ := flag.UnquoteUsage(f)
	switch arg {
	case "string", "value", "":
		arg = strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
	case "int", "int64", "uint":
		arg = "N"
	case "duration":
		arg = "D"
	}
	return arg
}

// flagLine is one flag on one line: "  --phone P    the phone (default …)".
func flagLine(f *flag.Flag) string {
	_, usage := flag.UnquoteUsage(f)
	arg := flagArg(f)
	left := "--" + f.Name
	if arg != "" {
		left += " " + arg
	}
	if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && !strings.Contains(usage, "default") {
		usage += " (default " + f.DefValue + ")"
	}
	return fmt.Sprintf("  %-22s %s", left, usage)
}

// flagErr words the flag package's errors the way the user typed flags:
// "unknown flag --hme", "--timeout: invalid value …".
func flagErr(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		msg = fmt.Sprintf("unknown flag --%s (see %s --help)", rest, fs.Name())
	} else {
		msg = strings.Replace(msg, " for flag -", " for flag --", 1)
		msg = strings.Replace(msg, "flag needs an argument: -", "flag needs an argument: --", 1)
		msg = fmt.Sprintf("%s (see %s --help)", msg, fs.Name())
	}
	return withCode(exitUsage, errors.New(msg))
}

// parseFlags parses args, letting flags and positional arguments mix
// ("call +4930... --phone Pixel"), and maps a bad flag to a usage error.
// --help prints the command's help on stdout and returns flag.ErrHelp
// (exit 0).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fc, ok := flagCtxOf(fs)
	if ok && fc.e.describe {
		fc.e.described = fs
		return nil, errDescribed
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				if ok {
					commandHelp(fc.e.stdout, fs, fc.name)
				}
				return nil, err
			}
			return nil, flagErr(fs, err)
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
	fs := newFlags(e, "version")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("version takes no arguments")
	}
	fmt.Fprintf(e.stdout, "deskdial %s (commit %s, built %s)\n", version, commit, date)
	return nil
}
