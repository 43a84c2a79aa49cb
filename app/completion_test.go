package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/testsupport"
)

func runDeskdial(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	if code != 0 {
		return errb.String(), code
	}
	return out.String(), code
}

func TestCompletionNamesEveryCommandAndFlag(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, code := runDeskdial(t, "completion", shell)
		if code != 0 {
			t.Fatalf("completion %s: exit %d: %s", shell, code, out)
		}
		for _, c := range commands() {
			if !strings.Contains(out, c.name) {
				t.Errorf("%s completion lacks the command %q", shell, c.name)
			}
			for _, f := range parseUsage(c.name, c.usage).flags {
				if !strings.Contains(out, f.name) {
					t.Errorf("%s completion lacks %s's flag --%s", shell, c.name, f.name)
				}
			}
		}
		for _, f := range []string{"home", "server", "creds"} {
			if !strings.Contains(out, "--"+f) && !strings.Contains(out, "-l "+f) {
				t.Errorf("%s completion lacks the global flag --%s", shell, f)
			}
		}
	}
}

func TestCompletionRejectsUnknownShells(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}, {"man", "extra"}} {
		if _, code := runDeskdial(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestParseUsage(t *testing.T) {
	c := parseUsage("contacts", "contacts import FILE.vcf | list | sync    manage contacts")
	if c.desc != "manage contacts" || !slices.Equal(c.words, []string{"import", "list", "sync"}) || !c.files {
		t.Errorf("contacts: %+v", c)
	}
	c = parseUsage("call", "call TARGET [--phone P] [--prefill]   dial it")
	want := []flagSpec{{"phone", "P"}, {"prefill", ""}}
	if !slices.Equal(c.flags, want) || len(c.words) != 0 || c.files || c.desc != "dial it" {
		t.Errorf("call: %+v", c)
	}
}

func FuzzParseUsage(f *testing.F) {
	for _, c := range commands() {
		f.Add(c.name, c.usage)
	}
	f.Fuzz(func(t *testing.T, name, usage string) {
		c := parseUsage(name, usage)
		for _, fl := range c.flags {
			if fl.name == "" || !strings.Contains(usage, "--"+fl.name) {
				t.Fatalf("flag %+v not in %q", fl, usage)
			}
		}
	})
}

// writeScript saves `deskdial completion SHELL` to a file.
func writeScript(t *testing.T, shell string) string {
	t.Helper()
	out, code := runDeskdial(t, "completion", shell)
	if code != 0 {
		t.Fatalf("completion %s: %s", shell, out)
	}
	p := filepath.Join(t.TempDir(), "deskdial."+shell)
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// completionDir is a working directory with one subdirectory and one file,
// so file and directory completion have something to offer.
func completionDir(t *testing.T) string {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "subdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cards.vcf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

var completionCases = []struct {
	line string // what the user typed before pressing Tab
	want []string
}{
	{"deskdial ca", []string{"call"}},
	{"deskdial ph", []string{"phone", "phones"}},
	{"deskdial --home subdir ph", []string{"phone", "phones"}},
	{"deskdial --home ", []string{"subdir"}},
	{"deskdial call --p", []string{"--phone", "--prefill"}},
	{"deskdial contacts ", []string{"cards.vcf", "import", "list", "subdir", "sync"}},
	{"deskdial completion ", []string{"bash", "fish", "zsh"}},
}

func TestBashCompletes(t *testing.T) {
	bash := testsupport.NeedTool(t, "bash")
	script := writeScript(t, "bash")
	dir := completionDir(t)
	for _, c := range completionCases {
		words := strings.Fields(c.line)
		if strings.HasSuffix(c.line, " ") {
			words = append(words, "")
		}
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, shQuote(w))
		}
		prog := "source " + shQuote(script) + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\n" +
			"COMP_CWORD=" + strconv.Itoa(len(words)-1) + "\n_deskdial\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", c.line, err, out)
		}
		got := strings.Fields(string(out))
		for i, g := range got {
			got[i] = strings.TrimSuffix(g, "/")
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("bash, %q<Tab>: %q, want %q", c.line, got, c.want)
		}
	}
}

func TestFishCompletes(t *testing.T) {
	fish := testsupport.NeedTool(t, "fish")
	script := writeScript(t, "fish")
	dir := completionDir(t)
	for _, c := range completionCases {
		cmd := exec.Command(fish, "--no-config", "-c", "source "+shQuote(script)+"; complete -C "+shQuote(c.line))
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", c.line, err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			cand, _, _ := strings.Cut(l, "\t")
			got = append(got, strings.TrimSuffix(cand, "/"))
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("fish, %q<Tab>: %q, want %q", c.line, got, c.want)
		}
	}
}

// zsh completion needs an interactive shell to drive; check that the script
// parses and that it registers itself when sourced.
func TestZshScriptLoads(t *testing.T) {
	zsh := testsupport.NeedTool(t, "zsh")
	script := writeScript(t, "zsh")
	cmd := exec.Command(zsh, "-f", "-c", "autoload -U compinit && compinit -D -u && source "+shQuote(script)+" && print -r -- $_comps[deskdial]")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "_deskdial" {
		t.Fatalf("zsh: %v\n%s", err, out)
	}
}

func TestManPage(t *testing.T) {
	page, code := runDeskdial(t, "man")
	if code != 0 {
		t.Fatalf("man: exit %d: %s", code, page)
	}
	groff := testsupport.NeedTool(t, "groff")
	// -ww: all warnings; -z: no output, so anything printed is a warning.
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("groff warns: %v\n%s", err, out)
	}
	cmd = exec.Command(groff, "-man", "-Tascii", "-P", "-cbou")
	cmd.Stdin = strings.NewReader(page)
	text, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands() {
		syn := parseUsage(c.name, c.usage).synopsis
		if !strings.Contains(string(text), syn) {
			t.Errorf("the rendered man page lacks %q", syn)
		}
	}
	for _, s := range []string{"EXIT STATUS", "3      phone offline", "--home DIR", "DESKDIAL_HOME"} {
		if !strings.Contains(string(text), s) {
			t.Errorf("the rendered man page lacks %q", s)
		}
	}
}

func TestIsLink(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want bool
	}{
		{[]string{"tel:+493012345678"}, true},
		{[]string{"CALLTO:+4930"}, true},
		{[]string{"sip:+4930@example.org"}, true},
		{[]string{"phones"}, false},
		{[]string{"call", "tel:+4930"}, false},
		{[]string{"tel:1", "tel:2"}, false},
	} {
		if got := isLink(c.in); got != c.want {
			t.Errorf("isLink(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
