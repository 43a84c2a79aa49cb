// Package uiproc runs each of the tray's windows in a child process of its
// own, started on demand from the tray's executable, so the tray process
// never loads the GL driver and a window's memory goes with its process
// when it closes.
//
// The tray (Host) and a window process (RunChild) talk over the child's
// stdin and stdout in lines of JSON, one Msg per line, described in
// docs/architecture.md ("Window processes"). Every line is checked where it
// is read (Decode): its size, its kind for the direction, the length and
// characters of each field. A child is the tray's own program, but the
// pipe is still input: the tray dials only on an action naming what it
// offered that window, and a child that sends anything else is ended and
// its window counts as closed.
package uiproc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/textsafe"
)

// Version is the protocol version; the tray's hello carries it and a child
// of another version refuses to run.
const Version = 1

// MaxLine is the longest line either side accepts (bytes, newline
// excluded). The largest message is a settings snapshot or a main window's
// menu, a few KB.
const MaxLine = 64 << 10

// Limits on fields, checked by Decode.
const (
	maxText    = 4096 // dial box text, notice body, errors, offers
	maxLabel   = 512  // names, titles, labels
	maxNumber  = 32   // an E.164 number
	maxList    = 64   // phones, choices, local phones, buttons
	maxMenu    = 256  // menu items in all
	maxMenuDep = 4
	maxLimit   = 50 // search results asked for
)

// EnvWindow names the window a child process shows; its presence marks
// the process as a window process.
const EnvWindow = "DESKDIAL_UI_WINDOW"

// Window kinds (EnvWindow's values).
const (
	WinDial     = "dial"
	WinPrompt   = "prompt"
	WinSettings = "settings"
	WinPairing  = "pairing"
	WinMain     = "main"
)

var windows = map[string]bool{WinDial: true, WinPrompt: true, WinSettings: true, WinPairing: true, WinMain: true}

// Message kinds. From the tray to a child:
const (
	KHello = "hello" // V, Lang, AppID: first line
	KOpen  = "open"  // show (or raise) the window: Text, Title, Body, Number, Buttons, Phones, Default, Menu, Settings
	KState = "state" // Phones, Default, Menu: the tray's state changed
	KReply = "reply" // ID: the answer to a child's question (Err, Field, Choices, Text, Link, Scan, Settings)
	KClose = "close" // close the window and end
)

// From a child to the tray:
const (
	KReady     = "ready"     // V: first line
	KCall      = "call"      // Number, Name, Phone: the user chose Call
	KDialText  = "dialtext"  // Text, Phone: call what the user typed
	KDismiss   = "dismiss"   // the prompt was dismissed
	KMenu      = "menu"      // Item: a main window entry was clicked
	KSearch    = "search"    // ID, Text, Limit → Choices
	KOffer     = "offer"     // ID → Text (offer URI), Link (QR content)
	KRename    = "rename"    // ID, Phone, Name
	KRemove    = "remove"    // ID, Phone
	KCopy      = "copy"      // Text: put this offer on the clipboard
	KTest      = "test"      // ID, Server, Creds: try a server
	KSave      = "save"      // ID, Settings → Settings (as stored) or Err, Field
	KAutostart = "autostart" // ID, On
	KSaved     = "saved"     // the settings window saved
	KClear     = "clear"     // ID: clear the call history
	KScan      = "scan"      // ID → Scan
	KClosed    = "closed"    // the window closed; the child ends
)

var (
	toChild = map[string]bool{KHello: true, KOpen: true, KState: true, KReply: true, KClose: true}
	toTray  = map[string]bool{KReady: true, KCall: true, KDialText: true, KDismiss: true, KMenu: true,
		KSearch: true, KOffer: true, KRename: true, KRemove: true, KCopy: true, KTest: true, KSave: true,
		KAutostart: true, KSaved: true, KClear: true, KScan: true, KClosed: true}
)

// Msg is one line. Only the fields its kind names are set.
type Msg struct {
	Kind  string `json:"kind"`
	V     int    `json:"v,omitempty"`
	ID    uint64 `json:"id,omitempty"`
	AppID string `json:"app_id,omitempty"`
	Lang  string `json:"lang,omitempty"`

	Text    string   `json:"text,omitempty"`
	Title   string   `json:"title,omitempty"`
	Body    string   `json:"body,omitempty"`
	Number  string   `json:"number,omitempty"`
	Name    string   `json:"name,omitempty"`
	Phone   string   `json:"phone,omitempty"` // a device ID
	Buttons []Button `json:"buttons,omitempty"`
	Phones  []Phone  `json:"phones,omitempty"`
	Default string   `json:"default,omitempty"` // the default phone's ID
	Menu    []Item   `json:"menu,omitempty"`
	Item    int      `json:"item,omitempty"`
	Limit   int      `json:"limit,omitempty"`
	Choices []Choice `json:"choices,omitempty"`
	Link    string   `json:"link,omitempty"`
	Server  string   `json:"server,omitempty"`
	Creds   string   `json:"creds,omitempty"`
	On      bool     `json:"on,omitempty"`
	Scan    *Scan    `json:"scan,omitempty"`
	// Settings is a config.Settings as JSON; the tray's store checks it.
	Settings json.RawMessage `json:"settings,omitempty"`
	// ClearHistory: the settings window offers to clear the history;
	// ScanLocal: it lists local phones.
	ClearHistory bool `json:"clear_history,omitempty"`
	ScanLocal    bool `json:"scan_local,omitempty"`

	Err   string `json:"err,omitempty"`
	Field string `json:"field,omitempty"` // the settings field Err is about
}

// Button is a prompt's button: a notification action's key and label.
type Button struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Phone is a paired phone as the windows show it.
type Phone struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Online      bool   `json:"online,omitempty"`
	PlacesCalls bool   `json:"places_calls,omitempty"`
	CanHangup   bool   `json:"can_hangup,omitempty"`
}

// Item is a main window entry, its label already in the user's language.
// A clickable entry has an Action number the child sends back (KMenu);
// the tray keeps what each number does.
type Item struct {
	Label     string `json:"label,omitempty"`
	Action    int    `json:"action,omitempty"`
	Disabled  bool   `json:"disabled,omitempty"`
	Checked   bool   `json:"checked,omitempty"`
	Separator bool   `json:"separator,omitempty"`
	Children  []Item `json:"children,omitempty"`
}

// Choice is a dial box search result.
type Choice struct {
	Name   string `json:"name,omitempty"`
	Number string `json:"number"`
	Ext    string `json:"ext,omitempty"`
	Source string `json:"source"`
}

// Scan is what a look for local phones found.
type Scan struct {
	Phones       []LocalPhone `json:"phones,omitempty"`
	NoBluetooth  string       `json:"no_bluetooth,omitempty"`
	NoKDEConnect string       `json:"no_kdeconnect,omitempty"`
}

// LocalPhone is a phone this computer reaches itself.
type LocalPhone struct {
	Bluetooth bool   `json:"bluetooth,omitempty"`
	Backend   string `json:"backend"`
	Name      string `json:"name"`
	Via       string `json:"via,omitempty"`
	Places    bool   `json:"places,omitempty"`
	Ready     bool   `json:"ready,omitempty"`
	Why       string `json:"why,omitempty"`
}

// Errors of reading a line.
var (
	ErrTooLong = errors.New("uiproc: line too long")
	ErrBadMsg  = errors.New("uiproc: bad message")
)

// Direction says which side a message is read on.
type Direction int

const (
	FromTray  Direction = iota // read by a child
	FromChild                  // read by the tray
)

// Reader reads messages line by line, refusing lines over MaxLine.
type Reader struct {
	r   *bufio.Reader
	dir Direction
}

// NewReader reads messages sent in direction dir from r.
func NewReader(r io.Reader, dir Direction) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 4096), dir: dir}
}

// Read returns the next message. After ErrTooLong or ErrBadMsg the stream
// is not to be trusted: the caller ends it.
func (r *Reader) Read() (Msg, error) {
	var line []byte
	for {
		frag, err := r.r.ReadSlice('\n')
		if len(line)+len(frag) > MaxLine+1 {
			return Msg{}, ErrTooLong
		}
		line = append(line, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				return Msg{}, fmt.Errorf("%w: line cut short", ErrBadMsg)
			}
			return Msg{}, err
		}
		break
	}
	return Decode(bytes.TrimSuffix(line, []byte("\n")), r.dir)
}

// Decode parses and checks one line sent in direction dir.
func Decode(line []byte, dir Direction) (Msg, error) {
	if len(line) > MaxLine {
		return Msg{}, ErrTooLong
	}
	var m Msg
	d := json.NewDecoder(bytes.NewReader(line))
	d.DisallowUnknownFields()
	if err := d.Decode(&m); err != nil {
		return Msg{}, fmt.Errorf("%w: %v", ErrBadMsg, err)
	}
	if d.More() {
		return Msg{}, fmt.Errorf("%w: more than one value on a line", ErrBadMsg)
	}
	if err := m.check(dir); err != nil {
		return Msg{}, fmt.Errorf("%w: %s: %v", ErrBadMsg, m.Kind, err)
	}
	return m, nil
}

// Encode writes m as one line.
func Encode(w io.Writer, m Msg) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s: %w", m.Kind, err)
	}
	if len(b) > MaxLine {
		return fmt.Errorf("encode %s: %w", m.Kind, ErrTooLong)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func (m *Msg) check(dir Direction) error {
	kinds := toTray
	if dir == FromTray {
		kinds = toChild
	}
	if !kinds[m.Kind] {
		return errors.New("unknown kind")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"app_id", m.AppID, maxLabel}, {"lang", m.Lang, 16},
		{"text", m.Text, maxText}, {"title", m.Title, maxLabel}, {"body", m.Body, maxText},
		{"name", m.Name, maxLabel}, {"link", m.Link, maxText}, {"server", m.Server, maxText},
		{"creds", m.Creds, maxText}, {"err", m.Err, maxText}, {"field", m.Field, 64},
	} {
		if err := textOK(f.v, f.max); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if m.Number != "" && !number.IsE164(m.Number) {
		return errors.New("number: not an international number")
	}
	for _, id := range []string{m.Phone, m.Default} {
		if id == "" {
			continue
		}
		if _, err := device.ParseID(id); err != nil {
			return fmt.Errorf("phone: %w", err)
		}
	}
	if len(m.Buttons) > maxList || len(m.Phones) > maxList || len(m.Choices) > maxList {
		return errors.New("too many entries")
	}
	for _, b := range m.Buttons {
		if err := textOK(b.Key, maxLabel); err != nil {
			return fmt.Errorf("button key: %w", err)
		}
		if err := textOK(b.Label, maxLabel); err != nil {
			return fmt.Errorf("button label: %w", err)
		}
	}
	for _, p := range m.Phones {
		if _, err := device.ParseID(p.ID); err != nil {
			return fmt.Errorf("phone: %w", err)
		}
		if err := textOK(p.Name, maxLabel); err != nil {
			return fmt.Errorf("phone name: %w", err)
		}
	}
	for _, c := range m.Choices {
		if !number.IsE164(c.Number) {
			return errors.New("choice: not an international number")
		}
		if err := textOK(c.Name, maxLabel); err != nil {
			return fmt.Errorf("choice name: %w", err)
		}
		if err := textOK(c.Ext, maxNumber); err != nil {
			return fmt.Errorf("choice extension: %w", err)
		}
		if err := textOK(c.Source, 16); err != nil {
			return fmt.Errorf("choice source: %w", err)
		}
	}
	n := 0
	if err := checkMenu(m.Menu, 1, &n); err != nil {
		return err
	}
	if m.Item < 0 || m.Item > maxMenu {
		return errors.New("item out of range")
	}
	if m.Limit < 0 || m.Limit > maxLimit {
		return errors.New("limit out of range")
	}
	if m.Scan != nil {
		if len(m.Scan.Phones) > maxList {
			return errors.New("too many local phones")
		}
		for _, s := range []string{m.Scan.NoBluetooth, m.Scan.NoKDEConnect} {
			if err := textOK(s, maxText); err != nil {
				return fmt.Errorf("scan: %w", err)
			}
		}
		for _, p := range m.Scan.Phones {
			for _, s := range []string{p.Backend, p.Name, p.Via, p.Why} {
				if err := textOK(s, maxLabel); err != nil {
					return fmt.Errorf("local phone: %w", err)
				}
			}
		}
	}
	if len(m.Settings) > 0 && (!json.Valid(m.Settings) || bytes.TrimSpace(m.Settings)[0] != '{') {
		return errors.New("settings: not a JSON object")
	}
	switch m.Kind {
	case KHello, KReady:
		if m.V == 0 {
			return errors.New("no version")
		}
	case KCall:
		if m.Number == "" {
			return errors.New("no number")
		}
	case KMenu:
		if m.Item == 0 {
			return errors.New("no item")
		}
	case KRename, KRemove:
		if m.Phone == "" {
			return errors.New("no phone")
		}
	case KCopy:
		if m.Text == "" {
			return errors.New("no text")
		}
	}
	return nil
}

func checkMenu(items []Item, depth int, n *int) error {
	if depth > maxMenuDep {
		return errors.New("menu nested too deep")
	}
	for _, it := range items {
		*n++
		if *n > maxMenu {
			return errors.New("menu too long")
		}
		if err := textOK(it.Label, maxLabel); err != nil {
			return fmt.Errorf("menu label: %w", err)
		}
		if it.Action < 0 || it.Action > maxMenu {
			return errors.New("menu action out of range")
		}
		if err := checkMenu(it.Children, depth+1, n); err != nil {
			return err
		}
	}
	return nil
}

// textOK refuses text over max bytes, invalid UTF-8, and characters that
// could disguise what a window shows (textsafe.Check); line breaks are
// fine in notices and errors.
func textOK(s string, max int) error {
	if s == "" {
		return nil
	}
	return textsafe.Check(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s), max)
}

// IsWindow says whether w names a window kind.
func IsWindow(w string) bool { return windows[w] }

// IsChild says whether this process was started to show a window: the
// tray's main then calls RunChild before anything else.
func IsChild() bool { return os.Getenv(EnvWindow) != "" }
