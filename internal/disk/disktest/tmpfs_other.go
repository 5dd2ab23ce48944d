//go:build !linux

package disktest

import (
	"runtime"
	"testing"
)

// Tmpfs skips the test: mounting a tmpfs is Linux's.
func Tmpfs(t testing.TB, size int64) string {
	t.Helper()
	skipOrFail(t, "a small real filesystem needs a tmpfs mount, which this test knows only on Linux, not %s", runtime.GOOS)
	return ""
}
