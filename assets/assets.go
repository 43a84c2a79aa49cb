// Package assets holds deskdial's icons and translations, embedded in the
// binary. The icons are drawn by ./gen (go generate ./assets).
package assets

import (
	"embed"
)

//go:generate go run ./gen -o icons

//go:embed icons/*.png
var icons embed.FS

// Translations holds one go-i18n JSON file per language (en.json,
// zh-Hans.json) under "translations", in the form Fyne's lang package loads.
//
//go:embed translations/*.json
var Translations embed.FS

// TranslationsDir is the directory of Translations holding the files.
const TranslationsDir = "translations"

// Languages are the languages deskdial is translated into.
var Languages = []string{"en", "zh-Hans"}

func mustRead(name string) []byte {
	b, err := icons.ReadFile("icons/" + name)
	if err != nil {
		panic("assets: missing " + name) // the embed pattern guarantees it
	}
	return b
}

// AppIcon is the 256x256 application icon (PNG).
func AppIcon() []byte { return mustRead("app.png") }

// TrayIcon returns the tray icon (PNG) for a state: "idle", "calling",
// "offline" or "error"; anything else gets the idle icon.
func TrayIcon(state string) []byte {
	switch state {
	case "calling", "offline", "error":
		return mustRead("tray-" + state + ".png")
	}
	return mustRead("tray-idle.png")
}

// TemplateIcon is the monochrome tray icon macOS tints for light and dark
// menu bars.
func TemplateIcon() []byte { return mustRead("tray-template.png") }
