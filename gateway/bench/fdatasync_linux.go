package bench

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// fdatasync flushes data without forcing a metadata-only update (such as
// mtime), which is the sync a log needs and the one bbolt itself issues on
// Linux, so both baselines pay the same price for durability.
func fdatasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var syncErr error
	// Control keeps f's descriptor from being closed underneath the call.
	err = rc.Control(func(fd uintptr) {
		for {
			syncErr = unix.Fdatasync(int(fd))
			if !errors.Is(syncErr, unix.EINTR) {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return syncErr
}
