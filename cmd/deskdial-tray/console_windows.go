//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// The tray program is linked with -H windowsgui so that it opens no
// console window; Windows then gives the process no standard handles, and a
// tray started from cmd or PowerShell (deskdial-tray --help, its log) would
// print nothing. Attach to the console of the terminal that started us, if
// any, for each standard handle that is not already a file or pipe (those
// are redirections the caller asked for). Runs before main reads os.Stdout.
func init() {
	std := []struct {
		id   uint32
		f    **os.File
		name string
	}{
		{windows.STD_OUTPUT_HANDLE, &os.Stdout, "stdout"},
		{windows.STD_ERROR_HANDLE, &os.Stderr, "stderr"},
	}
	missing := false
	for _, s := range std {
		h, err := windows.GetStdHandle(s.id)
		if err != nil || h == 0 || h == windows.InvalidHandle {
			missing = true
		}
	}
	if !missing {
		return
	}
	attach := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	const attachParentProcess = ^uintptr(0)
	if r, _, _ := attach.Call(attachParentProcess); r == 0 {
		return // started from Explorer, a link or at login: nowhere to print
	}
	name, _ := windows.UTF16PtrFromString("CONOUT$")
	for _, s := range std {
		if h, err := windows.GetStdHandle(s.id); err == nil && h != 0 && h != windows.InvalidHandle {
			if t, _ := windows.GetFileType(h); t == windows.FILE_TYPE_DISK || t == windows.FILE_TYPE_PIPE {
				continue
			}
		}
		h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE,
			windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
		if err != nil {
			continue
		}
		windows.SetStdHandle(s.id, h)
		*s.f = os.NewFile(uintptr(h), s.name)
	}
}
