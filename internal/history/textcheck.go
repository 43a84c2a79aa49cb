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
