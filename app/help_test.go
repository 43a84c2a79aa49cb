package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelpOnStdout: help that was asked for is the command's output, so
// `deskdial call --help | less` shows it; nothing goes to stderr.
func TestHelpOnStdout(t *testing.T) {
	home := privateHome(t)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"call", "--help"}, {"find", "-h"},
		{"phones", "--help"}, {"phone", "--help"}, {"contacts", "--help"}, {"admin", "--help"}, {"pair", "-help"}} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"--home", home}, args...), strings.NewReader(""), &stdout, &stderr)
		if code != exitOK || stderr.Len() != 0 || !strings.Contains(strings.ToLower(stdout.String()), "usage") {
			t.Errorf("deskdial %s: exit %d, stdout %q, stderr %q; want the usage on stdout alone", strings.Join(args, " "), code, stdout.String(), stderr.String())
		}
	}
}

// TestBadFlagReportedOnce: a mistyped flag is one line on stderr naming
// it and where the help is, not the error twice and a page of usage.
func TestBadFlagReportedOnce(t *testing.T) {
	home := privateHome(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--nope"}, "deskdial: unknown flag --nope (see deskdial --help)\n"},
		{[]string{"call", "--nope", "112"}, "deskdial: unknown flag --nope (see deskdial call --help)\n"},
		{[]string{"find", "--region"}, "deskdial: flag needs an argument: --region (see deskdial find --help)\n"},
		{[]string{"admin", "--nope"}, "deskdial: unknown flag --nope (see deskdial admin --help)\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"--home", home}, c.args...), strings.NewReader(""), &stdout, &stderr)
		if code != exitUsage || stderr.String() != c.want || stdout.Len() != 0 {
			t.Errorf("deskdial %s: exit %d, stdout %q, stderr %q; want exit %d and %q", strings.Join(c.args, " "), code, stdout.String(), stderr.String(), exitUsage, c.want)
		}
	}
}
