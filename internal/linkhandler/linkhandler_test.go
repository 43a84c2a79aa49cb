package linkhandler

import (
	"errors"
	"runtime"
	"testing"
)

func TestCommandQuotesEveryPart(t *testing.T) {
	got := Command(`C:\Program Files\deskdial\deskdial.exe`, "--home", `C:\Users\ann\deskdial`)
	want := `"C:\Program Files\deskdial\deskdial.exe" "--home" "C:\Users\ann\deskdial" "%1"`
	if got != want {
		t.Fatalf("Command = %s\nwant      %s", got, want)
	}
}

func TestInstallRefusesWhatCannotBeQuoted(t *testing.T) {
	abs := "/usr/bin/deskdial"
	if runtime.GOOS == "windows" {
		abs = `C:\deskdial\deskdial.exe`
	}
	for _, c := range []struct {
		exe  string
		args []string
	}{
		{"deskdial.exe", nil},
		{abs, []string{`C:\a" "call`}},
		{abs, []string{"--home", "a\nb"}},
		{abs, []string{""}},
	} {
		if err := Install(c.exe, c.args...); !errors.Is(err, ErrBadCommand) {
			t.Errorf("Install(%q, %q) = %v, want ErrBadCommand", c.exe, c.args, err)
		}
	}
}
