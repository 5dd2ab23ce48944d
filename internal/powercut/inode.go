//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"path"
	"slices"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

type kind uint8

const (
	kindFile kind = iota + 1
	kindDir
	kindSymlink
)

// inode is a file, directory or symlink in both of its states: volatile
// (what the page cache and the dentry cache show) and durable (what a
// power cut leaves).
type inode struct {
	ino   uint64
	kind  kind
	mode  uint32 // permission bits
	dmode uint32 // durable permission bits
	uid   uint32
	gid   uint32
	atime time.Time
	mtime time.Time
	ctime time.Time
	nlink int // volatile links

	// The inode's first volatile link, for the paths in the log. A
	// directory keeps its parent for life: it cannot move to another one.
	parent *inode
	name   string

	// Directories. entries is the volatile namespace, dents the durable
	// one; queue holds the namespace operations on this directory that
	// are not yet durable, oldest first.
	entries map[string]*inode
	dents   map[string]*inode
	dlive   bool   // named in its parent's dents (the root always is)
	dname   string // that name
	queue   []*nsOp

	// Files. data is nil once the inode is gone for good (released).
	data   *pages
	dlinks int // dents naming it
	refs   int // pending namespace operations that will name it
	opens  int

	// Files and directories: metadata and data operations not yet durable.
	pendingOps []*Op
	moreOps    int // pending operations beyond those kept

	// Symlinks.
	target string
}

// maxPendingOps bounds the operations an inode keeps for the report.
const maxPendingOps = 256

func (n *inode) addPending(op *Op) {
	if len(n.pendingOps) < maxPendingOps {
		n.pendingOps = append(n.pendingOps, op)
	} else {
		n.moreOps++
	}
}

// settle marks the pending operations of the kinds given durable or
// dropped, and forgets them.
func (n *inode) settle(st State, kinds ...string) {
	kept := n.pendingOps[:0]
	for _, op := range n.pendingOps {
		if len(kinds) == 0 || slices.Contains(kinds, op.Kind) {
			op.State = st
		} else {
			kept = append(kept, op)
		}
	}
	n.pendingOps = kept
	if len(kinds) == 0 || len(kept) == 0 {
		n.moreOps = 0
	}
}

// path is the inode's volatile path in the mount, for the log.
func (n *inode) path() string {
	if n.ino == fuse.FUSE_ROOT_ID {
		return "/"
	}
	if n.parent == nil || n.nlink == 0 {
		return "(deleted)/" + n.name
	}
	return path.Join(n.parent.path(), n.name)
}

func (n *inode) typeBits() uint32 {
	switch n.kind {
	case kindDir:
		return syscall.S_IFDIR
	case kindSymlink:
		return syscall.S_IFLNK
	}
	return syscall.S_IFREG
}

func (n *inode) attr(out *fuse.Attr) {
	*out = fuse.Attr{
		Ino:     n.ino,
		Mode:    n.typeBits() | n.mode,
		Nlink:   uint32(n.nlink),
		Owner:   fuse.Owner{Uid: n.uid, Gid: n.gid},
		Blksize: pageSize,
	}
	switch n.kind {
	case kindFile:
		if n.data != nil {
			out.Size = uint64(n.data.size)
		}
	case kindDir:
		out.Size = pageSize
		out.Nlink = 2
		for _, c := range n.entries {
			if c.kind == kindDir {
				out.Nlink++
			}
		}
	case kindSymlink:
		out.Size = uint64(len(n.target))
	}
	out.Blocks = (out.Size + 511) / 512
	out.SetTimes(&n.atime, &n.mtime, &n.ctime)
}
