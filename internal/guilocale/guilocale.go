// Package guilocale makes the tray's GUI toolkit read a C or POSIX locale
// as English instead of printing an error. Import it (blank) from the tray
// program's main package.
//
// Fyne reads the user's locale while its lang package is initialised,
// before main runs: under LANG=C.UTF-8 (the default of containers and
// minimal installs) it takes "C" for a language, fails to parse it and
// prints "Fyne error: Error parsing user locale C". The C locale means
// untranslated messages, which for Fyne is English; LANGUAGE=en says so
// in the words Fyne's locale lookup understands (it reads LANGUAGE unless
// the locale is exactly "C" or "POSIX", which it maps to nothing).
//
// The variable must be set before Fyne's lang package initialises. Go
// initialises packages one at a time, each time the first one, by import
// path, whose imports are all initialised (the Go spec, "Package
// initialization", since Go 1.21). This package imports only syscall, on
// which "os" depends, and its path sorts before "os"; Fyne's lang package
// imports os (through fmt and others). So this package is always ready, and
// first in line, before os is initialised, hence before lang.
// TestTrayPrintsNoLocaleError in app runs the tray under C locales.
package guilocale

import "syscall"

func init() { Apply(syscall.Getenv, syscall.Setenv) }

// Apply sets LANGUAGE=en when the messages locale (the first of LC_ALL,
// LC_MESSAGES, LANG that is set) is C or POSIX, with or without a codeset
// or modifier, and LANGUAGE is not set.
func Apply(getenv func(string) (string, bool), setenv func(string, string) error) {
	if v, _ := getenv("LANGUAGE"); v != "" {
		return
	}
	if !IsC(messagesLocale(getenv)) {
		return
	}
	_ = setenv("LANGUAGE", "en")
}

func messagesLocale(getenv func(string) (string, bool)) string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v, _ := getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// IsC reports whether a locale name is the C or POSIX locale ("C",
// "C.UTF-8", "POSIX", "C@euro"), or empty.
func IsC(loc string) bool {
	for i := 0; i < len(loc); i++ {
		if loc[i] == '.' || loc[i] == '@' {
			loc = loc[:i]
			break
		}
	}
	return loc == "" || loc == "C" || loc == "POSIX"
}
