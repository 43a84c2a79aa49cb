//go:build !cgo

package uiproc

import (
	"fmt"
	"os"
)

// RunChild: a build without cgo has no windows.
func RunChild() int {
	fmt.Fprintln(os.Stderr, "deskdial: this deskdial was built without cgo and shows no windows")
	return 1
}
