//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"syscall"
	"time"
)

// Tear asks a cut to leave on disk a prefix of the last unsynced write of
// one file, ending at a block boundary, as a write that the power cut
// interrupted would: sectors (512 bytes) or pages (4096) reach the disk
// whole or not at all, in order.
type Tear struct {
	Block int    // 512 or 4096; 0 tears nothing
	Path  string // a file in the mount; "" is the file written last
	// Pick chooses one of n possible prefixes, from none of the write
	// (0) to the longest short of all of it (n-1): rand.IntN, say. Nil
	// picks the longest.
	Pick func(n int) int
}

// CutReport says what a cut dropped: the failure report of a power-cut
// test prints it.
type CutReport struct {
	Dropped      []Op   // the newest of the operations the cut dropped, oldest first
	DroppedTotal int    // all of them
	Torn         string // the write torn, if any
	Recent       []Op   // the last operations before the cut, whatever became of them
}

// maxReported bounds the operations a report lists.
const maxReported = 200

func (r *CutReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d operations dropped", r.DroppedTotal)
	if len(r.Dropped) < r.DroppedTotal {
		fmt.Fprintf(&b, " (the last %d listed)", len(r.Dropped))
	}
	b.WriteString(":\n")
	b.WriteString(formatOps(r.Dropped))
	if r.Torn != "" {
		b.WriteString("torn: " + r.Torn + "\n")
	}
	fmt.Fprintf(&b, "the last %d operations before the cut:\n", len(r.Recent))
	b.WriteString(formatOps(r.Recent))
	return b.String()
}

// ErrBusy says the mount was cut and detached, but something in this
// process still holds a file on it: the server stops when that is closed.
var ErrBusy = errors.New("powercut: the cut mount is still in use")

// Cut ends the mount as a power cut would: every operation not yet
// durable is dropped, the last unsynced write of a file is torn if asked,
// and the mount is detached. From the moment Cut takes the file system,
// every request fails with EIO. The backing directory then holds what a
// power cut would have left; Mount it again to go on.
//
// A process that still uses the mount should be killed first, as the
// power cut kills everything: its later requests fail anyway.
func (fs *FS) Cut(opts CutOptions) (*CutReport, error) {
	rep, err := fs.drop(opts)
	if rep == nil {
		return nil, err
	}
	if uerr := syscall.Unmount(fs.mountpoint, syscall.MNT_DETACH); uerr != nil {
		return rep, errors.Join(err, fmt.Errorf("powercut: unmount %s: %w", fs.mountpoint, uerr))
	}
	select {
	case <-fs.served:
	case <-time.After(2 * time.Second):
		err = errors.Join(err, ErrBusy)
	}
	return rep, err
}

// drop does the cut's work on the file system, under its lock.
func (fs *FS) drop(opts CutOptions) (*CutReport, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.cut {
		return nil, errors.New("powercut: already cut")
	}
	fs.cut = true
	defer fs.closeBacking()
	rep := &CutReport{}
	torn, err := fs.tear(opts.Tear)
	rep.Torn = torn
	var dropped []Op
	for d := range fs.queued {
		for _, op := range d.queue {
			if op.log.State == Pending {
				op.log.State = Dropped
				dropped = append(dropped, *op.log)
			}
		}
	}
	for _, n := range fs.nodes {
		for _, op := range n.pendingOps {
			op.State = Dropped
			dropped = append(dropped, *op)
		}
		rep.DroppedTotal += n.moreOps
	}
	sortOps(dropped)
	rep.DroppedTotal += len(dropped)
	rep.Dropped = dropped[max(0, len(dropped)-maxReported):]
	rep.Recent = fs.log.recent(64)
	return rep, errors.Join(err, fs.fault)
}

// CutOptions shape a cut.
type CutOptions struct {
	Tear Tear
}

// tear puts the chosen prefix of a file's last unsynced write on disk.
func (fs *FS) tear(t Tear) (string, error) {
	if t.Block == 0 {
		return "", nil
	}
	if t.Block < 0 || t.Block&(t.Block-1) != 0 {
		return "", fmt.Errorf("powercut: tear: block %d is not a power of two", t.Block)
	}
	var n *inode
	if t.Path != "" {
		n = fs.resolve(t.Path)
		if n == nil || n.kind != kindFile || n.data == nil {
			return "", fmt.Errorf("powercut: tear: no file %s", t.Path)
		}
	} else {
		for _, c := range fs.nodes {
			if c.data != nil && c.data.last != nil && (n == nil || c.data.last.seq > n.data.last.seq) {
				n = c
			}
		}
	}
	if n == nil || n.data.last == nil {
		return "", nil
	}
	points := n.data.tearPoints(int64(t.Block))
	i := len(points) - 1
	if t.Pick != nil {
		i = t.Pick(len(points))
	}
	if i < 0 || i >= len(points) {
		return "", fmt.Errorf("powercut: tear: Pick chose %d of %d prefixes", i, len(points))
	}
	keep := points[i]
	w := n.data.last
	if err := n.data.tear(keep); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: write #%d at %d of %d bytes: %d bytes reached the disk (%d-byte blocks)",
		n.path(), w.seq, w.off, len(w.data), keep, t.Block), nil
}

// resolve finds the inode at a path in the mount.
func (fs *FS) resolve(p string) *inode {
	n := fs.root
	for _, part := range strings.Split(strings.Trim(path.Clean("/"+p), "/"), "/") {
		if part == "" {
			continue
		}
		if n.kind != kindDir {
			return nil
		}
		if n = n.entries[part]; n == nil {
			return nil
		}
	}
	return n
}
