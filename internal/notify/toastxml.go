package notify

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/textsafe"
)

// The Windows toast's XML is built here, without build tags, so that its
// escaping and its arguments are tested on every platform.

// maxToastActions is how many buttons a Windows toast can show. A
// notification with more is not shown as a toast: the prompt window shows
// them all rather than a toast that drops some.
const maxToastActions = 5

// maxToastArgs bounds the arguments Windows hands back on activation;
// ours are far shorter, so anything longer is not ours.
const maxToastArgs = 1024

// toastArgsPrefix starts every activation argument of ours.
const toastArgsPrefix = "deskdial-notice?"

// errToastArgs means activation arguments that are not ours or are damaged.
var errToastArgs = errors.New("notify: not a deskdial toast activation")

// toastXML returns the toast document for notification id: title and body
// as text (shown visibly where they hold control or direction characters,
// and XML-escaped), one button per action, each button's and the body's
// activation arguments naming id and the action key.
func toastXML(id uint32, n Notification) (string, error) {
	if len(n.Actions) > maxToastActions {
		return "", fmt.Errorf("show %d buttons on a toast (at most %d): %w", len(n.Actions), maxToastActions, ErrNoActions)
	}
	var b strings.Builder
	b.WriteString(`<toast activationType="foreground" launch="`)
	b.WriteString(xmlEscape(toastArgs(id, "default")))
	b.WriteByte('"')
	switch {
	case n.Timeout < 0 && len(n.Actions) > 0:
		// Stays on screen until answered, like a freedesktop
		// notification that never expires.
		b.WriteString(` scenario="reminder"`)
	case n.Timeout < 0 || n.Timeout > 7*time.Second:
		b.WriteString(` duration="long"`)
	}
	b.WriteString(`><visual><binding template="ToastGeneric">`)
	if n.Title != "" {
		b.WriteString(`<text hint-maxLines="1">`)
		b.WriteString(xmlEscape(textsafe.Terminal(n.Title)))
		b.WriteString(`</text>`)
	}
	if n.Body != "" {
		b.WriteString(`<text>`)
		b.WriteString(xmlEscape(textsafe.Plain(n.Body)))
		b.WriteString(`</text>`)
	}
	b.WriteString(`</binding></visual>`)
	if len(n.Actions) > 0 {
		b.WriteString(`<actions>`)
		for _, a := range n.Actions {
			b.WriteString(`<action activationType="foreground" content="`)
			b.WriteString(xmlEscape(textsafe.Terminal(a.Label)))
			b.WriteString(`" arguments="`)
			b.WriteString(xmlEscape(toastArgs(id, a.Key)))
			b.WriteString(`"/>`)
		}
		b.WriteString(`</actions>`)
	}
	b.WriteString(`</toast>`)
	return b.String(), nil
}

// toastArgs encodes a notification id and an action key as the arguments
// Windows hands back when the button (or the body, key "default") is
// clicked. Keys carry phone ids ("call-on:…"), so they are query-escaped.
func toastArgs(id uint32, key string) string {
	return toastArgsPrefix + url.Values{"id": {strconv.FormatUint(uint64(id), 10)}, "key": {key}}.Encode()
}

// parseToastArgs reads what toastArgs wrote. Activation arguments come
// from outside the process (any program can activate our COM class), so
// anything else is refused.
func parseToastArgs(s string) (id uint32, key string, err error) {
	if len(s) > maxToastArgs {
		return 0, "", fmt.Errorf("%w: %d bytes of arguments", errToastArgs, len(s))
	}
	q, ok := strings.CutPrefix(s, toastArgsPrefix)
	if !ok {
		return 0, "", fmt.Errorf("%w: no %q prefix", errToastArgs, toastArgsPrefix)
	}
	v, err := url.ParseQuery(q)
	if err != nil {
		return 0, "", fmt.Errorf("%w: %v", errToastArgs, err)
	}
	if len(v) != 2 || len(v["id"]) != 1 || len(v["key"]) != 1 {
		return 0, "", fmt.Errorf("%w: want one id and one key", errToastArgs)
	}
	n, err := strconv.ParseUint(v["id"][0], 10, 32)
	if err != nil || n == 0 {
		return 0, "", fmt.Errorf("%w: bad id %q", errToastArgs, v["id"][0])
	}
	key = v["key"][0]
	if key == "" {
		return 0, "", fmt.Errorf("%w: empty key", errToastArgs)
	}
	if err := textsafe.Check(key, 256); err != nil {
		return 0, "", fmt.Errorf("%w: key: %v", errToastArgs, err)
	}
	return uint32(n), key, nil
}

// xmlEscape escapes s for XML text and for attribute values in either
// quote. Characters XML 1.0 cannot carry at all (controls other than tab,
// newline and carriage return, U+FFFE, U+FFFF, invalid UTF-8) never reach
// here raw: textsafe has written them out visibly, and what it lets
// through (U+FFFE, U+FFFF) is written out the same way, so that the
// document always parses.
func xmlEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r == '\n':
			// Kept as a newline in text; in an attribute a raw newline
			// would be normalized to a space, so it is a reference.
			b.WriteString("&#10;")
		case r == '\t' || r == '\r':
			fmt.Fprintf(&b, "&#%d;", r)
		case r < 0x20:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == 0xFFFE || r == 0xFFFF:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
