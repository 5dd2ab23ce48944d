//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"fmt"
	"sort"
	"strings"
)

// State is how far an operation got.
type State uint8

const (
	// Pending: done in the page cache, not yet durable.
	Pending State = iota
	// Durable: an fsync made it durable; it survives a cut.
	Durable
	// Dropped: not durable when the power was cut, or its file was
	// deleted before it was synced.
	Dropped
)

func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case Durable:
		return "durable"
	case Dropped:
		return "dropped"
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Op is one operation in the log: what a failure report shows.
type Op struct {
	Seq    uint64
	Kind   string // create, mkdir, symlink, link, unlink, rmdir, rename, write, truncate, chmod, fsync, fdatasync, fsyncdir
	Path   string // in the mount, as it was named when the operation was made
	Detail string // offsets and lengths, the new name of a rename
	State  State
}

func (o Op) String() string {
	s := fmt.Sprintf("#%d %s %s", o.Seq, o.Kind, o.Path)
	if o.Detail != "" {
		s += " " + o.Detail
	}
	return s + " (" + o.State.String() + ")"
}

// opLog keeps the newest operations, for the failure report; the pending
// ones stay referenced from their inodes and directories until they are
// durable or dropped, whether or not the ring still holds them.
type opLog struct {
	seq  uint64
	ring []*Op
	next int
}

const logSize = 4096

func (l *opLog) add(kind, path, detail string, st State) *Op {
	l.seq++
	op := &Op{Seq: l.seq, Kind: kind, Path: path, Detail: detail, State: st}
	if len(l.ring) < logSize {
		l.ring = append(l.ring, op)
	} else {
		l.ring[l.next] = op
		l.next = (l.next + 1) % logSize
	}
	return op
}

// recent returns copies of the last n operations, oldest first.
func (l *opLog) recent(n int) []Op {
	all := make([]Op, 0, len(l.ring))
	for i := range l.ring {
		all = append(all, *l.ring[(l.next+i)%len(l.ring)])
	}
	if len(all) > n {
		all = all[len(all)-n:]
	}
	return all
}

// sortOps orders operations by sequence number.
func sortOps(ops []Op) {
	sort.Slice(ops, func(i, j int) bool { return ops[i].Seq < ops[j].Seq })
}

// formatOps prints one operation a line, indented.
func formatOps(ops []Op) string {
	var b strings.Builder
	for _, o := range ops {
		b.WriteString("  ")
		b.WriteString(o.String())
		b.WriteByte('\n')
	}
	return b.String()
}
