package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// SchemaVersion is the version of the settings file this build writes.
const SchemaVersion = 2

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
type Settings struct {
	Version int `json:"version"`

	// Transport. An empty Server means the embedded nats-server.
	Server        string `json:"server,omitempty"`
	Creds         string `json:"creds,omitempty"`
	Listen        string `json:"listen"` // embedded server's LAN address
	SubjectPrefix string `json:"subject_prefix"`

	// Desktop.
	Name           string          `json:"name,omitempty"`   // this device's display name
	Region         string          `json:"region,omitempty"` // default region (ISO 3166 alpha-2); empty: from the OS locale
	Hotkey         string          `json:"hotkey"`
	WatchClipboard bool            `json:"watch_clipboard"`
	ScanLimit      int             `json:"scan_limit"` // bytes of a clipboard that are scanned
	DefaultPhone   string          `json:"default_phone,omitempty"`
	CallAtOnce     map[string]bool `json:"call_at_once,omitempty"` // per phone ID: skip the prompt
	StartAtLogin   bool            `json:"start_at_login"`
	Language       string          `json:"language,omitempty"` // "", "en", "zh-Hans"

	// History.
	RetentionDays int    `json:"retention_days"`
	SyncContacts  bool   `json:"sync_contacts"`
	CardDAVURL    string `json:"carddav_url,omitempty"`
	CardDAVUser   string `json:"carddav_user,omitempty"`

	// Phone agent.
	AllowMMI      bool `json:"allow_mmi"`       // let USSD/MMI codes through (prefill only)
	RatePerMinute int  `json:"rate_per_minute"` // dial requests per desktop per minute
	// The phone agent's backend and its options, as last given to
	// `deskdial phone` (at pairing or later), so the agent and its systemd
	// unit start without arguments.
	Backend    string `json:"backend,omitempty"`     // how the phone dials: ofono, modemmanager, adb, url or log
	Modem      string `json:"modem,omitempty"`       // ofono/modemmanager: modem object path; empty: the first
	Serial     string `json:"serial,omitempty"`      // adb: device serial; empty: the only device
	ADB        string `json:"adb,omitempty"`         // adb: the adb program; empty: adb from PATH
	ADBPort    int    `json:"adb_port,omitempty"`    // adb: port of the adb server; 0: 5037
	Bus        string `json:"bus,omitempty"`         // ofono/modemmanager/hfp: D-Bus address of the system bus; empty: the system bus
	SessionBus string `json:"session_bus,omitempty"` // hfp/kdeconnect: D-Bus address of the session bus; empty: this session's
}

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

var (
	regionRE = regexp.MustCompile(`^[A-Z]{2}$`)
	prefixRE = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
)

// Validate reports the first invalid field as a *FieldError.
func (s Settings) Validate() error {
	if s.Server != "" {
		if !strings.Contains(s.Server, "://") {
			return &FieldError{"server", "must be a URL such as nats://host:4222 or tls://host:4222"}
		}
		scheme := strings.SplitN(s.Server, "://", 2)[0]
		switch scheme {
		case "nats", "tls", "ws", "wss":
		default:
			return &FieldError{"server", fmt.Sprintf("unsupported scheme %q (use nats://, tls://, ws:// or wss://)", scheme)}
		}
	}
	if s.Creds != "" {
		if _, err := os.Stat(s.Creds); err != nil {
			return &FieldError{"creds", fmt.Sprintf("cannot read credentials file: %v", err)}
		}
	}
	if s.Region != "" && !regionRE.MatchString(s.Region) {
		return &FieldError{"region", "must be a two-letter country code such as DE or US"}
	}
	if !prefixRE.MatchString(s.SubjectPrefix) {
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
	switch s.Language {
	case "", "en", "zh-Hans":
	default:
		return &FieldError{"language", "must be en or zh-Hans (or empty to follow the system)"}
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
	s := st.cur
	if st.cur.CallAtOnce != nil {
		s.CallAtOnce = make(map[string]bool, len(st.cur.CallAtOnce))
		for k, v := range st.cur.CallAtOnce {
			s.CallAtOnce[k] = v
		}
	}
	return s
}

// Modify applies fn to a copy of the settings, validates the result and saves
// it atomically. On any error the stored settings are unchanged.
func (st *Store) Modify(fn func(*Settings)) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	next := st.cur
	if st.cur.CallAtOnce != nil {
		next.CallAtOnce = make(map[string]bool, len(st.cur.CallAtOnce))
		for k, v := range st.cur.CallAtOnce {
			next.CallAtOnce[k] = v
		}
	}
	fn(&next)
	next.Version = SchemaVersion
	if err := next.Validate(); err != nil {
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
			if up := strings.ToUpper(p); regionRE.MatchString(up) {
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
