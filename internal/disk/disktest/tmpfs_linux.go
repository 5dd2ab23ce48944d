package disktest

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// Tmpfs mounts a tmpfs of size bytes on a new directory for the test and
// unmounts it when the test ends: a real filesystem that fills, answering
// ENOSPC as a full SD card does. Mounting needs root (or CAP_SYS_ADMIN):
// without it the test is skipped, saying so, and fails under CI=true, where
// every test must run.
func Tmpfs(t testing.TB, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0755", size)); err != nil {
		skipOrFail(t, "a small real filesystem needs a tmpfs mount, which needs root or CAP_SYS_ADMIN (uid %d): %v", os.Geteuid(), err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}
