//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// FS is one mount of the power-cut filesystem over a backing directory.
// Everything a program does through the mount is seen at once by every
// reader, as the page cache shows it; the backing directory receives only
// what an fsync made durable. Cut ends the mount as a power cut would.
type FS struct {
	backing    string
	mountpoint string
	served     chan struct{} // closed when the server has stopped

	mu      sync.Mutex
	cut     bool
	nodes   map[uint64]*inode
	root    *inode
	nextIno uint64
	handles map[uint64]*handle
	nextFh  uint64
	queued  map[*inode]struct{} // directories with a non-empty queue
	log     opLog
	fault   error // the first internal error, reported by Cut
}

// handle is an open file or directory.
type handle struct {
	node   *inode
	append bool
	listed []fuse.DirEntry // a directory's entries, taken when read from the start
}

// cacheTTL is how long the kernel may cache names and attributes. Every
// change goes through the kernel, so its caches stay right; a new mount
// starts with empty ones.
const cacheTTL = time.Second

// ErrCannotMount says the kernel refused the mount: the machine cannot
// run the filesystem (no root, no /dev/fuse, a container without the
// capability to mount).
var ErrCannotMount = errors.New("powercut: cannot mount")

// Mount shows backing at mountpoint (an existing, empty directory) until
// Cut. It mounts with the mount system call, which needs root; it never
// falls back to fusermount.
func Mount(backing, mountpoint string) (*FS, error) {
	backing, err := filepath.Abs(backing)
	if err != nil {
		return nil, fmt.Errorf("powercut: %w", err)
	}
	mountpoint, err = filepath.Abs(mountpoint)
	if err != nil {
		return nil, fmt.Errorf("powercut: %w", err)
	}
	fs := &FS{
		backing:    backing,
		mountpoint: mountpoint,
		served:     make(chan struct{}),
		nodes:      map[uint64]*inode{},
		handles:    map[uint64]*handle{},
		queued:     map[*inode]struct{}{},
	}
	// The root is the first inode: FUSE_ROOT_ID.
	if err := fs.load(); err != nil {
		fs.closeBacking()
		return nil, err
	}
	srv, err := fuse.NewServer(&kernel{RawFileSystem: fuse.NewDefaultRawFileSystem(), fs: fs}, mountpoint, &fuse.MountOptions{
		DirectMountStrict:  true,
		FsName:             "powercut",
		Name:               "powercut",
		DisableXAttrs:      true,
		DisableReadDirPlus: true,
	})
	if err != nil {
		fs.closeBacking()
		return nil, fmt.Errorf("%w: %s: %v", ErrCannotMount, mountpoint, err)
	}
	go func() {
		srv.Serve()
		close(fs.served)
	}()
	if err := srv.WaitMount(); err != nil {
		fs.mu.Lock()
		fs.cut = true
		fs.closeBacking()
		fs.mu.Unlock()
		syscall.Unmount(mountpoint, syscall.MNT_DETACH)
		return nil, fmt.Errorf("%w: %s: %v", ErrCannotMount, mountpoint, err)
	}
	return fs, nil
}

func (fs *FS) newInode(k kind, mode uint32, parent *inode, name string) *inode {
	fs.nextIno++
	now := time.Now()
	n := &inode{ino: fs.nextIno, kind: k, mode: mode & 0o7777, dmode: mode & 0o7777,
		atime: now, mtime: now, ctime: now, parent: parent, name: name}
	if k == kindDir {
		n.entries = map[string]*inode{}
		n.dents = map[string]*inode{}
	}
	fs.nodes[n.ino] = n
	return n
}

// closeBacking closes every backing file: inodes that were never named in
// the backing directory vanish with them.
func (fs *FS) closeBacking() {
	for _, n := range fs.nodes {
		if n.data != nil {
			n.data.back.Close()
			n.data = nil
		}
	}
}

// release frees a file that nothing names or will name again, durably or
// not, and that no one has open. Its unsynced operations are dropped.
func (fs *FS) release(n *inode) {
	if n.kind == kindDir || n.nlink > 0 || n.opens > 0 || n.dlinks > 0 || n.refs > 0 {
		return
	}
	if n.data != nil {
		n.data.back.Close()
		n.data = nil
	}
	n.settle(Dropped)
}
