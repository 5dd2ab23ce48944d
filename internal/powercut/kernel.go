//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"fmt"
	"sort"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// kernel answers the kernel's FUSE requests. Every request holds fs.mu
// from start to end, so each is atomic with respect to a cut: after Cut
// every request fails with EIO. Requests not implemented here get ENOSYS
// from the default file system.
type kernel struct {
	fuse.RawFileSystem
	fs *FS
}

func (k *kernel) String() string { return "powercut" }

// enter locks the file system; it returns false once it has been cut.
func (fs *FS) enter() bool {
	fs.mu.Lock()
	return !fs.cut
}

func (fs *FS) node(id uint64) (*inode, fuse.Status) {
	n := fs.nodes[id]
	if n == nil {
		return nil, fuse.Status(syscall.ESTALE)
	}
	return n, fuse.OK
}

func (fs *FS) dir(id uint64) (*inode, fuse.Status) {
	n, st := fs.node(id)
	if st == fuse.OK && n.kind != kindDir {
		return nil, fuse.ENOTDIR
	}
	return n, st
}

// file returns a file that still has content.
func (fs *FS) file(id uint64) (*inode, fuse.Status) {
	n, st := fs.node(id)
	switch {
	case st != fuse.OK:
		return nil, st
	case n.kind == kindDir:
		return nil, fuse.Status(syscall.EISDIR)
	case n.kind != kindFile:
		return nil, fuse.EINVAL
	case n.data == nil:
		return nil, fuse.Status(syscall.ESTALE)
	}
	return n, fuse.OK
}

func entryOut(n *inode, out *fuse.EntryOut) {
	out.NodeId = n.ino
	n.attr(&out.Attr)
	out.SetEntryTimeout(cacheTTL)
	out.SetAttrTimeout(cacheTTL)
}

func errnoStatus(e syscall.Errno) fuse.Status { return fuse.Status(e) }

// ioStatus records an internal error and answers EIO.
func (fs *FS) ioStatus(err error) fuse.Status {
	fs.fail(err)
	return fuse.EIO
}

func (k *kernel) Lookup(_ <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	d, st := fs.dir(h.NodeId)
	if st != fuse.OK {
		return st
	}
	n := d.entries[name]
	if n == nil {
		return fuse.ENOENT
	}
	entryOut(n, out)
	return fuse.OK
}

func (k *kernel) GetAttr(_ <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	n, st := fs.node(in.NodeId)
	if st != fuse.OK {
		return st
	}
	n.attr(&out.Attr)
	out.SetTimeout(cacheTTL)
	return fuse.OK
}

func (k *kernel) SetAttr(_ <-chan struct{}, in *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	n, st := fs.node(in.NodeId)
	if st != fuse.OK {
		return st
	}
	now := time.Now()
	if in.Valid&fuse.FATTR_SIZE != 0 {
		if n, st = fs.file(in.NodeId); st != fuse.OK {
			return st
		}
		if err := n.data.truncate(int64(in.Size)); err != nil {
			return fs.ioStatus(err)
		}
		n.addPending(fs.log.add("truncate", n.path(), fmt.Sprintf("size=%d", in.Size), Pending))
		n.mtime, n.ctime = now, now
	}
	if in.Valid&fuse.FATTR_MODE != 0 && n.kind != kindSymlink {
		n.mode = in.Mode & 0o7777
		n.ctime = now
		n.addPending(fs.log.add("chmod", n.path(), fmt.Sprintf("mode=%o", n.mode), Pending))
	}
	// Owners and times are kept in memory only: they are not modelled.
	if in.Valid&fuse.FATTR_UID != 0 {
		n.uid = in.Uid
	}
	if in.Valid&fuse.FATTR_GID != 0 {
		n.gid = in.Gid
	}
	switch {
	case in.Valid&fuse.FATTR_ATIME_NOW != 0:
		n.atime = now
	case in.Valid&fuse.FATTR_ATIME != 0:
		n.atime = time.Unix(int64(in.Atime), int64(in.Atimensec))
	}
	switch {
	case in.Valid&fuse.FATTR_MTIME_NOW != 0:
		n.mtime = now
	case in.Valid&fuse.FATTR_MTIME != 0:
		n.mtime = time.Unix(int64(in.Mtime), int64(in.Mtimensec))
	}
	n.attr(&out.Attr)
	out.SetTimeout(cacheTTL)
	return fuse.OK
}

func (k *kernel) Mknod(_ <-chan struct{}, in *fuse.MknodIn, name string, out *fuse.EntryOut) fuse.Status {
	if in.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return fuse.EPERM // devices, FIFOs and sockets are not modelled
	}
	return k.make(in.NodeId, name, kindFile, in.Mode, in.Owner, "", out)
}

func (k *kernel) Mkdir(_ <-chan struct{}, in *fuse.MkdirIn, name string, out *fuse.EntryOut) fuse.Status {
	return k.make(in.NodeId, name, kindDir, in.Mode, in.Owner, "", out)
}

func (k *kernel) Symlink(_ <-chan struct{}, h *fuse.InHeader, target, name string, out *fuse.EntryOut) fuse.Status {
	return k.make(h.NodeId, name, kindSymlink, 0o777, h.Owner, target, out)
}

func (k *kernel) make(parent uint64, name string, kd kind, mode uint32, owner fuse.Owner, target string, out *fuse.EntryOut) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	d, st := fs.dir(parent)
	if st != fuse.OK {
		return st
	}
	n, e := fs.mknode(d, name, kd, mode, owner.Uid, owner.Gid, target)
	if e != 0 {
		return errnoStatus(e)
	}
	entryOut(n, out)
	return fuse.OK
}

func (k *kernel) Create(_ <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	d, st := fs.dir(in.NodeId)
	if st != fuse.OK {
		return st
	}
	n, e := fs.mknode(d, name, kindFile, in.Mode, in.Uid, in.Gid, "")
	if e != 0 {
		return errnoStatus(e)
	}
	entryOut(n, &out.EntryOut)
	out.Fh = fs.open(n, in.Flags)
	return fuse.OK
}

func (k *kernel) Readlink(_ <-chan struct{}, h *fuse.InHeader) ([]byte, fuse.Status) {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return nil, fuse.EIO
	}
	n, st := fs.node(h.NodeId)
	if st != fuse.OK {
		return nil, st
	}
	if n.kind != kindSymlink {
		return nil, fuse.EINVAL
	}
	return []byte(n.target), fuse.OK
}

func (k *kernel) Link(_ <-chan struct{}, in *fuse.LinkIn, name string, out *fuse.EntryOut) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	d, st := fs.dir(in.NodeId)
	if st != fuse.OK {
		return st
	}
	n, st := fs.node(in.Oldnodeid)
	if st != fuse.OK {
		return st
	}
	if e := fs.link(d, name, n); e != 0 {
		return errnoStatus(e)
	}
	entryOut(n, out)
	return fuse.OK
}

func (k *kernel) Unlink(_ <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	return k.remove(h.NodeId, name, false)
}

func (k *kernel) Rmdir(_ <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	return k.remove(h.NodeId, name, true)
}

func (k *kernel) remove(parent uint64, name string, dir bool) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	d, st := fs.dir(parent)
	if st != fuse.OK {
		return st
	}
	return errnoStatus(fs.remove(d, name, dir))
}

func (k *kernel) Rename(_ <-chan struct{}, in *fuse.RenameIn, name, newName string) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	d, st := fs.dir(in.NodeId)
	if st != fuse.OK {
		return st
	}
	nd, st := fs.dir(in.Newdir)
	if st != fuse.OK {
		return st
	}
	return errnoStatus(fs.rename(d, name, nd, newName, in.Flags))
}

func (k *kernel) Access(_ <-chan struct{}, in *fuse.AccessIn) fuse.Status {
	return fuse.OK // permissions are not checked: the tests run as root
}

// open makes a handle for an open file.
func (fs *FS) open(n *inode, flags uint32) uint64 {
	fs.nextFh++
	fs.handles[fs.nextFh] = &handle{node: n, append: flags&syscall.O_APPEND != 0}
	n.opens++
	return fs.nextFh
}

func (k *kernel) Open(_ <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	n, st := fs.file(in.NodeId)
	if st != fuse.OK {
		return st
	}
	out.Fh = fs.open(n, in.Flags)
	return fuse.OK
}

func (k *kernel) Read(_ <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return nil, fuse.EIO
	}
	n, st := fs.file(in.NodeId)
	if st != fuse.OK {
		return nil, st
	}
	got, err := n.data.readAt(buf[:min(int(in.Size), len(buf))], int64(in.Offset))
	if err != nil {
		return nil, fs.ioStatus(err)
	}
	return fuse.ReadResultData(buf[:got]), fuse.OK
}

func (k *kernel) Write(_ <-chan struct{}, in *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return 0, fuse.EIO
	}
	n, st := fs.file(in.NodeId)
	if st != fuse.OK {
		return 0, st
	}
	off := int64(in.Offset)
	if h := fs.handles[in.Fh]; h != nil && h.append {
		off = n.data.size
	}
	if err := n.data.writeAt(data, off); err != nil {
		return 0, fs.ioStatus(err)
	}
	op := fs.log.add("write", n.path(), fmt.Sprintf("off=%d len=%d", off, len(data)), Pending)
	n.data.last.seq = op.Seq
	n.addPending(op)
	n.mtime, n.ctime = time.Now(), time.Now()
	return uint32(len(data)), fuse.OK
}

const fsyncDataOnly = 1 // FUSE_FSYNC_FDATASYNC

func (k *kernel) Fsync(_ <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	n, st := fs.node(in.NodeId)
	if st != fuse.OK {
		return st
	}
	if err := fs.syncFile(n, in.FsyncFlags&fsyncDataOnly != 0); err != nil {
		return fs.ioStatus(err)
	}
	return fuse.OK
}

func (k *kernel) Flush(_ <-chan struct{}, in *fuse.FlushIn) fuse.Status {
	return fuse.OK // close(2) syncs nothing
}

func (k *kernel) Release(_ <-chan struct{}, in *fuse.ReleaseIn) {
	k.releaseHandle(in.Fh)
}

func (k *kernel) ReleaseDir(in *fuse.ReleaseIn) {
	k.releaseHandle(in.Fh)
}

func (k *kernel) releaseHandle(fh uint64) {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return
	}
	h := fs.handles[fh]
	if h == nil {
		return
	}
	delete(fs.handles, fh)
	h.node.opens--
	fs.release(h.node)
}

// Fallocate implements the plain allocation, which may grow the file, and
// FALLOC_FL_KEEP_SIZE, which changes nothing a reader sees. Punching
// holes and the other modes answer EOPNOTSUPP.
func (k *kernel) Fallocate(_ <-chan struct{}, in *fuse.FallocateIn) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	n, st := fs.file(in.NodeId)
	if st != fuse.OK {
		return st
	}
	switch in.Mode {
	case 0:
		if end := int64(in.Offset + in.Length); end > n.data.size {
			if err := n.data.truncate(end); err != nil {
				return fs.ioStatus(err)
			}
			n.addPending(fs.log.add("fallocate", n.path(), fmt.Sprintf("size=%d", end), Pending))
		}
		return fuse.OK
	case unix.FALLOC_FL_KEEP_SIZE:
		return fuse.OK
	}
	return fuse.Status(syscall.EOPNOTSUPP)
}

func (k *kernel) OpenDir(_ <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	d, st := fs.dir(in.NodeId)
	if st != fuse.OK {
		return st
	}
	out.Fh = fs.open(d, 0)
	return fuse.OK
}

// ReadDir lists a directory as it was when read from its start.
func (k *kernel) ReadDir(_ <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	h := fs.handles[in.Fh]
	if h == nil || h.node.kind != kindDir {
		return fuse.EBADF
	}
	if in.Offset == 0 || h.listed == nil {
		h.listed = h.listed[:0]
		for name, c := range h.node.entries {
			h.listed = append(h.listed, fuse.DirEntry{Name: name, Ino: c.ino, Mode: c.typeBits()})
		}
		sort.Slice(h.listed, func(i, j int) bool { return h.listed[i].Name < h.listed[j].Name })
	}
	for i := int(in.Offset); i < len(h.listed); i++ {
		e := h.listed[i]
		e.Off = uint64(i + 1)
		if !out.AddDirEntry(e) {
			break
		}
	}
	return fuse.OK
}

func (k *kernel) FsyncDir(_ <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	fs := k.fs
	defer fs.mu.Unlock()
	if !fs.enter() {
		return fuse.EIO
	}
	d, st := fs.dir(in.NodeId)
	if st != fuse.OK {
		return st
	}
	if err := fs.syncDir(d); err != nil {
		return fs.ioStatus(err)
	}
	return fuse.OK
}

func (k *kernel) StatFs(_ <-chan struct{}, h *fuse.InHeader, out *fuse.StatfsOut) fuse.Status {
	var st unix.Statfs_t
	if err := unix.Statfs(k.fs.backing, &st); err != nil {
		return fuse.ToStatus(err)
	}
	*out = fuse.StatfsOut{Blocks: st.Blocks, Bfree: st.Bfree, Bavail: st.Bavail, Files: st.Files, Ffree: st.Ffree,
		Bsize: uint32(st.Bsize), NameLen: uint32(st.Namelen), Frsize: uint32(st.Frsize)}
	return fuse.OK
}
