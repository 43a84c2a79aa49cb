//go:build windows || darwin

package ui

// chooseLanguage does nothing: on macOS and Windows Fyne follows the OS
// locale and offers no way to choose another.
func chooseLanguage(string) {}
