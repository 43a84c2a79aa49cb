package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deskdial/deskdial/internal/launch"
	"github.com/deskdial/deskdial/internal/linkhandler"
)

// cmdInstallHandler registers deskdial (its tray program, when it is next to
// deskdial.exe) as the current user's handler of tel: and callto: links
// (Windows; the desktop entry does it on Linux). The
// registered command keeps this invocation's --home, --server and --creds,
// so a clicked link reaches the same deskdial.
func cmdInstallHandler(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "install-handler")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageErr("install-handler takes no arguments")
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find deskdial's own program file: %w", err)
	}
	// A click is best answered by the tray program next to deskdial.exe:
	// it is a GUI program, so no console window flashes up while it hands
	// the link to the running tray (or starts as the tray).
	if tray := filepath.Join(filepath.Dir(exe), launch.TrayProgram+".exe"); fileExists(tray) {
		exe = tray
	}
	var extra []string
	if e.home != "" {
		home, err := filepath.Abs(e.home)
		if err != nil {
			return fmt.Errorf("install-handler: %w", err)
		}
		extra = append(extra, "--home", home)
	}
	if e.server != "" {
		extra = append(extra, "--server", e.server)
	}
	if e.creds != "" {
		creds, err := filepath.Abs(e.creds)
		if err != nil {
			return fmt.Errorf("install-handler: %w", err)
		}
		extra = append(extra, "--creds", creds)
	}
	if err := linkhandler.Install(exe, extra...); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deskdial now opens tel: and callto: links for this user.\n"+
		"If another program still opens them, pick deskdial in Settings > Apps > Default apps.\n")
	return nil
}

// cmdUninstallHandler undoes install-handler.
func cmdUninstallHandler(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "uninstall-handler")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageErr("uninstall-handler takes no arguments")
	}
	if err := linkhandler.Uninstall(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "deskdial no longer opens tel: and callto: links.")
	return nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
