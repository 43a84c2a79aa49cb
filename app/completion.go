package main

// Shell completion and the man page, both generated from commands() and
// usage() so they can never describe a command line that no longer exists.

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// flagSpec is one flag as a usage line shows it: "[--phone P]" or "[--json]".
type flagSpec struct {
	name string // without dashes
	arg  string // the placeholder for its value; empty for a switch
}

// cmdSpec is what completion and the man page know about a command.
type cmdSpec struct {
	name     string
	synopsis string     // "call TARGET [--phone P] ..."
	desc     string     // "dial a number, tel: URI or contact name"
	words    []string   // literal sub-commands ("import", "list", "sync")
	flags    []flagSpec // its flags, in order
	files    bool       // takes file names (a FILE or DIR placeholder)
}

var (
	usageSplit = regexp.MustCompile(`^(\S(?:.*?\S)?)\s{2,}(\S.*)$`)
	flagRe     = regexp.MustCompile(`--([a-z][a-z0-9-]*)(?: ([A-Z][A-Z0-9_.]*))?`)
	wordRe     = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	fileRe     = regexp.MustCompile(`^(FILE|DIR)`)
)

// parseUsage reads a usage line of the commands() table.
func parseUsage(name, usage string) cmdSpec {
	c := cmdSpec{name: name, synopsis: strings.TrimSpace(usage)}
	if m := usageSplit.FindStringSubmatch(strings.TrimSpace(usage)); m != nil {
		c.synopsis, c.desc = m[1], m[2]
	}
	for _, m := range flagRe.FindAllStringSubmatch(c.synopsis, -1) {
		c.flags = append(c.flags, flagSpec{name: m[1], arg: m[2]})
	}
	rest := flagRe.ReplaceAllString(c.synopsis, "")
	for i, tok := range strings.Fields(rest) {
		for _, w := range strings.Split(strings.Trim(tok, "[]"), "|") {
			switch {
			case i == 0 && w == name:
			case wordRe.MatchString(w) && !slices.Contains(c.words, w):
				c.words = append(c.words, w)
			case fileRe.MatchString(w):
				c.files = true
			}
		}
	}
	return c
}

// specs lists every command, in the order of commands(): the synopsis and
// words from its usage line, and every flag the command really parses;
// for a command made of subcommands, their names, their flags and their
// file arguments too.
func specs() []cmdSpec {
	var out []cmdSpec
	for _, c := range commands() {
		sp := parseUsage(c.name, c.usage)
		sp.addFlags(commandFlags(c))
		for _, sub := range subcommands(c.name) {
			ssp := parseUsage(sub.name, sub.usage)
			if !slices.Contains(sp.words, sub.name) {
				sp.words = append(sp.words, sub.name)
			}
			sp.files = sp.files || ssp.files
			sp.addFlags(commandFlags(sub))
		}
		out = append(out, sp)
	}
	return out
}

// addFlags adds the flags not listed yet.
func (sp *cmdSpec) addFlags(fl []*flag.Flag) {
	for _, f := range fl {
		if !slices.ContainsFunc(sp.flags, func(x flagSpec) bool { return x.name == f.Name }) {
			sp.flags = append(sp.flags, flagSpec{name: f.Name, arg: flagArg(f)})
		}
	}
}

// globalFlags are the flags before the command, read from usage()'s first
// line, and the exit codes from its last.
func globalFlags() []flagSpec {
	var b bytes.Buffer
	usage(&b)
	first, _, _ := strings.Cut(b.String(), "\n")
	return parseUsage("deskdial", first).flags
}

// exitCodes returns usage()'s "exit codes: 0 ok, 1 error, ..." as pairs.
func exitCodes() [][2]string {
	var b bytes.Buffer
	usage(&b)
	var out [][2]string
	for _, line := range strings.Split(b.String(), "\n") {
		rest, ok := strings.CutPrefix(line, "exit codes: ")
		if !ok {
			continue
		}
		for _, item := range strings.Split(rest, ",") {
			code, meaning, _ := strings.Cut(strings.TrimSpace(item), " ")
			out = append(out, [2]string{code, meaning})
		}
	}
	return out
}

// globalFlagHelp explains the global flags in the man page. A flag missing
// here still appears, with its placeholder only.
var globalFlagHelp = map[string]string{
	"home":   "Keep settings, keys and history in DIR instead of the XDG (or OS) directories. Also set by DESKDIAL_HOME.",
	"server": "Use the hosted NATS server at URL instead of the embedded one. Also set by NATS_URL.",
	"creds":  "NATS credentials file (.creds) for a hosted server; a bare file name is also looked up in the config directory.",
	"ca":     "PEM file of the certificate authority that signed a hosted server's certificate, when the system does not trust it.",
}

func cmdCompletion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "completion")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("completion: name one shell: bash, zsh or fish")
	}
	switch pos[0] {
	case "bash":
		writeBash(e.stdout)
	case "zsh":
		writeZsh(e.stdout)
	case "fish":
		writeFish(e.stdout)
	default:
		return usageErr("completion: unknown shell %q: bash, zsh or fish", pos[0])
	}
	return nil
}

func cmdMan(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "man")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErr("man: takes no arguments")
	}
	writeMan(e.stdout)
	return nil
}

// shQuote quotes s for a POSIX shell (and for fish, which reads '...\'...'
// differently; see fishQuote).
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

func flagNames(fl []flagSpec) string {
	var names []string
	for _, f := range fl {
		names = append(names, "--"+f.name)
	}
	return strings.Join(names, " ")
}

// valued are the flags that take a value, as typed: "--home".
func valued(fl []flagSpec) []string {
	var out []string
	for _, f := range fl {
		if f.arg != "" {
			out = append(out, "--"+f.name)
		}
	}
	return out
}

func writeBash(w io.Writer) {
	global := globalFlags()
	var names []string
	for _, c := range specs() {
		names = append(names, c.name)
	}
	fmt.Fprintf(w, "# bash completion for deskdial. Generated by `deskdial completion bash`; load with\n")
	fmt.Fprintf(w, "#   source <(deskdial completion bash)\n")
	fmt.Fprintf(w, "_deskdial() {\n")
	fmt.Fprintf(w, "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= i\n")
	fmt.Fprintf(w, "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n\t\tcase ${COMP_WORDS[i]} in\n")
	if globalValue := valued(global); len(globalValue) > 0 {
		fmt.Fprintf(w, "\t\t%s) ((i++)) ;;\n", strings.Join(globalValue, "|"))
	}
	fmt.Fprintf(w, "\t\t-*) ;;\n\t\t*) cmd=${COMP_WORDS[i]}; break ;;\n\t\tesac\n\tdone\n")
	// Values of flags: directories, files, or free text (no completion).
	fmt.Fprintf(w, "\tcase \"$cmd $prev\" in\n")
	writeBashValues(w, "", global)
	for _, c := range specs() {
		writeBashValues(w, c.name, c.flags)
	}
	fmt.Fprintf(w, "\tesac\n")
	fmt.Fprintf(w, "\tcase $cmd in\n")
	fmt.Fprintf(w, "\t\"\") COMPREPLY=($(compgen -W %s -- \"$cur\")) ;;\n", shQuote(strings.Join(names, " ")+" "+flagNames(global)))
	for _, c := range specs() {
		// Flags for a word that starts with a dash, else the words and
		// files: `contacts <Tab>` offers its subcommands, not 9 flags.
		fmt.Fprintf(w, "\t%s)\n", c.name)
		fmt.Fprintf(w, "\t\tif [[ $cur == -* ]]; then COMPREPLY=($(compgen -W %s -- \"$cur\")); return; fi\n", shQuote(flagNames(c.flags)))
		fmt.Fprintf(w, "\t\tCOMPREPLY=($(compgen -W %s -- \"$cur\"))\n", shQuote(strings.Join(c.words, " ")))
		if c.files {
			fmt.Fprintf(w, "\t\tCOMPREPLY+=($(compgen -f -- \"$cur\"))\n")
		}
		fmt.Fprintf(w, "\t\t;;\n")
	}
	fmt.Fprintf(w, "\tesac\n}\ncomplete -F _deskdial deskdial\n")
}

func writeBashValues(w io.Writer, cmd string, flags []flagSpec) {
	for _, f := range flags {
		if f.arg == "" {
			continue
		}
		gen := "return"
		switch {
		case strings.HasPrefix(f.arg, "DIR"):
			gen = `COMPREPLY=($(compgen -d -- "$cur")); return`
		case strings.HasPrefix(f.arg, "FILE"):
			gen = `COMPREPLY=($(compgen -f -- "$cur")); return`
		}
		pattern := fmt.Sprintf("%q", cmd+" --"+f.name)
		if cmd == "" { // a global flag: any command, or none yet
			pattern = fmt.Sprintf("*%q", " --"+f.name)
		}
		fmt.Fprintf(w, "\t%s) %s ;;\n", pattern, gen)
	}
}

func zshFlag(f flagSpec) string {
	spec := "--" + f.name
	if f.arg == "" {
		return shQuote(spec)
	}
	action := " "
	switch {
	case strings.HasPrefix(f.arg, "DIR"):
		action = "_files -/"
	case strings.HasPrefix(f.arg, "FILE"):
		action = "_files"
	}
	return shQuote(spec + "[" + strings.ToLower(f.arg) + "]:" + strings.ToLower(f.arg) + ":" + action)
}

func writeZsh(w io.Writer) {
	fmt.Fprintf(w, "#compdef deskdial\n# zsh completion for deskdial. Generated by `deskdial completion zsh`; save it as\n")
	fmt.Fprintf(w, "# _deskdial in a directory on $fpath, or load it with: source <(deskdial completion zsh)\n")
	fmt.Fprintf(w, "_deskdial() {\n\tlocal state line\n\tlocal -a commands\n\tcommands=(\n")
	for _, c := range specs() {
		fmt.Fprintf(w, "\t\t%s\n", shQuote(c.name+":"+c.desc))
	}
	fmt.Fprintf(w, "\t)\n\t_arguments -C \\\n")
	for _, f := range globalFlags() {
		fmt.Fprintf(w, "\t\t%s \\\n", zshFlag(f))
	}
	fmt.Fprintf(w, "\t\t'1:command:->command' \\\n\t\t'*::argument:->argument'\n")
	fmt.Fprintf(w, "\tcase $state in\n\tcommand) _describe -t commands 'deskdial command' commands ;;\n")
	fmt.Fprintf(w, "\targument)\n\t\tcase $line[1] in\n")
	for _, c := range specs() {
		if len(c.flags) == 0 && len(c.words) == 0 && !c.files {
			fmt.Fprintf(w, "\t\t%s) _message 'no more arguments' ;;\n", c.name)
			continue
		}
		fmt.Fprintf(w, "\t\t%s) _arguments", c.name)
		for _, f := range c.flags {
			fmt.Fprintf(w, " %s", zshFlag(f))
		}
		switch {
		case len(c.words) > 0:
			fmt.Fprintf(w, " %s", shQuote("1:subcommand:("+strings.Join(c.words, " ")+")"))
			if c.files {
				fmt.Fprintf(w, " '*:file:_files'")
			}
		case c.files:
			fmt.Fprintf(w, " '*:file:_files'")
		}
		fmt.Fprintf(w, " ;;\n")
	}
	fmt.Fprintf(w, "\t\tesac ;;\n\tesac\n}\n")
	// Autoloaded from $fpath the file is the function body's caller; sourced,
	// it has to register itself.
	fmt.Fprintf(w, "if [[ $funcstack[1] == _deskdial ]]; then _deskdial \"$@\"; else compdef _deskdial deskdial; fi\n")
}

func writeFish(w io.Writer) {
	fmt.Fprintf(w, "# fish completion for deskdial. Generated by `deskdial completion fish`; save it as\n")
	fmt.Fprintf(w, "# ~/.config/fish/completions/deskdial.fish\n")
	// __fish_use_subcommand would take the value of --home for a command,
	// so find the command ourselves, skipping global flags and their values.
	fmt.Fprintf(w, "function __deskdial_command\n\tset -l tokens (commandline -opc)\n\tset -e tokens[1]\n")
	fmt.Fprintf(w, "\twhile set -q tokens[1]\n\t\tswitch $tokens[1]\n")
	if v := valued(globalFlags()); len(v) > 0 {
		fmt.Fprintf(w, "\t\tcase %s\n\t\t\tset -e tokens[1]\n", strings.Join(v, " "))
	}
	fmt.Fprintf(w, "\t\tcase '-*'\n\t\tcase '*'\n\t\t\techo $tokens[1]\n\t\t\treturn 0\n\t\tend\n")
	fmt.Fprintf(w, "\t\tset -e tokens[1]\n\tend\n\treturn 1\nend\n")
	fmt.Fprintf(w, "function __deskdial_using\n\tset -l c (__deskdial_command); and test \"$c\" = $argv[1]\nend\n")
	fmt.Fprintf(w, "complete -c deskdial -f\n")
	none := fishQuote("not __deskdial_command")
	for _, f := range globalFlags() {
		fmt.Fprintf(w, "complete -c deskdial -n %s -l %s%s\n", none, f.name, fishValue(f))
	}
	for _, c := range specs() {
		fmt.Fprintf(w, "complete -c deskdial -n %s -a %s -d %s\n", none, c.name, fishQuote(c.desc))
	}
	for _, c := range specs() {
		cond := fishQuote("__deskdial_using " + c.name)
		for _, f := range c.flags {
			fmt.Fprintf(w, "complete -c deskdial -n %s -l %s%s\n", cond, f.name, fishValue(f))
		}
		if len(c.words) > 0 {
			fmt.Fprintf(w, "complete -c deskdial -n %s -a %s\n", cond, fishQuote(strings.Join(c.words, " ")))
		}
		if c.files {
			fmt.Fprintf(w, "complete -c deskdial -n %s -F\n", cond)
		}
	}
}

func fishValue(f flagSpec) string {
	switch {
	case f.arg == "":
		return ""
	case strings.HasPrefix(f.arg, "DIR"):
		return " -x -a '(__fish_complete_directories)'"
	case strings.HasPrefix(f.arg, "FILE"):
		return " -r -F"
	}
	return " -x -d " + fishQuote(strings.ToLower(f.arg))
}

// roff escapes text for a man page: backslashes, dashes (so they stay
// ASCII hyphen-minus when copied), and a leading dot or quote that would
// start a request.
func roff(s string) string {
	s = strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// roffSynopsis sets flags in bold and placeholders in italics.
func roffSynopsis(syn string) string {
	var out []string
	for _, tok := range strings.Fields(syn) {
		core := strings.Trim(tok, "[]|.")
		pre, post, _ := strings.Cut(tok, core)
		var styled string
		switch {
		case core == "":
			out = append(out, roff(tok))
			continue
		case strings.HasPrefix(core, "-") || wordRe.MatchString(core):
			styled = `\fB` + roff(core) + `\fR`
		default:
			styled = `\fI` + roff(core) + `\fR`
		}
		out = append(out, roff(pre)+styled+roff(post))
	}
	return strings.Join(out, " ")
}

func writeMan(w io.Writer) {
	writeManHead(w)
	fmt.Fprintf(w, ".SH COMMANDS\n")
	for _, c := range commands() {
		sp := parseUsage(c.name, c.usage)
		fmt.Fprintf(w, ".TP\n%s\n%s\n", roffSynopsis(sp.synopsis), roff(sp.desc))
		writeManFlags(w, commandFlags(c))
		// A command made of subcommands lists each, with its flags.
		if subs := subcommands(c.name); len(subs) > 0 {
			fmt.Fprintf(w, ".RS\n")
			for _, sub := range subs {
				ssp := parseUsage(sub.name, sub.usage)
				fmt.Fprintf(w, ".TP\n%s\n%s\n", roffSynopsis(c.name+" "+ssp.synopsis), roff(ssp.desc))
				writeManFlags(w, commandFlags(sub))
			}
			fmt.Fprintf(w, ".RE\n")
		}
	}
	writeManTail(w)
}

// writeManHead is the man page up to its commands.
func writeManHead(w io.Writer) {
	fmt.Fprintf(w, ".\\\" Generated by `deskdial man` from the command table; do not edit.\n")
	fmt.Fprintf(w, ".TH DESKDIAL 1 \"\" \"deskdial %s\" \"User Commands\"\n", roff(version))
	fmt.Fprintf(w, ".SH NAME\ndeskdial \\- make your phone dial the numbers you find on your computer\n")
	fmt.Fprintf(w, ".SH SYNOPSIS\n.B deskdial\n")
	var syn []string
	for _, f := range globalFlags() {
		s := "[--" + f.name
		if f.arg != "" {
			s += " " + f.arg
		}
		syn = append(syn, s+"]")
	}
	syn = append(syn, "[COMMAND [ARGS]]")
	fmt.Fprintf(w, "%s\n", roffSynopsis(strings.Join(syn, " ")))
	fmt.Fprintf(w, ".SH DESCRIPTION\n")
	fmt.Fprintf(w, "Copy a phone number on your computer and deskdial offers to call it on your phone.\n")
	fmt.Fprintf(w, "Without a command, deskdial runs the tray app with its embedded NATS server.\n")
	fmt.Fprintf(w, "A single argument that is a \\fBtel:\\fR or \\fBcallto:\\fR link is taken as \\fBcall\\fR \\fIlink\\fR,\n")
	fmt.Fprintf(w, "which is how the desktop hands over clicked links; a running tray app then shows its prompt.\n")
}

// writeManFlags lists flags, each with its help from the flag definition
// itself.
func writeManFlags(w io.Writer, fl []*flag.Flag) {
	if len(fl) == 0 {
		return
	}
	fmt.Fprintf(w, ".RS\n")
	for _, f := range fl {
		head := `\fB\-\-` + roff(f.Name) + `\fR`
		if a := flagArg(f); a != "" {
			head += ` \fI` + roff(a) + `\fR`
		}
		_, help := flag.UnquoteUsage(f)
		fmt.Fprintf(w, ".TP\n%s\n%s\n", head, roff(help))
	}
	fmt.Fprintf(w, ".RE\n")
}

// writeManTail is the man page after its commands.
func writeManTail(w io.Writer) {
	fmt.Fprintf(w, ".SH OPTIONS\n")
	for _, f := range globalFlags() {
		head := `\fB\-\-` + roff(f.name) + `\fR`
		if f.arg != "" {
			head += ` \fI` + roff(f.arg) + `\fR`
		}
		fmt.Fprintf(w, ".TP\n%s\n%s\n", head, roff(globalFlagHelp[f.name]))
	}
	fmt.Fprintf(w, ".SH EXIT STATUS\n")
	for _, ec := range exitCodes() {
		fmt.Fprintf(w, ".TP\n.B %s\n%s\n", roff(ec[0]), roff(ec[1]))
	}
	fmt.Fprintf(w, ".SH ENVIRONMENT\n")
	fmt.Fprintf(w, ".TP\n.B DESKDIAL_HOME\nDirectory for settings, keys and history (as \\fB\\-\\-home\\fR).\n")
	fmt.Fprintf(w, ".TP\n.B NATS_URL\nHosted NATS server (as \\fB\\-\\-server\\fR).\n")
	fmt.Fprintf(w, ".TP\n.B XDG_CONFIG_HOME\\fR, \\fBXDG_DATA_HOME\nWhere settings and history live when neither is set.\n")
	fmt.Fprintf(w, ".SH SEE ALSO\n")
	fmt.Fprintf(w, "The install guide (docs/install.md) covers the tel: link handler, start at login\n")
	fmt.Fprintf(w, "and the systemd user unit for \\fBdeskdial phone\\fR.\n")
}
