package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/deskdial/deskdial/assets"
	"github.com/deskdial/deskdial/internal/desktop"
)

var langMu sync.Mutex

// SetLanguage loads deskdial's translations and picks the language: "en"
// or "zh-Hans" as set, or "" to follow the OS locale.
//
// Fyne's lang package has no call to choose a language; it matches the
// locales the OS reports. Where those can be overridden (Unix: $LANGUAGE
// first), chooseLanguage does so before the catalogue is (re)loaded; on
// macOS and Windows the OS locale always wins.
func SetLanguage(setting string) error {
	langMu.Lock()
	defer langMu.Unlock()
	chooseLanguage(setting)
	// Reloading also makes lang match the locale again.
	return lang.AddTranslationsFS(assets.Translations, assets.TranslationsDir)
}

// Localizer renders desktop messages with Fyne's lang package.
type Localizer struct{}

// T implements desktop.Localizer. Msg values in the data are rendered
// first, so a message can embed another ("online, {{.Does}}").
func (Localizer) T(m desktop.Msg) string {
	if m.Key == "" {
		// No message (a notice without a body): Fyne would log a
		// translation failure for the empty key.
		return ""
	}
	if len(m.Data) == 0 {
		return lang.X(m.Key, m.Key)
	}
	data := make(map[string]any, len(m.Data))
	for k, v := range m.Data {
		if inner, ok := v.(desktop.Msg); ok {
			v = Localizer{}.T(inner)
		}
		data[k] = v
	}
	return lang.X(m.Key, m.Key, data)
}

// tr translates a key without data.
func tr(key string) string { return Localizer{}.T(desktop.M(key)) }

// trd translates a key with name/value pairs.
func trd(key string, kv ...any) string { return Localizer{}.T(desktop.M(key, kv...)) }

// resource wraps PNG bytes as a Fyne resource.
func resource(name string, b []byte) fyne.Resource { return fyne.NewStaticResource(name, b) }
