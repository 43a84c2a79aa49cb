package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenWithoutFileGivesDefaults(t *testing.T) {
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	got := st.Get()
	if got.Hotkey != DefaultHotkey || !got.WatchClipboard || got.ScanLimit != DefaultScanLimit || got.RatePerMinute != 10 {
		t.Fatalf("defaults not applied: %+v", got)
	}
}

func TestModifySavesAtomicallyAndReloads(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Modify(func(s *Settings) {
		s.Region = "DE"
		s.CallAtOnce = map[string]bool{"PHONE1": true}
	}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, SettingsFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("settings mode %v, want 0600", fi.Mode().Perm())
	}
	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if g := again.Get(); g.Region != "DE" || !g.CallAtOnce["PHONE1"] {
		t.Fatalf("reloaded settings lost changes: %+v", g)
	}
	// No temporary files are left behind.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("dir holds %d entries, want only the settings file", len(ents))
	}
}

func TestInvalidValueIsRefusedAndNothingChanges(t *testing.T) {
	dir := t.TempDir()
	st, _ := Open(dir)
	if err := st.Modify(func(s *Settings) { s.Region = "GB" }); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		field string
		mod   func(*Settings)
	}{
		{"region", func(s *Settings) { s.Region = "Germany" }},
		{"server", func(s *Settings) { s.Server = "relay.example.net" }},
		{"server", func(s *Settings) { s.Server = "http://relay.example.net" }},
		{"creds", func(s *Settings) { s.Creds = filepath.Join(dir, "missing.creds") }},
		{"hotkey", func(s *Settings) { s.Hotkey = "" }},
		{"scan_limit", func(s *Settings) { s.ScanLimit = 10 }},
		{"rate_per_minute", func(s *Settings) { s.RatePerMinute = 0 }},
		{"language", func(s *Settings) { s.Language = "klingon" }},
		{"subject_prefix", func(s *Settings) { s.SubjectPrefix = "a b" }},
		{"local_phones", func(s *Settings) { s.LocalPhones = map[string]string{"adb": "Pixel"} }},
		{"local_phones", func(s *Settings) { s.LocalPhones = map[string]string{"hfp:Pixel\x1b[2J": "Pixel"} }},
		{"local_phones", func(s *Settings) { s.LocalPhones = map[string]string{"hfp:Pixel": ""} }},
		{"local_phones", func(s *Settings) { s.LocalPhones = map[string]string{"hfp:Pixel": " Pixel"} }},
		{"local_phones", func(s *Settings) { s.LocalPhones = map[string]string{"kdeconnect:x": strings.Repeat("é", 65)} }},
		{"local_phones", func(s *Settings) { s.LocalPhones = map[string]string{"hfp:" + strings.Repeat("a", 70): "Pixel"} }},
		{"local_phones", func(s *Settings) {
			s.LocalPhones = map[string]string{}
			for i := range MaxLocalPhones + 1 {
				s.LocalPhones["hfp:"+strings.Repeat("p", i+1)] = "Phone"
			}
		}},
	}
	for _, c := range cases {
		err := st.Modify(c.mod)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("want FieldError on %s, got %v", c.field, err)
		}
		if st.Get().Region != "GB" {
			t.Fatalf("a refused change altered the settings")
		}
	}
	again, _ := Open(dir)
	if again.Get().Region != "GB" {
		t.Fatal("a refused change reached the file")
	}
}

func TestMigratesEveryEarlierSchema(t *testing.T) {
	for _, c := range []struct {
		file   string
		check  func(Settings) bool
		expect string
	}{
		{"settings-v0.json", func(s Settings) bool {
			return s.Region == "DE" && s.Hotkey == "Ctrl+Alt+K" && !s.WatchClipboard && s.RatePerMinute == DefaultRatePerMinute
		}, "country renamed to region, other values kept, new defaults filled"},
		{"settings-v1.json", func(s Settings) bool {
			return s.Region == "FR" && s.Server == "tls://relay.example.net:4222" && s.RatePerMinute == 5 && s.Hotkey == DefaultHotkey
		}, "values kept, auto_call dropped"},
		{"settings-v2.json", func(s Settings) bool {
			return s.Region == "NL" && s.CallAtOnce["PHONE1"] && s.RetentionDays == 30 && len(s.LocalPhones) == 0
		}, "values kept, no local phones"},
	} {
		dir := t.TempDir()
		b, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, SettingsFile), b, 0o600)
		st, err := Open(dir)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if s := st.Get(); s.Version != SchemaVersion || !c.check(s) {
			t.Errorf("%s: %s: got %+v", c.file, c.expect, s)
		}
	}
}

func TestCorruptOrNewerFileIsAnErrorNotReplaced(t *testing.T) {
	for _, body := range []string{"{not json", `{"version": 99}`} {
		dir := t.TempDir()
		p := filepath.Join(dir, SettingsFile)
		os.WriteFile(p, []byte(body), 0o600)
		if _, err := Open(dir); err == nil {
			t.Errorf("%q: want an error", body)
		}
		if b, _ := os.ReadFile(p); string(b) != body {
			t.Errorf("%q: file was changed", body)
		}
	}
}

func TestWriteFailureKeepsOldFile(t *testing.T) {
	if os.Geteuid() == 0 {
		// root ignores directory permissions; use a path whose parent is a file.
		p := filepath.Join(t.TempDir(), "f")
		os.WriteFile(p, []byte("x"), 0o600)
		if err := WriteFileAtomic(filepath.Join(p, "settings.json"), []byte("{}"), 0o600); err == nil {
			t.Fatal("want an error writing below a file")
		}
		return
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "s.json")
	WriteFileAtomic(p, []byte("old"), 0o600)
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	if err := WriteFileAtomic(p, []byte("new"), 0o600); err == nil {
		t.Fatal("want an error in a read-only dir")
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("old content lost: %q", b)
	}
}

func TestRegionFromLocale(t *testing.T) {
	for in, want := range map[string]string{
		"de_DE.UTF-8": "DE", "en_GB": "GB", "zh_CN.utf8": "CN", "pt-BR": "BR",
		"C": "", "POSIX": "", "C.UTF-8": "", "": "", "sr_RS@latin": "RS", "en": "",
	} {
		if got := regionOf(in); got != want {
			t.Errorf("regionOf(%q) = %q, want %q", in, got, want)
		}
	}
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_TELEPHONE", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "ja_JP.UTF-8")
	if got := (Settings{}).EffectiveRegion(); got != "JP" {
		t.Errorf("EffectiveRegion from LANG = %q", got)
	}
	if got := (Settings{Region: "IN"}).EffectiveRegion(); got != "IN" {
		t.Errorf("setting must win, got %q", got)
	}
	// No setting and no locale region: finding numbers guesses the US,
	// but nothing is known to send national numbers with.
	t.Setenv("LANG", "C.UTF-8")
	if got := (Settings{}).KnownRegion(); got != "" {
		t.Errorf("KnownRegion without setting or locale = %q, want none", got)
	}
	if got := (Settings{}).EffectiveRegion(); got != "US" {
		t.Errorf("EffectiveRegion without setting or locale = %q, want US", got)
	}
	if got := (Settings{Region: "DE"}).KnownRegion(); got != "DE" {
		t.Errorf("KnownRegion with a setting = %q", got)
	}
}

func TestResolvePaths(t *testing.T) {
	home := t.TempDir()
	p, err := ResolvePaths(home)
	if err != nil || p.Config != home || p.Data != home {
		t.Fatalf("explicit home: %+v %v", p, err)
	}
	t.Setenv(EnvHome, filepath.Join(home, "env"))
	p, _ = ResolvePaths("")
	if !strings.HasSuffix(p.Config, "env") {
		t.Fatalf("env home ignored: %+v", p)
	}
	t.Setenv(EnvHome, "")
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "cfg"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	p, _ = ResolvePaths("")
	if p.Config != filepath.Join(home, "cfg", "deskdial") || p.Data != filepath.Join(home, "data", "deskdial") {
		t.Fatalf("XDG dirs: %+v", p)
	}
	if err := p.Ensure(); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p.Config)
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("config dir mode %v", fi.Mode().Perm())
	}
}

func TestLocalPhonesAreKeptAndCopied(t *testing.T) {
	dir := t.TempDir()
	st, _ := Open(dir)
	want := map[string]string{"hfp:Pixel 7": "Pixel 7", "hfp:00:11:22:33:44:55": "iPhone", "kdeconnect": "手机", "kdeconnect:Pixel 7": "Pixel (KDE Connect)"}
	if err := st.Modify(func(s *Settings) { s.LocalPhones = want }); err != nil {
		t.Fatal(err)
	}
	// What Get returns is the caller's own: changing it changes nothing.
	got := st.Get()
	got.LocalPhones["hfp:Other"] = "Other"
	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Settings{st.Get(), again.Get()} {
		if len(s.LocalPhones) != len(want) || s.LocalPhones["hfp:00:11:22:33:44:55"] != "iPhone" || s.LocalPhones["kdeconnect"] != "手机" {
			t.Fatalf("local phones %v, want %v", s.LocalPhones, want)
		}
	}
}

// A server URL deskdial cannot use is refused with what to write instead.
func TestCheckServer(t *testing.T) {
	for _, ok := range []string{"tls://relay.example.org:4222", "nats://10.0.0.1", "wss://relay.example.org/ws", "tls://a:4222,tls://b:4222"} {
		if err := CheckServer(ok); err != nil {
			t.Errorf("CheckServer(%q): %v", ok, err)
		}
	}
	for bad, says := range map[string]string{
		"relay.example.org:4222":   "has no scheme; write it as tls://relay.example.org:4222",
		"http://relay.example.org": `unsupported scheme "http"`,
		"tls://":                   "names no host",
		"tls://:4222":              "names no host",
		"tls://relay:99999":        "is not a port number",
		"tls://a:4222,b":           `"b" has no scheme`,
	} {
		err := CheckServer(bad)
		if !errors.Is(err, ErrBadServer) || !strings.Contains(err.Error(), says) {
			t.Errorf("CheckServer(%q) = %v, want it to say %q", bad, err, says)
		}
	}
}

// A .creds file named without a directory is found in the config
// directory when it is not in the current one.
func TestResolveIn(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "alice-laptop.creds"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := ResolveIn(dir, "alice-laptop.creds"); got != filepath.Join(dir, "alice-laptop.creds") {
		t.Errorf("bare name: %q", got)
	}
	if got := ResolveIn(dir, "missing.creds"); got != "missing.creds" {
		t.Errorf("missing: %q", got)
	}
	if got := ResolveIn(dir, "sub/alice-laptop.creds"); got != "sub/alice-laptop.creds" {
		t.Errorf("a path is taken as given: %q", got)
	}
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Modify(func(s *Settings) { s.Server, s.Creds = "tls://relay.example.org:4222", "alice-laptop.creds" }); err != nil {
		t.Errorf("settings naming a .creds file in the config directory: %v", err)
	}
}
