package main

import (
	"strings"
	"testing"
)

// The help of contacts and admin is made from their subcommands' tables
// and flag sets: each subcommand with its arguments, each flag on its own
// line under it; the man page and completion know them too.
func TestGroupHelpGenerated(t *testing.T) {
	for group, wants := range map[string][]string{
		"contacts": {"\n  import [--region CC] FILE.vcf...\n", "\n      --region CC ", "\n  list\n",
			"\n  sync [--url URL]", "\n      --password-file FILE ", "\n      --timeout D ", "\n  --home DIR "},
		"admin": {"usage: deskdial admin [--dir DIR] COMMAND", "\n  init --name NAME --url URL[,URL...]\n", "\n      --url URL ",
			"\n  add-user NAME [--conns N] [--disk BYTES] [--replicas R]\n", "\n      --disk BYTES ",
			"\n  add-desktop USER DESKTOP_ID [--label LABEL] [--out FILE]\n", "\n      --out FILE ", "\n  revoke USER DEVICE\n",
			"\n  push [--replicas R]\n", "\n  id\n", "\n  --dir DIR ", "\n  --ca FILE "},
	} {
		for _, help := range []string{"--help", "help", "-h"} {
			out, errOut, code := runAdmin(t, group, help)
			if code != 0 || errOut != "" {
				t.Fatalf("%s %s: exit %d, stderr %q", group, help, code, errOut)
			}
			for _, w := range wants {
				if !strings.Contains(out, w) {
					t.Errorf("%s %s lacks %q:\n%s", group, help, w, out)
				}
			}
		}
	}
	out, _, code := runAdmin(t, "admin", "revoke", "--help")
	if code != 0 || !strings.HasPrefix(out, "usage: deskdial admin revoke USER DEVICE\n") {
		t.Errorf("admin revoke --help: exit %d:\n%s", code, out)
	}
	for _, args := range [][]string{{"contacts"}, {"admin"}} {
		_, errOut, code := runAdmin(t, args...)
		if code != exitUsage || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "needs a command: ") {
			t.Errorf("%v: exit %d, stderr %q; want one line naming the commands", args, code, errOut)
		}
	}
	_, errOut, code := runAdmin(t, "admin", "frobnicate")
	if code != exitUsage || errOut != "deskdial: admin: unknown command \"frobnicate\" (see deskdial admin --help)\n" {
		t.Errorf("admin frobnicate: exit %d, stderr %q", code, errOut)
	}
	var man, bash strings.Builder
	writeMan(&man)
	writeBash(&bash)
	for _, w := range []string{`\fBadmin\fR \fBadd\-user\fR`, `\fBcontacts\fR \fBsync\fR`, `\-\-password\-file`, `\-\-replicas`} {
		if !strings.Contains(man.String(), w) {
			t.Errorf("man page lacks %s", w)
		}
	}
	for _, w := range []string{"add-desktop", "revoke", "--replicas", "--password-file"} {
		if !strings.Contains(bash.String(), w) {
			t.Errorf("bash completion lacks %s", w)
		}
	}
}
