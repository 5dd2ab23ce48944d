//go:build linux || darwin || freebsd

package disk

import (
	"fmt"
	"io/fs"
	"syscall"

	"golang.org/x/sys/unix"
)

// statfs samples the filesystem that holds dir. Free is what an
// unprivileged process may still write (f_bavail): a gateway running as
// root could also use the blocks ext4 keeps for root, but counting on them
// would leave the system none.
func statfs(dir string) (Space, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return Space{}, fmt.Errorf("disk: statfs %s: %w", dir, err)
	}
	bs := int64(st.Bsize)
	return Space{Total: int64(st.Blocks) * bs, Free: int64(st.Bavail) * bs}, nil
}

// fileBytes is the space a file takes on disk: its allocated blocks, so a
// sparse bbolt file counts what it holds, not the size it was grown to.
func fileBytes(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return fi.Size()
}
