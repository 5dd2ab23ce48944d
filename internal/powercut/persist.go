//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// syncFile makes a file's data and size durable, and with a full fsync
// its mode too. Its name is another matter: that is its directory's.
func (fs *FS) syncFile(n *inode, datasync bool) error {
	kind := "fsync"
	if datasync {
		kind = "fdatasync"
	}
	fs.log.add(kind, n.path(), "", Durable)
	if n.kind != kindFile || n.data == nil {
		return nil
	}
	if err := n.data.sync(); err != nil {
		return err
	}
	if datasync {
		n.settle(Durable, "write", "truncate", "fallocate")
		return nil
	}
	if n.mode != n.dmode {
		if err := n.data.back.Chmod(os.FileMode(n.mode & 0o777)); err != nil {
			return fmt.Errorf("powercut: chmod backing file: %w", err)
		}
		n.dmode = n.mode
	}
	n.settle(Durable)
	return nil
}

// syncDir makes durable the namespace operations queued on d that are
// ready, and d's mode.
func (fs *FS) syncDir(d *inode) error {
	fs.log.add("fsyncdir", d.path(), "", Durable)
	for _, op := range d.queue {
		op.markSynced(d)
	}
	if d.mode != d.dmode {
		d.dmode = d.mode
		if fs.onDisk(d) {
			if err := os.Chmod(fs.diskPath(d), os.FileMode(d.mode&0o777)); err != nil {
				return fmt.Errorf("powercut: chmod backing directory: %w", err)
			}
		}
	}
	d.settle(Durable)
	return fs.drain()
}

// drain applies every ready operation, until none is.
func (fs *FS) drain() error {
	for progress := true; progress; {
		progress = false
		for d := range fs.queued {
			if len(d.queue) == 0 || !d.queue[0].ready() {
				continue
			}
			op := d.queue[0]
			for _, x := range op.dirs {
				x.queue = x.queue[1:]
				if len(x.queue) == 0 {
					delete(fs.queued, x)
				}
			}
			if err := fs.apply(op); err != nil {
				return err
			}
			progress = true
		}
	}
	return nil
}

// apply makes op durable: in the durable namespace and, where that is
// reachable from the root, in the backing directory.
func (fs *FS) apply(op *nsOp) error {
	op.log.State = Durable
	var err error
	switch op.kind {
	case nsCreate:
		err = fs.dlink(op.dir, op.name, op.node)
	case nsRemove:
		err = fs.dunlink(op.dir, op.name)
	case nsRename:
		err = fs.drename(op.dir, op.name, op.newDir, op.newName)
	}
	if op.node != nil {
		op.node.refs--
		fs.release(op.node)
	}
	return err
}

// onDisk says whether directory d is reachable from the root in the
// durable namespace, so that it exists in the backing directory.
func (fs *FS) onDisk(d *inode) bool {
	for ; d != fs.root; d = d.parent {
		if !d.dlive {
			return false
		}
	}
	return true
}

// diskPath is where a directory that is on disk is in the backing one.
func (fs *FS) diskPath(d *inode) string {
	if d == fs.root {
		return fs.backing
	}
	return filepath.Join(fs.diskPath(d.parent), d.dname)
}

// dlink names n durably as d/name.
func (fs *FS) dlink(d *inode, name string, n *inode) error {
	if err := fs.dunlink(d, name); err != nil {
		return err
	}
	d.dents[name] = n
	if n.kind == kindDir {
		n.dlive, n.dname = true, name
	} else {
		n.dlinks++
	}
	if !fs.onDisk(d) {
		return nil
	}
	return fs.materialize(filepath.Join(fs.diskPath(d), name), n)
}

// dunlink removes the durable name d/name, if there is one.
func (fs *FS) dunlink(d *inode, name string) error {
	n := d.dents[name]
	if n == nil {
		return nil
	}
	var err error
	if fs.onDisk(d) {
		err = os.RemoveAll(filepath.Join(fs.diskPath(d), name))
	}
	delete(d.dents, name)
	if n.kind == kindDir {
		n.dlive = false
	} else {
		n.dlinks--
		fs.release(n)
	}
	if err != nil {
		return fmt.Errorf("powercut: remove from backing directory: %w", err)
	}
	return nil
}

// drename moves the durable name d/name to nd/newName.
func (fs *FS) drename(d *inode, name string, nd *inode, newName string) error {
	n := d.dents[name]
	if n == nil {
		return fmt.Errorf("powercut: rename %s: no durable name %q", d.path(), name)
	}
	if !fs.onDisk(d) || !fs.onDisk(nd) {
		// One side is not on disk (a directory moves only within its
		// parent, so n is a file or a symlink): a removal and a link.
		n.refs++ // keeps n while it has no name
		defer func() { n.refs-- }()
		if err := fs.dunlink(d, name); err != nil {
			return err
		}
		return fs.dlink(nd, newName, n)
	}
	from, to := filepath.Join(fs.diskPath(d), name), filepath.Join(fs.diskPath(nd), newName)
	if old := nd.dents[newName]; old != nil && old.kind == kindDir {
		// rename(2) replaces only an empty directory; this one may still
		// hold durable entries whose removal was never synced.
		if err := fs.dunlink(nd, newName); err != nil {
			return err
		}
	}
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("powercut: rename in backing directory: %w", err)
	}
	if old := nd.dents[newName]; old != nil {
		old.dlinks--
		fs.release(old)
	}
	delete(d.dents, name)
	nd.dents[newName] = n
	if n.kind == kindDir {
		n.dname = newName
	}
	return nil
}

// materialize puts n at p in the backing directory, with its durable
// entries if it is a directory.
func (fs *FS) materialize(p string, n *inode) error {
	switch n.kind {
	case kindFile:
		return fs.linkFile(n, p)
	case kindSymlink:
		if err := os.Symlink(n.target, p); err != nil {
			return fmt.Errorf("powercut: symlink in backing directory: %w", err)
		}
		return nil
	}
	if err := os.Mkdir(p, 0o700); err != nil {
		return fmt.Errorf("powercut: mkdir in backing directory: %w", err)
	}
	if err := os.Chmod(p, os.FileMode(n.dmode&0o777)); err != nil {
		return fmt.Errorf("powercut: chmod backing directory: %w", err)
	}
	for name, c := range n.dents {
		if err := fs.materialize(filepath.Join(p, name), c); err != nil {
			return err
		}
	}
	return nil
}

// linkFile gives the backing inode of file n the name p. An inode that
// lost its last name can take no new one (only an anonymous one can): its
// durable content moves to a fresh anonymous inode first.
func (fs *FS) linkFile(n *inode, p string) error {
	if n.data == nil {
		return fmt.Errorf("powercut: link %s: the file is gone", p)
	}
	err := fs.linkat(n.data.back, p)
	if errors.Is(err, unix.ENOENT) {
		f, terr := fs.tmpfile(n.dmode)
		if terr != nil {
			return terr
		}
		if _, err := io.Copy(f, io.NewSectionReader(n.data.back, 0, n.data.dsize)); err != nil {
			f.Close()
			return fmt.Errorf("powercut: copy backing file: %w", err)
		}
		n.data.back.Close()
		n.data.back = f
		err = fs.linkat(f, p)
	}
	if err != nil {
		return fmt.Errorf("powercut: link in backing directory: %w", err)
	}
	return nil
}

func (fs *FS) linkat(f *os.File, p string) error {
	return unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", f.Fd()), unix.AT_FDCWD, p, unix.AT_SYMLINK_FOLLOW)
}
