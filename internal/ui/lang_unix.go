//go:build !windows && !darwin

package ui

import (
	"os"
	"strings"
)

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
		if *origLanguage == "" && posixLocale() {
			// The C and POSIX locales name no language; Fyne cannot
			// parse them ("Error parsing user locale C") and they mean
			// untranslated, that is English.
			os.Setenv("LANGUAGE", "en_US")
		} else {
			os.Setenv("LANGUAGE", *origLanguage)
		}
	}
}

// posixLocale reports whether the messages locale is C or POSIX (as
// LC_ALL, LC_MESSAGES or LANG give it, in that order).
func posixLocale() bool {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		l := os.Getenv(v)
		if l == "" {
			continue
		}
		base, _, _ := strings.Cut(l, ".")
		return base == "C" || base == "POSIX"
	}
	return true // no locale at all is the C locale
}
