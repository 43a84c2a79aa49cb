package urlopen

// rundll32's URL handler opens tel: with the registered app (Phone Link)
// without going through cmd.exe, whose `start` would parse & and ^ in the
// argument.
func defaultCommand() []string { return []string{"rundll32", "url.dll,FileProtocolHandler"} }
