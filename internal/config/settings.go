package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// SchemaVersion is the version of the settings file this build writes.
const SchemaVersion = 3

// Defaults.
const (
	DefaultHotkey        = "Ctrl+Alt+D"
	DefaultSubjectPrefix = "deskdial"
	DefaultListen        = "0.0.0.0:4248"
	DefaultScanLimit     = 64 << 10
	DefaultRatePerMinute = 10
	DefaultRetentionDays = 365
)

// Settings are the user's choices. The zero value is not meaningful; start
// from Default().
//
// Each field's line comment is its documentation: docs/install.md's
// settings table is generated from it (see settingsdoc_test.go).
type Settings struct {
	Version int `json:"version"` // schema version of the file; deskdial migrates older files and writes this one

	// Transport. An empty Server means the embedded nats-server.
	Server        string `json:"server,omitempty"` // hosted NATS server URL (nats://, tls://, ws://, wss://); empty: the embedded server
	Creds         string `json:"creds,omitempty"`  // NATS .creds file for the hosted server; a bare file name is looked up in the config directory
	CA            string `json:"ca,omitempty"`     // PEM file of the authority that signed a hosted server's certificate, when the system does not trust it (also --ca); a bare file name is looked up in the config directory
	Listen        string `json:"listen"`           // address the embedded server listens on for phones; a taken default port is replaced by a free one while no phone is paired
	SubjectPrefix string `json:"subject_prefix"`   // first token of every NATS subject; change it only to share a server between separate deskdial setups

	// Desktop.
	Name           string          `json:"name,omitempty"`           // this device's name as the other side shows it; empty: the host name (a phone keeps the name it paired with)
	Region         string          `json:"region,omitempty"`         // region for national numbers (ISO 3166 code such as DE); empty: from the system locale
	Hotkey         string          `json:"hotkey"`                   // global hotkey: call the highlighted number or open the dial box
	WatchClipboard bool            `json:"watch_clipboard"`          // offer copied phone numbers
	ScanLimit      int             `json:"scan_limit"`               // bytes of a copy that are searched for numbers (1 KiB to 16 MiB)
	DefaultPhone   string          `json:"default_phone,omitempty"`  // ID of the phone calls go to; empty: the first online phone
	CallAtOnce     map[string]bool `json:"call_at_once,omitempty"`   // per phone ID: call a copied number without asking
	StartAtLogin   bool            `json:"start_at_login"`           // start the tray when you log in
	Language       string          `json:"language,omitempty"`       // en or zh-Hans; empty: follow the system
	NoPhoneCalls   []string        `json:"no_phone_calls,omitempty"` // IDs of paired phones that may not ask this desktop to have another of its phones call (the phone page's dial box); every other paired phone may

	// History.
	RetentionDays int    `json:"retention_days"`         // days calls stay in the history; 0 keeps them
	SyncContacts  bool   `json:"sync_contacts"`          // with a hosted server and a sync key: share contacts between your desktops too, not only recent calls
	CardDAVURL    string `json:"carddav_url,omitempty"`  // CardDAV address book that `deskdial contacts sync` reads
	CardDAVUser   string `json:"carddav_user,omitempty"` // CardDAV user name; the password is never kept here (`contacts sync --password-file`)

	// Phone agent.
	AllowMMI      bool `json:"allow_mmi"`       // phone: let USSD/MMI codes such as *#06# through (the dialer opens with them, never dialled)
	RatePerMinute int  `json:"rate_per_minute"` // phone: dial requests accepted per desktop per minute (1 to 600)
	// The phone agent's backend and its options, as last given to
	// `deskdial phone` (at pairing or later), so the agent and its systemd
	// unit start without arguments.
	Backend    string `json:"backend,omitempty"`     // phone: how it dials (see docs/phones.md: ofono, modemmanager, hfp, kdeconnect, adb, url, log:FILE); kept from --backend
	Modem      string `json:"modem,omitempty"`       // phone, ofono/modemmanager: modem object path or index; empty: the first usable one
	Serial     string `json:"serial,omitempty"`      // phone, adb: device serial; empty: the only device
	ADB        string `json:"adb,omitempty"`         // phone, adb: the adb program; empty: adb from PATH
	ADBPort    int    `json:"adb_port,omitempty"`    // phone, adb: port of the adb server; 0: 5037
	Bus        string `json:"bus,omitempty"`         // phone, ofono/modemmanager/hfp: D-Bus address of the system bus; empty: the system bus
	SessionBus string `json:"session_bus,omitempty"` // phone, hfp/kdeconnect: D-Bus address of the session bus; empty: this session's

	// Phones this computer reaches itself.
	LocalPhones map[string]string `json:"local_phones,omitempty"` // tray: phones reached over Bluetooth or KDE Connect that the tray runs the phone agent for: backend spec (hfp:Pixel 7, kdeconnect:Pixel 7) to the name shown
}

// MaxLocalPhones bounds the local phones one desktop runs.
const MaxLocalPhones = 16

// maxLocalText is the longest backend spec or name of a local phone, in
// characters (a device name is at most 64).
const maxLocalText = 64

// Default returns the settings of a fresh install.
func Default() Settings {
	return Settings{
		Version:        SchemaVersion,
		Listen:         DefaultListen,
		SubjectPrefix:  DefaultSubjectPrefix,
		Hotkey:         DefaultHotkey,
		WatchClipboard: true,
		ScanLimit:      DefaultScanLimit,
		RetentionDays:  DefaultRetentionDays,
		RatePerMinute:  DefaultRatePerMinute,
	}
}

// FieldError names the setting that is wrong, so a settings window can show
// the message next to the field.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return fmt.Sprintf("config: %s: %s", e.Field, e.Msg) }

// Compiled on first use, not at package initialisation, which runs for
// every deskdial command (docs/benchmarks.md).
var (
	regionRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z]{2}$`) })
	phoneIDRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z2-7]{6}(-[A-Z2-7]{6}){5}$`) })
	prefixRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`) })
)

// Validate reports the first invalid field as a *FieldError.
func (s Settings) Validate() error { return s.validate("") }

// validate is Validate for the settings file in dir, where a bare .creds
// file name is looked up too.
func (s Settings) validate(dir string) error {
	if s.Server != "" {
		if err := CheckServer(s.Server); err != nil {
			return &FieldError{"server", strings.TrimPrefix(err.Error(), "config: ")}
		}
	}
	if s.CA != "" {
		if _, err := os.Stat(ResolveIn(dir, s.CA)); err != nil {
			return &FieldError{"ca", fmt.Sprintf("cannot read the certificate authority file: %v", err)}
		}
	}
	if s.Creds != "" {
		if _, err := os.Stat(ResolveIn(dir, s.Creds)); err != nil {
			return &FieldError{"creds", fmt.Sprintf("cannot read credentials file: %v", err)}
		}
	}
	if s.Region != "" && !regionRE().MatchString(s.Region) {
		return &FieldError{"region", "must be a two-letter country code such as DE or US"}
	}
	if !prefixRE().MatchString(s.SubjectPrefix) {
		return &FieldError{"subject_prefix", "must be NATS subject tokens (letters, digits, - and _ separated by dots)"}
	}
	if s.Hotkey == "" {
		return &FieldError{"hotkey", "must not be empty"}
	}
	if s.ScanLimit < 1024 || s.ScanLimit > 16<<20 {
		return &FieldError{"scan_limit", "must be between 1 KiB and 16 MiB"}
	}
	if s.RatePerMinute < 1 || s.RatePerMinute > 600 {
		return &FieldError{"rate_per_minute", "must be between 1 and 600"}
	}
	if s.RetentionDays < 0 {
		return &FieldError{"retention_days", "must not be negative (0 keeps history forever)"}
	}
	for _, id := range s.NoPhoneCalls {
		if !phoneIDRE().MatchString(id) {
			return &FieldError{"no_phone_calls", fmt.Sprintf("%q is not a device ID", id)}
		}
	}
	switch s.Language {
	case "", "en", "zh-Hans":
	default:
		return &FieldError{"language", "must be en or zh-Hans (or empty to follow the system)"}
	}
	return validLocalPhones(s.LocalPhones)
}

// validLocalPhones checks the local phones as they enter: the names come
// from the system's Bluetooth and KDE Connect lists, or a hand-edited file.
func validLocalPhones(m map[string]string) error {
	if len(m) > MaxLocalPhones {
		return &FieldError{"local_phones", fmt.Sprintf("at most %d local phones", MaxLocalPhones)}
	}
	for spec, name := range m {
		kind, phone, _ := strings.Cut(spec, ":")
		if kind != "hfp" && kind != "kdeconnect" {
			return &FieldError{"local_phones", fmt.Sprintf("%q is not a local phone (use hfp[:PHONE] or kdeconnect[:DEVICE])", clip(spec))}
		}
		if !plainText(phone, true) || !plainText(spec, false) {
			return &FieldError{"local_phones", fmt.Sprintf("%q: the phone must be at most %d printable characters", clip(spec), maxLocalText)}
		}
		if !plainText(name, false) || strings.TrimSpace(name) != name {
			return &FieldError{"local_phones", fmt.Sprintf("the name of %q must be 1 to %d printable characters, without spaces around", clip(spec), maxLocalText)}
		}
	}
	return nil
}

// plainText reports whether s is at most maxLocalText printable characters
// (and not empty unless emptyOK).
func plainText(s string, emptyOK bool) bool {
	if (s == "" && !emptyOK) || !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxLocalText {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// clip shortens s for an error message and quotes nothing unprintable.
func clip(s string) string {
	if r := []rune(s); len(r) > maxLocalText {
		s = string(r[:maxLocalText]) + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// ErrBadServer means a server URL deskdial cannot use.
var ErrBadServer = errors.New("config: not a NATS server URL")

// CheckServer checks a hosted server URL, or several separated by commas:
// each needs the scheme nats, tls, ws or wss and a host.
func CheckServer(server string) error {
	for _, u := range strings.Split(server, ",") {
		u = strings.TrimSpace(u)
		scheme, rest, ok := strings.Cut(u, "://")
		if !ok {
			return fmt.Errorf("%w: %q has no scheme; write it as tls://%s:4222 (or nats://, ws://, wss://)", ErrBadServer, u, u)
		}
		switch scheme {
		case "nats", "tls", "ws", "wss":
		default:
			return fmt.Errorf("%w: %q: unsupported scheme %q; use nats://, tls://, ws:// or wss://", ErrBadServer, u, scheme)
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Hostname() == "" || strings.ContainsAny(rest, " \t") {
			return fmt.Errorf("%w: %q names no host; write it as %s://HOST:PORT", ErrBadServer, u, scheme)
		}
		if p := pu.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("%w: %q: port %q is not a port number", ErrBadServer, u, p)
			}
		}
	}
	return nil
}

// migrations[v] upgrades a raw settings object from version v to v+1.
var migrations = map[int]func(map[string]any){
	// v0 files (before versioning) named the region "country".
	0: func(m map[string]any) {
		if c, ok := m["country"]; ok {
			m["region"] = c
			delete(m, "country")
		}
	},
	// v1 kept a single "auto_call" flag; v2 decides per phone.
	1: func(m map[string]any) {
		delete(m, "auto_call")
	},
	// v3 adds local phones (none until chosen). The version changes so
	// that an older deskdial refuses the file instead of saving over it
	// without them.
	2: func(map[string]any) {},
}

// Store is the one writer of the settings file.
type Store struct {
	path string
	mu   sync.Mutex
	cur  Settings
}

// SettingsFile is the name of the settings file in the config dir.
const SettingsFile = "settings.json"

// Open loads the settings from dir, migrating older files, or starts from
// Default() if there is no file yet. A file that cannot be parsed is an
// error: it is never silently replaced.
func Open(dir string) (*Store, error) {
	st := &Store{path: filepath.Join(dir, SettingsFile), cur: Default()}
	b, err := os.ReadFile(st.path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: read settings: %w", err)
	}
	s, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", st.path, err)
	}
	st.cur = s
	return st, nil
}

func decode(b []byte) (Settings, error) {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return Settings{}, fmt.Errorf("parse settings: %w", err)
	}
	v := 0
	if f, ok := raw["version"].(float64); ok {
		v = int(f)
	}
	if v > SchemaVersion {
		return Settings{}, fmt.Errorf("settings are version %d, newer than this deskdial understands (%d)", v, SchemaVersion)
	}
	for ; v < SchemaVersion; v++ {
		migrations[v](raw)
	}
	raw["version"] = SchemaVersion
	nb, _ := json.Marshal(raw)
	s := Default()
	if err := json.Unmarshal(nb, &s); err != nil {
		return Settings{}, fmt.Errorf("parse settings: %w", err)
	}
	return s, nil
}

// Get returns a copy of the current settings.
func (st *Store) Get() Settings {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.cur.clone()
}

// clone copies s with its maps, so a caller's changes stay its own.
func (s Settings) clone() Settings {
	if s.CallAtOnce != nil {
		s.CallAtOnce = maps.Clone(s.CallAtOnce)
	}
	if s.LocalPhones != nil {
		s.LocalPhones = maps.Clone(s.LocalPhones)
	}
	return s
}

// Modify applies fn to a copy of the settings, validates the result and saves
// it atomically. On any error the stored settings are unchanged.
func (st *Store) Modify(fn func(*Settings)) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	next := st.cur.clone()
	fn(&next)
	next.Version = SchemaVersion
	if err := next.validate(filepath.Dir(st.path)); err != nil {
		return err
	}
	b, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return fmt.Errorf("config: encode settings: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(st.path), 0o700); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := WriteFileAtomic(st.path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("config: save settings: %w", err)
	}
	st.cur = next
	return nil
}

// RegionFromLocale guesses the default region from the OS locale
// environment (LC_ALL, LC_MESSAGES, LANG), e.g. "de_DE.UTF-8" gives "DE".
// It returns "" when the locale names no territory ("C", "POSIX").
func RegionFromLocale() string {
	for _, k := range []string{"LC_ALL", "LC_TELEPHONE", "LC_MESSAGES", "LANG"} {
		if r := regionOf(os.Getenv(k)); r != "" {
			return r
		}
	}
	return ""
}

func regionOf(loc string) string {
	if i := strings.IndexAny(loc, ".@"); i >= 0 {
		loc = loc[:i]
	}
	parts := strings.FieldsFunc(loc, func(r rune) bool { return r == '_' || r == '-' })
	for _, p := range parts[min(1, len(parts)):] {
		if len(p) == 2 {
			if up := strings.ToUpper(p); regionRE().MatchString(up) {
				return up
			}
		}
	}
	return ""
}

// EffectiveRegion is the region to read national numbers in: the setting,
// else the OS locale, else "US" as libphonenumber does. It suits finding
// numbers in text; what is sent to a phone uses KnownRegion.
func (s Settings) EffectiveRegion() string {
	if r := s.KnownRegion(); r != "" {
		return r
	}
	return "US"
}

// KnownRegion is the setting, else the OS locale's region, else "": a
// national number sent with a guessed region would dial another country.
func (s Settings) KnownRegion() string {
	if s.Region != "" {
		return s.Region
	}
	return RegionFromLocale()
}
