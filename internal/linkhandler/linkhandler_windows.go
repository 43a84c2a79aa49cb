//go:build windows

package linkhandler

import (
	"errors"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

const (
	classes      = `Software\Classes`
	progID       = "deskdial.url"
	appKey       = `Software\deskdial`
	capabilities = appKey + `\Capabilities`
	registered   = `Software\RegisteredApplications`
	appName      = "deskdial"
)

var (
	shell32            = windows.NewLazySystemDLL("shell32.dll")
	procSHChangeNotify = shell32.NewProc("SHChangeNotify")
)

// setTree creates key (under HKCU) and sets its string values; "" is the
// key's default value.
func setTree(key string, values map[string]string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, key, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	for name, v := range values {
		if err := k.SetStringValue(name, v); err != nil {
			return err
		}
	}
	return nil
}

// writeOpener makes key a URL protocol (or ProgID) opened by cmd.
func writeOpener(key, description, exe, cmd string) error {
	if err := setTree(key, map[string]string{"": description, "URL Protocol": ""}); err != nil {
		return err
	}
	if err := setTree(key+`\DefaultIcon`, map[string]string{"": `"` + exe + `",0`}); err != nil {
		return err
	}
	return setTree(key+`\shell\open\command`, map[string]string{"": cmd})
}

func install(exe string, args []string) error {
	cmd := Command(exe, args...)
	if err := writeOpener(classes+`\`+progID, "deskdial phone link", exe, cmd); err != nil {
		return err
	}
	for _, s := range Schemes {
		if err := writeOpener(classes+`\`+s, "URL:"+s, exe, cmd); err != nil {
			return err
		}
	}
	if err := setTree(capabilities, map[string]string{
		"ApplicationName":        appName,
		"ApplicationDescription": "Calls the phone numbers you copy or click on your phone",
	}); err != nil {
		return err
	}
	assoc := map[string]string{}
	for _, s := range Schemes {
		assoc[s] = progID
	}
	if err := setTree(capabilities+`\URLAssociations`, assoc); err != nil {
		return err
	}
	if err := setTree(registered, map[string]string{appName: capabilities}); err != nil {
		return err
	}
	changed()
	return nil
}

// changed tells Explorer that associations changed (SHCNE_ASSOCCHANGED),
// so it does not keep serving the old handler from its cache.
func changed() {
	if procSHChangeNotify.Find() == nil {
		procSHChangeNotify.Call(0x08000000, 0, 0, 0)
	}
}

// ours reports whether key's open command was written by Install: it
// starts our ProgID's command.
func ours(key, want string) bool {
	k, err := registry.OpenKey(registry.CURRENT_USER, key+`\shell\open\command`, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	v, _, err := k.GetStringValue("")
	return err == nil && strings.EqualFold(v, want)
}

func deleteTree(key string) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, key, registry.ENUMERATE_SUB_KEYS|registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	subs, err := k.ReadSubKeyNames(-1)
	k.Close()
	if err != nil {
		return err
	}
	for _, s := range subs {
		if err := deleteTree(key + `\` + s); err != nil {
			return err
		}
	}
	if err := registry.DeleteKey(registry.CURRENT_USER, key); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}

func progCommand() string {
	k, err := registry.OpenKey(registry.CURRENT_USER, classes+`\`+progID+`\shell\open\command`, registry.QUERY_VALUE)
	if err != nil {
		return ""
	}
	defer k.Close()
	v, _, _ := k.GetStringValue("")
	return v
}

func uninstall() error {
	if cmd := progCommand(); cmd != "" {
		for _, s := range Schemes {
			if ours(classes+`\`+s, cmd) {
				if err := deleteTree(classes + `\` + s); err != nil {
					return err
				}
			}
		}
	}
	if err := deleteTree(classes + `\` + progID); err != nil {
		return err
	}
	if err := deleteTree(appKey); err != nil {
		return err
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, registered, registry.SET_VALUE)
	if err == nil {
		err = k.DeleteValue(appName)
		k.Close()
	}
	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	changed()
	return nil
}
