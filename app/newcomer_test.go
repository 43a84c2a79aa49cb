package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A phone paired with --name and --backend starts again as `deskdial phone`
// without arguments (its systemd unit): with the name it paired with and
// the backend it chose. `deskdial unpair` while `serve` runs reports
// success.
func TestPhoneKeepsNameAndBackend(t *testing.T) {
	desk, phone := dpHome(t, dpFreeAddr(t)), dpHome(t, "")
	logFile := filepath.Join(phone, "dialled.log")
	srv := dpStart(t, desk, "serve")
	srv.waitFor("is serving on")
	ph := dpPairPhone(t, desk, phone, logFile)
	_ = ph.cmd.Process.Signal(syscall.SIGTERM)
	<-ph.done

	ph = dpStart(t, phone, "phone")
	ph.waitFor("deskdial phone Pixel (")
	ph.waitFor("with backend log")
	ph.waitFor("Connected to")
	out := dpMustRun(t, desk, "call", "+49 30 1234567")
	if !strings.Contains(out, "Sent to Pixel") {
		t.Fatalf("call after the phone restarted without arguments: %q", out)
	}
	if got := dpLines(t, logFile); len(got) != 1 || got[0] != "+49301234567" {
		t.Fatalf("the log backend got %v", got)
	}

	code, out, errOut := dpRun(t, desk, "unpair", "Pixel")
	if code != 0 || !strings.Contains(out, "Unpaired Pixel") {
		t.Fatalf("unpair while serving: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if out := dpMustRun(t, desk, "phones"); strings.Contains(out, "Pixel") {
		t.Fatalf("phones after unpair: %q", out)
	}
}

// A phone never paired and never given a backend says what to do.
func TestPhoneNeedsBackendOnce(t *testing.T) {
	code, _, errOut := dpRun(t, dpHome(t, ""), "phone")
	if code != exitUsage || !strings.Contains(errOut, "phone needs --backend once") {
		t.Fatalf("phone without a backend: exit %d, stderr %q", code, errOut)
	}
}

// A --server deskdial cannot use is refused at once, saying what to write.
func TestServerFlagChecked(t *testing.T) {
	home := dpHome(t, "")
	for _, tc := range []struct{ server, says string }{
		{"http://relay.example.org", `unsupported scheme "http"`},
		{"relay.example.org:4222", "write it as tls://relay.example.org:4222"},
	} {
		code, _, errOut := dpRun(t, home, "--server", tc.server, "phones")
		if code != exitUsage || !strings.Contains(errOut, tc.says) || !strings.Contains(errOut, "--server") {
			t.Errorf("--server %s: exit %d, stderr %q", tc.server, code, errOut)
		}
	}
	code, _, errOut := dpRun(t, home, "--creds", "alice-laptop.creds", "phones")
	if code == 0 || !strings.Contains(errOut, "--creds is for a hosted server") {
		t.Errorf("--creds without --server: exit %d, stderr %q", code, errOut)
	}
}

// Every command's --help goes to stdout, exits 0 and lists its flags one
// line each, the global ones included.
func TestCommandHelp(t *testing.T) {
	for _, c := range commands() {
		if c.name == "contacts" {
			continue // its help lists subcommands (contacts import --help lists flags)
		}
		out, errOut, code := runAdmin(t, c.name, "--help")
		if code != 0 || errOut != "" {
			t.Errorf("%s --help: exit %d, stderr %q", c.name, code, errOut)
			continue
		}
		if c.name == "admin" {
			if !strings.Contains(out, "revoke USER DEVICE") {
				t.Errorf("admin --help: %q", out)
			}
			continue
		}
		if !strings.HasPrefix(out, "usage: deskdial "+c.name) || !strings.Contains(out, "\n  --home DIR ") {
			t.Errorf("%s --help:\n%s", c.name, out)
		}
	}
	for cmd, flags := range map[string][]string{
		"call":  {"--wait", "--phone", "--timeout"},
		"phone": {"--name", "--modem", "--serial", "--bus", "--backend"},
		"serve": {"--server URL", "--creds", "--ca"},
	} {
		out, _, _ := runAdmin(t, cmd, "--help")
		for _, f := range flags {
			if !strings.Contains(out, "\n  "+f) {
				t.Errorf("%s --help lacks %s:\n%s", cmd, f, out)
			}
		}
	}
	out, errOut, code := runAdmin(t, "--help")
	if code != 0 || errOut != "" || !strings.HasPrefix(out, "usage: deskdial") {
		t.Errorf("deskdial --help: exit %d, stderr %q, stdout %q", code, errOut, out)
	}
}

// Global flags work after the command and its arguments; an unknown flag
// is reported once, as typed.
func TestFlagsAfterTheCommand(t *testing.T) {
	home := filepath.Join(t.TempDir(), "late")
	if _, errOut, _ := runAdmin(t, "unpair", "Pixel", "--home", home); !strings.Contains(errOut, `no paired device "Pixel"`) {
		t.Fatalf("unpair Pixel --home: %s", errOut)
	}
	if _, err := os.Stat(home); err != nil {
		t.Fatalf("--home after the command was not used: %v", err)
	}
	_, errOut, code := runAdmin(t, "find", "--hme", "x")
	if code != exitUsage || errOut != "deskdial: unknown flag --hme (see deskdial find --help)\n" {
		t.Errorf("unknown flag: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = runAdmin(t, "version", "--server", "http://x")
	if code != exitUsage || !strings.Contains(errOut, "--server") || !strings.Contains(errOut, `unsupported scheme "http"`) {
		t.Errorf("--server after the command: exit %d, stderr %q", code, errOut)
	}
}

// Completion and the man page know every flag a command really parses,
// not only those its usage line names.
func TestCompletionKnowsRealFlags(t *testing.T) {
	var bash, man strings.Builder
	writeBash(&bash)
	writeMan(&man)
	for _, f := range []string{"--wait", "--name", "--modem", "--serial", "--bus", "--adb-port", "--ca"} {
		if !strings.Contains(bash.String(), f) {
			t.Errorf("bash completion lacks %s", f)
		}
	}
	for _, f := range []string{`\-\-wait`, `\-\-modem`, `\-\-serial`} {
		if !strings.Contains(man.String(), f) && !strings.Contains(man.String(), strings.ReplaceAll(f, `\-`, "-")) {
			t.Errorf("man page lacks %s", f)
		}
	}
}

// The import's summary counts the numbers it could not read, each listed
// with its reason, instead of "0 skipped".
func TestContactsImportCountsSkippedNumbers(t *testing.T) {
	dir := t.TempDir()
	vcf := filepath.Join(dir, "c.vcf")
	card := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Carla\r\nTEL;TYPE=CELL:+49 170 1234567\r\nTEL;TYPE=WORK:12\r\nEND:VCARD\r\n"
	if err := os.WriteFile(vcf, []byte(card), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runAdmin(t, "--home", filepath.Join(dir, "home"), "contacts", "import", "--region", "DE", vcf)
	if code != 0 || !strings.Contains(out, "1 added, 0 merged, 0 without a phone number, 0 skipped; 1 number could not be read (listed above)") ||
		!strings.Contains(errOut, `card 1 at line 1 (Carla): number "12" skipped`) {
		t.Fatalf("import: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
}
