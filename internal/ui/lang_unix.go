//go:build !windows && !darwin

package ui

import "os"

// origLanguage is LANGUAGE before deskdial overrode it.
var origLanguage *string

// chooseLanguage sets $LANGUAGE, which Fyne's locale lookup reads first
// on Unix, to the chosen language, or back to what it was for "". Called
// with langMu held.
func chooseLanguage(setting string) {
	if origLanguage == nil {
		v := os.Getenv("LANGUAGE")
		origLanguage = &v
	}
	switch setting {
	case "zh-Hans":
		os.Setenv("LANGUAGE", "zh_CN")
	case "en":
		os.Setenv("LANGUAGE", "en_US")
	default:
		os.Setenv("LANGUAGE", *origLanguage)
	}
}
