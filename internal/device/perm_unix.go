//go:build !windows

package device

import (
	"errors"
	"io/fs"
)

// checkPrivate refuses a file that group or others may read or write.
func checkPrivate(st fs.FileInfo) error {
	if st.Mode().Perm()&0o077 != 0 {
		return errors.New("not private")
	}
	return nil
}
