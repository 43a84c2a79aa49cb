//go:build !unix

package config

// makeDirPrivate does nothing where permission bits mean nothing
// (Windows): the user profile's ACL keeps other users out.
func makeDirPrivate(string) (string, error) { return "", nil }
