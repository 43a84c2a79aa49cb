package device

import "io/fs"

// checkPrivate: Windows keeps the seed in the user's profile, whose ACL
// already keeps other users out; Unix mode bits mean nothing there.
func checkPrivate(fs.FileInfo) error { return nil }
