//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

type nsKind uint8

const (
	nsCreate nsKind = iota + 1 // create, mkdir, symlink, link
	nsRemove                   // unlink, rmdir
	nsRename
)

// nsOp is a namespace operation done in the dentry cache and not yet
// durable. It becomes durable once every directory it changes has been
// fsync'd after it (both, for a rename between two directories), and
// after every earlier operation on those directories.
type nsOp struct {
	kind    nsKind
	dir     *inode
	name    string
	newDir  *inode // rename
	newName string // rename
	node    *inode // created, linked or moved; nil for a removal
	dirs    []*inode
	synced  []bool
	log     *Op
}

func (fs *FS) enqueue(op *nsOp) {
	op.dirs = []*inode{op.dir}
	if op.newDir != nil && op.newDir != op.dir {
		op.dirs = append(op.dirs, op.newDir)
	}
	op.synced = make([]bool, len(op.dirs))
	for _, d := range op.dirs {
		d.queue = append(d.queue, op)
		fs.queued[d] = struct{}{}
	}
	if op.node != nil {
		op.node.refs++
	}
}

// ready says whether op is synced by all its directories and first in
// each of their queues.
func (op *nsOp) ready() bool {
	for i, d := range op.dirs {
		if !op.synced[i] || d.queue[0] != op {
			return false
		}
	}
	return true
}

func (op *nsOp) markSynced(d *inode) {
	for i, x := range op.dirs {
		if x == d {
			op.synced[i] = true
		}
	}
}

// tmpfile makes an anonymous backing inode for a new file: until a
// directory fsync names it, a cut lets it vanish.
func (fs *FS) tmpfile(mode uint32) (*os.File, error) {
	fd, err := unix.Open(fs.backing, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("powercut: anonymous backing file in %s: %w", fs.backing, err)
	}
	f := os.NewFile(uintptr(fd), "anonymous")
	if err := f.Chmod(os.FileMode(mode & 0o777)); err != nil {
		f.Close()
		return nil, fmt.Errorf("powercut: anonymous backing file: %w", err)
	}
	return f, nil
}

// add names a new inode n in d, in the dentry cache, and queues the name
// for d's next fsync.
func (fs *FS) add(d *inode, name string, n *inode, kind, detail string) {
	d.entries[name] = n
	n.nlink++
	if n.parent == nil || n.nlink == 1 {
		n.parent, n.name = d, name
	}
	d.mtime, d.ctime = time.Now(), time.Now()
	fs.enqueue(&nsOp{kind: nsCreate, dir: d, name: name, node: n,
		log: fs.log.add(kind, fs.childPath(d, name), detail, Pending)})
}

func (fs *FS) childPath(d *inode, name string) string {
	p := d.path()
	if p == "/" {
		return "/" + name
	}
	return p + "/" + name
}

// mknode makes a file, directory or symlink named name in d.
func (fs *FS) mknode(d *inode, name string, k kind, mode, uid, gid uint32, target string) (*inode, syscall.Errno) {
	if d.entries[name] != nil {
		return nil, syscall.EEXIST
	}
	n := fs.newInode(k, mode, d, name)
	n.uid, n.gid = uid, gid
	kindName := map[kind]string{kindFile: "create", kindDir: "mkdir", kindSymlink: "symlink"}[k]
	detail := ""
	switch k {
	case kindFile:
		back, err := fs.tmpfile(mode)
		if err != nil {
			fs.fail(err)
			delete(fs.nodes, n.ino)
			return nil, syscall.EIO
		}
		n.data = newPages(back, 0)
	case kindSymlink:
		n.target = target
		detail = "-> " + target
	}
	fs.add(d, name, n, kindName, detail)
	return n, 0
}

// link names the file n in d as well.
func (fs *FS) link(d *inode, name string, n *inode) syscall.Errno {
	switch {
	case n.kind == kindDir:
		return syscall.EPERM
	case d.entries[name] != nil:
		return syscall.EEXIST
	case n.nlink == 0:
		return syscall.ENOENT
	}
	n.ctime = time.Now()
	fs.add(d, name, n, "link", "to "+n.path())
	return 0
}

// remove unlinks name from d (rmdir when dir is set).
func (fs *FS) remove(d *inode, name string, dir bool) syscall.Errno {
	n := d.entries[name]
	switch {
	case n == nil:
		return syscall.ENOENT
	case dir && n.kind != kindDir:
		return syscall.ENOTDIR
	case !dir && n.kind == kindDir:
		return syscall.EISDIR
	case dir && len(n.entries) > 0:
		return syscall.ENOTEMPTY
	}
	kind := "unlink"
	if dir {
		kind = "rmdir"
	}
	op := &nsOp{kind: nsRemove, dir: d, name: name, log: fs.log.add(kind, fs.childPath(d, name), "", Pending)}
	fs.unname(d, name)
	fs.enqueue(op)
	return 0
}

// unname drops the volatile name d/name.
func (fs *FS) unname(d *inode, name string) {
	n := d.entries[name]
	delete(d.entries, name)
	n.nlink--
	n.ctime = time.Now()
	d.mtime, d.ctime = time.Now(), time.Now()
	if n.kind != kindDir && n.parent == d && n.name == name {
		n.parent = nil
	}
	fs.release(n)
}

const (
	renameNoReplace = 1 << 0 // RENAME_NOREPLACE
)

// rename moves d/name to nd/newName. A directory moves only within its
// parent: EXDEV otherwise, which callers such as mv handle by copying.
func (fs *FS) rename(d *inode, name string, nd *inode, newName string, flags uint32) syscall.Errno {
	if flags&^renameNoReplace != 0 {
		return syscall.EINVAL // RENAME_EXCHANGE and RENAME_WHITEOUT are not modelled
	}
	n := d.entries[name]
	if n == nil {
		return syscall.ENOENT
	}
	if n.kind == kindDir && d != nd {
		return syscall.EXDEV
	}
	old := nd.entries[newName]
	switch {
	case old == n:
		return 0 // the same file under both names: nothing happens
	case old != nil && flags&renameNoReplace != 0:
		return syscall.EEXIST
	case old != nil && n.kind == kindDir && old.kind != kindDir:
		return syscall.ENOTDIR
	case old != nil && n.kind != kindDir && old.kind == kindDir:
		return syscall.EISDIR
	case old != nil && old.kind == kindDir && len(old.entries) > 0:
		return syscall.ENOTEMPTY
	}
	op := &nsOp{kind: nsRename, dir: d, name: name, newDir: nd, newName: newName, node: n,
		log: fs.log.add("rename", fs.childPath(d, name), "to "+fs.childPath(nd, newName), Pending)}
	if old != nil {
		fs.unname(nd, newName)
	}
	delete(d.entries, name)
	nd.entries[newName] = n
	if n.kind == kindDir || (n.parent == d && n.name == name) {
		n.parent, n.name = nd, newName
	}
	now := time.Now()
	n.ctime, d.mtime, d.ctime, nd.mtime, nd.ctime = now, now, now, now, now
	fs.enqueue(op)
	return 0
}

// fail records the first internal error: a cut reports it.
func (fs *FS) fail(err error) {
	if fs.fault == nil {
		fs.fault = err
	}
}
