//go:build !linux

package bench

import "os"

// fdatasync falls back to a full Sync where fdatasync is not portable; on
// macOS that is F_FULLFSYNC, the only call there that reaches the medium.
func fdatasync(f *os.File) error {
	return f.Sync()
}
