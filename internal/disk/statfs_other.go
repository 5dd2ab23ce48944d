//go:build !(linux || darwin || freebsd)

package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime"
)

// statfs has no implementation here: New fails with errors.ErrUnsupported,
// and the gateway runs without a guard.
func statfs(dir string) (Space, error) {
	return Space{}, fmt.Errorf("disk: free space of %s on %s: %w", dir, runtime.GOOS, errors.ErrUnsupported)
}

func fileBytes(fi fs.FileInfo) int64 { return fi.Size() }
