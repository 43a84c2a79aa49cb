package history

import (
	"fmt"
	"strings"

	"github.com/deskdial/deskdial/internal/textsafe"
)

// Limits on what a contact may carry. Names come from files, CardDAV
// servers and other desktops, and are printed in terminals and shown in
// notifications, so they are checked where they enter (checkContact) as
// well as escaped where they are shown.
const (
	MaxContactName = 256  // characters, for the name and the organisation
	maxUID         = 1024 // bytes
)

// checkContact refuses a contact whose name or organisation is not plain
// text (control characters, which could forge a line in `contacts list` or
// take over a terminal; bidirectional overrides, which make a name read as
// another; broken UTF-8) or is absurdly long.
func checkContact(c *Contact) error {
	for _, f := range []struct{ what, s string }{{"name", c.Name}, {"organisation", c.Org}} {
		if err := textsafe.Check(f.s, MaxContactName); err != nil {
			return fmt.Errorf("%w: %s \"%s\" %s", ErrInvalidInput, f.what, textsafe.Terminal(shorten(f.s)), strings.TrimPrefix(err.Error(), textsafe.ErrInvalid.Error()+": "))
		}
	}
	if len(c.UID) > maxUID {
		return fmt.Errorf("%w: UID longer than %d bytes", ErrInvalidInput, maxUID)
	}
	return nil
}

// shorten cuts s for an error message, so a megabyte-long name does not
// become a megabyte-long message.
func shorten(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// maxDeviceID bounds a device ID kept with a call; deskdial's are 41
// characters (six groups of six, with dashes).
const maxDeviceID = 64

// checkCallText refuses a call whose names are not plain text or are
// absurdly long (as checkContact), or whose device IDs hold anything but
// letters, digits and dashes. A call's names come from contacts, from
// paired devices (the phone that called, the phone that asked for it) and
// from other desktops by sync, and are shown in recents and terminals.
func checkCallText(c Call) error {
	for _, f := range []struct{ what, s string }{{"name", c.Name}, {"phone name", c.PhoneName}, {"name of the device that asked", c.AskedByName}} {
		if err := textsafe.Check(f.s, MaxContactName); err != nil {
			return fmt.Errorf("%w: %s \"%s\" %s", ErrInvalidInput, f.what, textsafe.Terminal(shorten(f.s)), strings.TrimPrefix(err.Error(), textsafe.ErrInvalid.Error()+": "))
		}
	}
	for _, f := range []struct{ what, s string }{{"phone ID", c.PhoneID}, {"ID of the device that asked", c.AskedByID}} {
		if !deviceIDText(f.s) {
			return fmt.Errorf("%w: %s \"%s\" is not a device ID", ErrInvalidInput, f.what, textsafe.Terminal(shorten(f.s)))
		}
	}
	return nil
}

// deviceIDText reports whether s could be a device ID: up to maxDeviceID
// letters, digits and dashes (or nothing).
func deviceIDText(s string) bool {
	if len(s) > maxDeviceID {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
