package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runFind(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	home := t.TempDir()
	code := run(context.Background(), append([]string{"--home", home, "find"}, args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestFindPrintsUniqueNumbersInOrder(t *testing.T) {
	text := "Tel. 030 1234567, Fax +49 30 1234568\nagain: +49 (0)30 1234567\nOrder no. 0301234569, 17.05.2024"
	out, errs, code := runFind(t, text, "--region", "DE")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := "+49301234567\n+49301234568\n"; out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
}

func TestFindJSONAndFiles(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "sig.txt")
	if err := os.WriteFile(f, []byte("Call (650) 253-0000 ext. 12 or 1-900-555-0199"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runFind(t, "", "--json", "--region", "US", f)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %q", len(lines), out)
	}
	var first, second findRecord
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if first.E164 != "+16502530000" || first.Extension != "12" || first.Raw != "(650) 253-0000 ext. 12" || first.File != f || first.Start != 5 {
		t.Errorf("first = %+v", first)
	}
	if second.Type != "premium" || second.SafeToAutoDial {
		t.Errorf("premium number = %+v, want type premium and not safe to auto-dial", second)
	}
}

// Extensions in the forms of many languages come out in "ext", each with
// its number.
func TestFindJSONExtensions(t *testing.T) {
	in := "Main 212-736-5000/x12\nToll-free 1 800 749 3524 ~1234\n总机：+86 20 8765 4321转8021\nТел.: +7 495 123-45-67 доб. 215\n"
	out, errs, code := runFind(t, in, "--json", "--region", "US")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := [][2]string{{"+12127365000", "12"}, {"+18007493524", "1234"}, {"+862087654321", "8021"}, {"+74951234567", "215"}}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d: %q", len(lines), len(want), out)
	}
	for i, l := range lines {
		var raw map[string]any
		if err := json.Unmarshal([]byte(l), &raw); err != nil {
			t.Fatal(err)
		}
		if raw["e164"] != want[i][0] || raw["ext"] != want[i][1] || raw["extension"] != want[i][1] {
			t.Errorf("line %d = %s, want e164 %s ext %s", i, l, want[i][0], want[i][1])
		}
	}
}

func TestFindBadInput(t *testing.T) {
	if _, errs, code := runFind(t, "", "--region", "QQ"); code != exitUsage || !strings.Contains(errs, "unknown region") {
		t.Errorf("unknown region: exit %d, stderr %q", code, errs)
	}
	// A missing file is reported, and the numbers of the other inputs are
	// still printed.
	dir := t.TempDir()
	good := filepath.Join(dir, "ok.txt")
	os.WriteFile(good, []byte("+44 20 7946 0958"), 0o600)
	out, errs, code := runFind(t, "", "--region", "GB", filepath.Join(dir, "missing.txt"), good)
	if code != exitError || !strings.Contains(errs, "missing.txt") || out != "+442079460958\n" {
		t.Errorf("missing file: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestFindRegionFromSettings(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "settings.json"), []byte(`{"version":2,"region":"FR"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--home", home, "find"}, strings.NewReader("Portable : 06 12 34 56 78"), &out, &errb)
	if code != 0 || out.String() != "+33612345678\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// A long file (a log, an export) is searched to its end: numbers after
// many digit groups that are no numbers are still printed, with offsets
// into the whole file, and a number across a piece boundary is found once.
func TestFindLongInput(t *testing.T) {
	var b strings.Builder
	b.WriteString("Tel. +49 30 1234567\n")
	for b.Len() < 1<<20 {
		b.WriteString("ref 1234 ")
	}
	tail := "Fax 030 7654321, mobile +49 171 5551234\n"
	b.WriteString(tail)
	text := b.String()
	out, errs, code := runFind(t, text, "--region", "DE")
	if code != 0 || out != "+49301234567\n+49307654321\n+491715551234\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	out, _, _ = runFind(t, text, "--region", "DE", "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var last findRecord
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	if text[last.Start:last.End] != "+49 171 5551234" || last.Raw != "+49 171 5551234" {
		t.Errorf("last match %+v is not at its place in the input", last)
	}
	// Every offset a piece could end at splits some number once.
	for pad := 0; pad < 40; pad++ {
		in := strings.Repeat("x", findPiece-20+pad) + " +49 30 1234567 "
		out, _, _ := runFind(t, in, "--region", "DE", "--json")
		var m findRecord
		if err := json.Unmarshal([]byte(out), &m); err != nil || m.E164 != "+49301234567" || in[m.Start:m.End] != "+49 30 1234567" {
			t.Fatalf("pad %d: %q", pad, out)
		}
	}
}

// TestFindSaysWhenTheRegionIsGuessed: with no region known (LANG=C, no
// setting), German text gave nothing and no hint why; find says once that
// it read national numbers as US ones and how to give the region.
func TestFindSaysWhenTheRegionIsGuessed(t *testing.T) {
	for _, k := range []string{"LC_ALL", "LC_TELEPHONE", "LC_MESSAGES"} {
		t.Setenv(k, "")
	}
	t.Setenv("LANG", "C")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--home", t.TempDir(), "find"}, strings.NewReader("Tel. 030 1234567, +49 170 1234567"), &out, &errb)
	if code != 0 || out.String() != "+491701234567\n" || strings.Count(errb.String(), "\n") != 1 ||
		!strings.Contains(errb.String(), "read as US numbers; give --region (such as --region DE)") {
		t.Errorf("exit %d, stdout %q, stderr %q; want the international number and one line about the region", code, out.String(), errb.String())
	}
	errb.Reset()
	out.Reset()
	run(context.Background(), []string{"--home", t.TempDir(), "find", "--region", "DE"}, strings.NewReader("Tel. 030 1234567"), &out, &errb)
	if errb.Len() != 0 || out.String() != "+49301234567\n" {
		t.Errorf("with --region DE: stdout %q, stderr %q", out.String(), errb.String())
	}
}
