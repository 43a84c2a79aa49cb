package main

// Commands made of subcommands (contacts, admin): their own flags come
// before the subcommand, each subcommand parses its own, and their help,
// man page entry and completion are generated from the subcommands'
// table and flag sets, as for the other commands.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// subcommands are the subcommands of the command name, if it has any.
func subcommands(name string) []command {
	switch name {
	case "contacts":
		return contactsCommands()
	case "admin":
		return adminCommands()
	}
	return nil
}

// isHelp reports whether a word asks for help instead of a subcommand.
func isHelp(s string) bool {
	switch s {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

// parseGroupFlags parses the flags before the subcommand; --help prints
// the command's help on stdout and returns flag.ErrHelp (exit 0).
func parseGroupFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fc, ok := flagCtxOf(fs)
	if ok && fc.e.describe {
		fc.e.described = fs
		return nil, errDescribed
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) && ok {
			groupHelp(fc.e.stdout, fs, fc.name)
			return nil, err
		}
		return nil, flagErr(fs, err)
	}
	return fs.Args(), nil
}

// runGroup runs the subcommand of name that rest starts with.
func runGroup(ctx context.Context, e *env, fs *flag.FlagSet, name string, rest []string) error {
	subs := subcommands(name)
	if len(rest) == 0 {
		var names []string
		for _, c := range subs {
			names = append(names, c.name)
		}
		return usageErr("%s needs a command: %s (see deskdial %s --help)", name, strings.Join(names, ", "), name)
	}
	if isHelp(rest[0]) {
		groupHelp(e.stdout, fs, name)
		return nil
	}
	for _, c := range subs {
		if c.name == rest[0] {
			return c.run(ctx, e, rest[1:])
		}
	}
	return usageErr("%s: unknown command %q (see deskdial %s --help)", name, rest[0], name)
}

// groupHelp prints the help of a command made of subcommands: its
// synopsis, each subcommand with its arguments and what it does, and
// each flag on one line under the subcommand that takes it.
func groupHelp(w io.Writer, fs *flag.FlagSet, name string) {
	synopsis, desc := usageOf(name)
	fmt.Fprintf(w, "usage: deskdial %s\n", synopsis)
	if desc != "" {
		fmt.Fprintf(w, "\n%s\n", desc)
	}
	fmt.Fprintf(w, "\ncommands:\n")
	for _, c := range subcommands(name) {
		sp := parseUsage(c.name, c.usage)
		fmt.Fprintf(w, "  %s\n      %s\n", sp.synopsis, sp.desc)
		for _, f := range commandFlags(c) {
			fmt.Fprintf(w, "    %s\n", flagLine(f))
		}
	}
	helpFlags(w, fs)
	if note := groupNote(name); note != "" {
		fmt.Fprintf(w, "\n%s\n", note)
	}
}

// groupNote is what a group's help says after its flags.
func groupNote(name string) string {
	switch name {
	case "contacts":
		return contactsNote
	case "admin":
		return adminNote
	}
	return ""
}

// usageOf is the synopsis and description of a command ("call") or a
// subcommand ("contacts import") from the tables.
func usageOf(name string) (synopsis, desc string) {
	for _, c := range commands() {
		if c.name == name {
			sp := parseUsage(c.name, c.usage)
			return sp.synopsis, sp.desc
		}
		for _, s := range subcommands(c.name) {
			if c.name+" "+s.name == name {
				sp := parseUsage(s.name, s.usage)
				return c.name + " " + sp.synopsis, sp.desc
			}
		}
	}
	return name, ""
}

// flagCtxOf is what newFlags noted about fs.
func flagCtxOf(fs *flag.FlagSet) (flagCtx, bool) {
	flagEnvMu.Lock()
	defer flagEnvMu.Unlock()
	fc, ok := flagEnv[fs]
	return fc, ok
}
