//go:build !darwin && !windows

package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/deskdial/deskdial/internal/config"
)

// entryPath follows the XDG Autostart spec: $XDG_CONFIG_HOME/autostart,
// falling back to ~/.config when the variable is unset or relative.
func entryPath() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", "deskdial.desktop"), nil
}

func enable(exe string, args []string) error {
	p, err := entryPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return config.WriteFileAtomic(p, []byte(desktopEntry(exe, args)), 0o644)
}

// desktopEntry is the autostart entry. It matches
// packaging/linux/deskdial-autostart.desktop except for the Exec line, which
// names this binary by its full path so the entry works without PATH.
func desktopEntry(exe string, args []string) string {
	var b strings.Builder
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Name=deskdial\n")
	b.WriteString("GenericName=Click to call\n")
	b.WriteString("Comment=Offer to call phone numbers you copy, on your phone\n")
	b.WriteString("Exec=" + execLine(exe, args) + "\n")
	b.WriteString("Icon=deskdial\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("NoDisplay=true\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return b.String()
}

// execLine writes a command as the Desktop Entry spec's Exec key wants it:
// arguments with reserved characters in double quotes (with ", `, $ and \
// escaped inside), then the key file's own escaping of backslashes, and %
// doubled so it is not taken for a field code.
func execLine(exe string, args []string) string {
	parts := make([]string, 0, 1+len(args))
	for _, a := range append([]string{exe}, args...) {
		parts = append(parts, quoteArg(a))
	}
	line := strings.Join(parts, " ")
	line = strings.ReplaceAll(line, `\`, `\\`)
	return strings.ReplaceAll(line, "%", "%%")
}

func quoteArg(a string) string {
	if a != "" && !strings.ContainsAny(a, " \t\"'\\><~|&;$*?#()`") {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range a {
		if strings.ContainsRune("\"`$\\", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

func disable() error {
	p, err := entryPath()
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// enabled reads the entry as a session manager would: it is off when missing,
// Hidden=true or X-GNOME-Autostart-enabled=false (what GNOME Tweaks writes).
func enabled() (bool, error) {
	p, err := entryPath()
	if err != nil {
		return false, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", p, err)
	}
	inMain := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			inMain = line == "[Desktop Entry]"
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !inMain || !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if (k == "Hidden" && v == "true") || (k == "X-GNOME-Autostart-enabled" && v == "false") {
			return false, nil
		}
	}
	return true, nil
}
