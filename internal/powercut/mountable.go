//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"errors"
	"fmt"
	"os"
	"testing"
)

// Mountable says why this machine cannot mount the filesystem, or nil:
// the mount system call needs root and /dev/fuse.
func Mountable() error {
	if os.Geteuid() != 0 {
		return errors.New("mounting FUSE with the mount system call needs root (no fusermount is used)")
	}
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("cannot open /dev/fuse: %w", err)
	}
	return f.Close()
}

// skipOrFail skips a test that cannot run here, or fails it under CI=true,
// where every test must run.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: the power-cut tests must run)", msg)
	}
	t.Skip(msg)
}

// MountT mounts backing at mountpoint for a test and cuts it when the
// test ends, unless the test cut it. It skips the test where FUSE cannot
// be mounted, and fails it there under CI=true.
func MountT(t testing.TB, backing, mountpoint string) *FS {
	t.Helper()
	if err := Mountable(); err != nil {
		skipOrFail(t, "power-cut filesystem: %v", err)
	}
	fs, err := Mount(backing, mountpoint)
	if errors.Is(err, ErrCannotMount) {
		skipOrFail(t, "power-cut filesystem: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		fs.mu.Lock()
		done := fs.cut
		fs.mu.Unlock()
		if !done {
			fs.Cut(CutOptions{})
		}
	})
	return fs
}
