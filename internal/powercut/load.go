//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// load reads the backing directory as the state a mount starts from:
// durable and volatile alike. Each file is held open, so that its content
// stays reachable whatever later happens to its names. Devices, FIFOs and
// sockets are not shown.
func (fs *FS) load() error {
	st, err := os.Lstat(fs.backing)
	if err != nil {
		return fmt.Errorf("powercut: backing directory: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("powercut: backing %s is not a directory", fs.backing)
	}
	fs.root = fs.newInode(kindDir, 0, nil, "")
	fs.root.dlive = true
	setStat(fs.root, st)
	files := map[uint64]*inode{} // by backing inode number: hard links
	return fs.loadDir(fs.root, fs.backing, files)
}

func (fs *FS) loadDir(d *inode, dir string, files map[uint64]*inode) error {
	list, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("powercut: load %s: %w", dir, err)
	}
	for _, e := range list {
		p := filepath.Join(dir, e.Name())
		st, err := os.Lstat(p)
		if err != nil {
			return fmt.Errorf("powercut: load %s: %w", p, err)
		}
		sys := st.Sys().(*syscall.Stat_t)
		var n *inode
		switch {
		case st.IsDir():
			n = fs.newInode(kindDir, 0, d, e.Name())
			n.dlive, n.dname = true, e.Name()
			setStat(n, st)
			if err := fs.loadDir(n, p, files); err != nil {
				return err
			}
		case st.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return fmt.Errorf("powercut: load %s: %w", p, err)
			}
			n = fs.newInode(kindSymlink, 0, d, e.Name())
			n.target = target
			setStat(n, st)
		case st.Mode().IsRegular():
			if n = files[sys.Ino]; n == nil {
				f, err := os.OpenFile(p, os.O_RDWR|unix.O_NOFOLLOW, 0)
				if err != nil {
					return fmt.Errorf("powercut: load %s: %w", p, err)
				}
				n = fs.newInode(kindFile, 0, d, e.Name())
				n.data = newPages(f, st.Size())
				setStat(n, st)
				files[sys.Ino] = n
			}
		default:
			continue
		}
		d.entries[e.Name()] = n
		d.dents[e.Name()] = n
		n.nlink++
		if n.kind != kindDir {
			n.dlinks++
		}
	}
	return nil
}

func setStat(n *inode, st os.FileInfo) {
	sys := st.Sys().(*syscall.Stat_t)
	n.mode = uint32(st.Mode().Perm()) | uint32(sys.Mode)&(syscall.S_ISUID|syscall.S_ISGID|syscall.S_ISVTX)
	n.dmode = n.mode
	n.uid, n.gid = sys.Uid, sys.Gid
	n.atime = time.Unix(sys.Atim.Unix())
	n.mtime = time.Unix(sys.Mtim.Unix())
	n.ctime = time.Unix(sys.Ctim.Unix())
}
