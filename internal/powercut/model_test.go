//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

// The model test: random sequences of operations run on the mount and on
// an in-memory model of the POSIX rules; after each cut the backing
// directory must hold exactly the model's durable state, and before it
// the mount must show exactly the model's volatile one. Reproducible by
// seed: TIDEGATE_POWERCUT_MODEL_SEED=<seed> runs one.

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

type mNode struct {
	id      int
	dir     bool
	data    []byte // volatile
	ddata   []byte // durable
	mode    os.FileMode
	dmode   os.FileMode
	last    *lastWrite
	entries map[string]*mNode // volatile
	dents   map[string]*mNode // durable
	queue   []*mOp
}

type mOp struct {
	kind    string // create, remove, rename
	d, nd   *mNode
	name    string
	newName string
	node    *mNode
	dirs    []*mNode
	synced  []bool
}

type model struct {
	root  *mNode
	nodes int
	umask os.FileMode
}

func newModel(umask os.FileMode) *model {
	m := &model{umask: umask}
	m.root = m.node(true, 0o755)
	return m
}

func (m *model) node(dir bool, mode os.FileMode) *mNode {
	m.nodes++
	n := &mNode{id: m.nodes, dir: dir, mode: mode, dmode: mode}
	if dir {
		n.entries, n.dents = map[string]*mNode{}, map[string]*mNode{}
	}
	return n
}

func (m *model) enqueue(op *mOp) {
	op.dirs = []*mNode{op.d}
	if op.nd != nil && op.nd != op.d {
		op.dirs = append(op.dirs, op.nd)
	}
	op.synced = make([]bool, len(op.dirs))
	for _, d := range op.dirs {
		d.queue = append(d.queue, op)
	}
}

// lookup returns the volatile node at p and its parent.
func (m *model) lookup(p string) (parent, n *mNode) {
	n = m.root
	for _, part := range strings.Split(strings.Trim(p, "/"), "/") {
		if part == "" {
			continue
		}
		if n == nil || !n.dir {
			return nil, nil
		}
		parent, n = n, n.entries[part]
	}
	return parent, n
}

func (m *model) write(n *mNode, b []byte, off int64) {
	if end := off + int64(len(b)); end > int64(len(n.data)) {
		n.data = append(n.data, make([]byte, end-int64(len(n.data)))...)
	}
	copy(n.data[off:], b)
	if l := n.last; l != nil && l.off+int64(len(l.data)) == off && len(l.data)+len(b) <= maxLastWrite {
		l.data = append(l.data, b...)
	} else {
		n.last = &lastWrite{off: off, data: append([]byte(nil), b...)}
	}
}

func (m *model) truncate(n *mNode, size int64) {
	if size <= int64(len(n.data)) {
		n.data = n.data[:size]
	} else {
		n.data = append(n.data, make([]byte, size-int64(len(n.data)))...)
	}
}

func (m *model) fsync(n *mNode, datasync bool) {
	n.ddata = append([]byte(nil), n.data...)
	n.last = nil
	if !datasync {
		n.dmode = n.mode
	}
}

func (m *model) fsyncDir(d *mNode) {
	for _, op := range d.queue {
		for i, x := range op.dirs {
			if x == d {
				op.synced[i] = true
			}
		}
	}
	for progress := true; progress; {
		progress = false
		for _, x := range m.dirs(m.root) {
			if len(x.queue) == 0 {
				continue
			}
			op := x.queue[0]
			ready := true
			for i, y := range op.dirs {
				ready = ready && op.synced[i] && y.queue[0] == op
			}
			if !ready {
				continue
			}
			for _, y := range op.dirs {
				y.queue = y.queue[1:]
			}
			switch op.kind {
			case "create":
				op.d.dents[op.name] = op.node
			case "remove":
				delete(op.d.dents, op.name)
			case "rename":
				op.nd.dents[op.newName] = op.d.dents[op.name]
				delete(op.d.dents, op.name)
			}
			progress = true
		}
	}
}

// dirs lists every directory reachable from d by volatile or durable
// entries, and those removed but still queued.
func (m *model) dirs(d *mNode) []*mNode {
	seen := map[*mNode]bool{}
	var walk func(*mNode)
	walk = func(x *mNode) {
		if seen[x] {
			return
		}
		seen[x] = true
		for _, c := range x.entries {
			if c.dir {
				walk(c)
			}
		}
		for _, c := range x.dents {
			if c.dir {
				walk(c)
			}
		}
		for _, op := range x.queue {
			for _, y := range op.dirs {
				walk(y)
			}
			if op.node != nil && op.node.dir {
				walk(op.node)
			}
		}
	}
	walk(d)
	out := make([]*mNode, 0, len(seen))
	for x := range seen {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// cut makes the durable state the only state.
func (m *model) cut() {
	for _, d := range m.dirs(m.root) {
		d.queue = nil
	}
	var reset func(d *mNode)
	reset = func(d *mNode) {
		d.entries = map[string]*mNode{}
		for name, c := range d.dents {
			d.entries[name] = c
			if c.dir {
				reset(c)
			} else {
				c.data = append([]byte(nil), c.ddata...)
				c.mode = c.dmode
				c.last = nil
			}
		}
	}
	reset(m.root)
}

// entry is one path of a tree as the tests compare them.
type entry struct {
	dir     bool
	mode    os.FileMode
	content string
	group   int // hard links share it
}

// tree flattens the model's volatile or durable namespace.
func (m *model) tree(durable bool) map[string]entry {
	out := map[string]entry{}
	var walk func(d *mNode, p string)
	walk = func(d *mNode, p string) {
		ents := d.entries
		if durable {
			ents = d.dents
		}
		for name, c := range ents {
			cp := path.Join(p, name)
			if c.dir {
				out[cp] = entry{dir: true}
				walk(c, cp)
				continue
			}
			e := entry{mode: c.mode, content: string(c.data), group: c.id}
			if durable {
				e.mode, e.content = c.dmode, string(c.ddata)
			}
			out[cp] = e
		}
	}
	walk(m.root, "/")
	return out
}

// diskTree flattens a real directory; hard links share a group.
func diskTree(t *testing.T, root string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	groups := map[uint64]int{}
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		rel := "/" + strings.TrimPrefix(p, root+"/")
		if fi.IsDir() {
			out[rel] = entry{dir: true}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		ino := fi.Sys().(*syscall.Stat_t).Ino
		if _, ok := groups[ino]; !ok {
			groups[ino] = len(groups) + 1
		}
		out[rel] = entry{mode: fi.Mode().Perm(), content: string(b), group: groups[ino]}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameTree compares two flattened trees, hard-link groups as partitions.
func sameTree(got, want map[string]entry) error {
	var diffs []string
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			diffs = append(diffs, p+": missing")
		case g.dir != w.dir:
			diffs = append(diffs, fmt.Sprintf("%s: directory %v, want %v", p, g.dir, w.dir))
		case g.mode != w.mode:
			diffs = append(diffs, fmt.Sprintf("%s: mode %v, want %v", p, g.mode, w.mode))
		case g.content != w.content:
			diffs = append(diffs, fmt.Sprintf("%s: %d bytes %.40q, want %d bytes %.40q", p, len(g.content), g.content, len(w.content), w.content))
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, p+": should not exist")
		}
	}
	for p, w := range want {
		for q, v := range want {
			if w.dir || v.dir || p >= q {
				continue
			}
			if (w.group == v.group) != (got[p].group == got[q].group) {
				diffs = append(diffs, fmt.Sprintf("%s and %s: hard-linked %v, want %v", p, q, got[p].group == got[q].group, w.group == v.group))
			}
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		return errors.New(strings.Join(diffs, "\n"))
	}
	return nil
}

// modelRun runs rounds of random operations, each ended by a cut.
type modelRun struct {
	t     *testing.T
	rng   *rand.Rand
	m     *model
	mnt   string
	trace []string
}

var modelNames = []string{"a", "b", "c"}

func (r *modelRun) fail(format string, args ...any) {
	r.t.Helper()
	tail := r.trace[max(0, len(r.trace)-40):]
	r.t.Fatalf("%s\nthe last operations:\n  %s", fmt.Sprintf(format, args...), strings.Join(tail, "\n  "))
}

func (r *modelRun) do(desc string, err error) {
	r.t.Helper()
	r.trace = append(r.trace, desc)
	if err != nil {
		r.fail("%s: %v", desc, err)
	}
}

// paths lists the model's volatile files and directories.
func (r *modelRun) paths() (files, dirs []string) {
	dirs = []string{"/"}
	for p, e := range r.m.tree(false) {
		if e.dir {
			dirs = append(dirs, p)
		} else {
			files = append(files, p)
		}
	}
	sort.Strings(files)
	sort.Strings(dirs)
	return files, dirs
}

// freeName picks a name in a random directory, used or not.
func (r *modelRun) anyName(dirs []string) string {
	d := dirs[r.rng.IntN(len(dirs))]
	return path.Join(d, modelNames[r.rng.IntN(len(modelNames))])
}

func (r *modelRun) real(p string) string { return filepath.Join(r.mnt, p) }

func openSync(p string, datasync bool) error {
	f, err := os.OpenFile(p, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if datasync {
		return unix.Fdatasync(int(f.Fd()))
	}
	return f.Sync()
}

// step runs one random operation.
func (r *modelRun) step() {
	m, rng := r.m, r.rng
	files, dirs := r.paths()
	switch k := rng.IntN(100); {
	case k < 12: // create
		p := r.anyName(dirs)
		if parent, n := m.lookup(p); n == nil {
			f, err := os.OpenFile(r.real(p), os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o666)
			if err == nil {
				err = f.Close()
			}
			r.do("create "+p, err)
			c := m.node(false, 0o666&^m.umask)
			parent.entries[path.Base(p)] = c
			m.enqueue(&mOp{kind: "create", d: parent, name: path.Base(p), node: c})
		}
	case k < 35 && len(files) > 0: // write
		p := files[rng.IntN(len(files))]
		_, n := m.lookup(p)
		b := make([]byte, 1+rng.IntN(3*pageSize))
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		f, err := os.OpenFile(r.real(p), os.O_RDWR, 0)
		if err != nil {
			r.do("open "+p, err)
		}
		off := rng.Int64N(int64(len(n.data)) + 2*pageSize)
		if rng.IntN(4) == 0 {
			off = int64(len(n.data)) // appends join the last write
		}
		_, err = f.WriteAt(b, off)
		f.Close()
		r.do(fmt.Sprintf("write %s off=%d len=%d", p, off, len(b)), err)
		m.write(n, b, off)
	case k < 42 && len(files) > 0: // truncate
		p := files[rng.IntN(len(files))]
		_, n := m.lookup(p)
		size := rng.Int64N(int64(len(n.data)) + pageSize + 1)
		r.do(fmt.Sprintf("truncate %s %d", p, size), os.Truncate(r.real(p), size))
		m.truncate(n, size)
	case k < 52 && len(files) > 0: // fsync, fdatasync
		p := files[rng.IntN(len(files))]
		_, n := m.lookup(p)
		datasync := rng.IntN(2) == 0
		r.do(fmt.Sprintf("fsync %s (data only %v)", p, datasync), openSync(r.real(p), datasync))
		m.fsync(n, datasync)
	case k < 64: // fsync of a directory
		d := dirs[rng.IntN(len(dirs))]
		_, n := m.lookup(d)
		r.do("fsyncdir "+d, openSync(r.real(d), false))
		m.fsyncDir(n)
	case k < 70: // mkdir
		p := r.anyName(dirs)
		if parent, n := m.lookup(p); n == nil && strings.Count(p, "/") <= 2 {
			r.do("mkdir "+p, os.Mkdir(r.real(p), 0o777))
			c := m.node(true, 0o777&^m.umask)
			parent.entries[path.Base(p)] = c
			m.enqueue(&mOp{kind: "create", d: parent, name: path.Base(p), node: c})
		}
	case k < 82 && len(files) > 0: // rename a file
		p, q := files[rng.IntN(len(files))], r.anyName(dirs)
		parent, n := m.lookup(p)
		qparent, old := m.lookup(q)
		if p == q || (old != nil && old.dir) {
			break
		}
		r.do("rename "+p+" "+q, unix.Rename(r.real(p), r.real(q)))
		if old == n {
			break // two links of one file: nothing happens
		}
		delete(parent.entries, path.Base(p))
		qparent.entries[path.Base(q)] = n
		m.enqueue(&mOp{kind: "rename", d: parent, name: path.Base(p), nd: qparent, newName: path.Base(q), node: n})
	case k < 85 && len(dirs) > 1: // rename a directory
		p := dirs[1+rng.IntN(len(dirs)-1)]
		q := r.anyName(dirs)
		parent, n := m.lookup(p)
		qparent, old := m.lookup(q)
		if strings.HasPrefix(q+"/", p+"/") || (old != nil && (!old.dir || len(old.entries) > 0)) {
			break
		}
		err := unix.Rename(r.real(p), r.real(q))
		if qparent != parent {
			if !errors.Is(err, syscall.EXDEV) {
				r.fail("rename %s %s: %v, want EXDEV", p, q, err)
			}
			break
		}
		r.do("rename "+p+" "+q, err)
		delete(parent.entries, path.Base(p))
		parent.entries[path.Base(q)] = n
		m.enqueue(&mOp{kind: "rename", d: parent, name: path.Base(p), nd: parent, newName: path.Base(q), node: n})
	case k < 92 && len(files) > 0: // unlink
		p := files[rng.IntN(len(files))]
		parent, _ := m.lookup(p)
		r.do("unlink "+p, os.Remove(r.real(p)))
		delete(parent.entries, path.Base(p))
		m.enqueue(&mOp{kind: "remove", d: parent, name: path.Base(p)})
	case k < 94 && len(dirs) > 1: // rmdir
		p := dirs[1+rng.IntN(len(dirs)-1)]
		parent, n := m.lookup(p)
		if len(n.entries) > 0 {
			if err := os.Remove(r.real(p)); !errors.Is(err, syscall.ENOTEMPTY) {
				r.fail("rmdir %s, not empty: %v, want ENOTEMPTY", p, err)
			}
			break
		}
		r.do("rmdir "+p, os.Remove(r.real(p)))
		delete(parent.entries, path.Base(p))
		m.enqueue(&mOp{kind: "remove", d: parent, name: path.Base(p)})
	case k < 97 && len(files) > 0: // link
		p, q := files[rng.IntN(len(files))], r.anyName(dirs)
		_, n := m.lookup(p)
		if qparent, old := m.lookup(q); old == nil {
			r.do("link "+p+" "+q, os.Link(r.real(p), r.real(q)))
			qparent.entries[path.Base(q)] = n
			m.enqueue(&mOp{kind: "create", d: qparent, name: path.Base(q), node: n})
		}
	case len(files) > 0: // chmod
		p := files[rng.IntN(len(files))]
		_, n := m.lookup(p)
		mode := os.FileMode(0o600 | rng.IntN(0o100))
		r.do(fmt.Sprintf("chmod %s %v", p, mode), os.Chmod(r.real(p), mode))
		n.mode = mode
	}
}

// checkMount compares the mount with the model's volatile state.
func (r *modelRun) checkMount(when string) {
	r.t.Helper()
	if err := sameTree(diskTree(r.t, r.mnt), r.m.tree(false)); err != nil {
		r.fail("%s, the mount differs from the model:\n%v", when, err)
	}
}

func runModel(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0))
	umask := syscall.Umask(0)
	syscall.Umask(umask)
	backing, mnt := filepath.Join(t.TempDir(), "data"), filepath.Join(t.TempDir(), "mnt")
	for _, d := range []string{backing, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r := &modelRun{t: t, rng: rng, m: newModel(os.FileMode(umask)), mnt: mnt}
	for round := 1; round <= 3; round++ {
		fs := MountT(t, backing, mnt)
		r.trace = append(r.trace, fmt.Sprintf("-- round %d (seed %d)", round, seed))
		r.checkMount("after the mount")
		for i := 0; i < 150; i++ {
			r.step()
		}
		r.checkMount("before the cut")
		var tear Tear
		var tearFile *mNode
		files, _ := r.paths()
		if len(files) > 0 && rng.IntN(2) == 0 {
			p := files[rng.IntN(len(files))]
			_, tearFile = r.m.lookup(p)
			tear = Tear{Block: []int{512, 4096}[rng.IntN(2)], Path: p}
		}
		points, pick := -1, -1
		tear.Pick = func(n int) int { points, pick = n, rng.IntN(n); return pick }
		rep, err := fs.Cut(CutOptions{Tear: tear})
		if err != nil {
			r.fail("cut: %v", err)
		}
		if tearFile != nil && tearFile.last != nil {
			var pg pages
			pg.last = tearFile.last
			want := pg.tearPoints(int64(tear.Block))
			if points != len(want) {
				r.fail("tear of %s: %d possible prefixes, the model has %d", tear.Path, points, len(want))
			}
			keep := want[pick]
			w := tearFile.last
			if keep > 0 {
				if end := w.off + int64(keep); end > int64(len(tearFile.ddata)) {
					tearFile.ddata = append(tearFile.ddata, make([]byte, end-int64(len(tearFile.ddata)))...)
				}
				copy(tearFile.ddata[w.off:], w.data[:keep])
			}
			r.trace = append(r.trace, "cut, torn: "+rep.Torn)
		} else {
			r.trace = append(r.trace, "cut")
		}
		r.m.cut()
		if err := sameTree(diskTree(t, backing), r.m.tree(true)); err != nil {
			r.fail("after the cut, the backing directory differs from the model's durable state:\n%v\n%s", err, rep)
		}
	}
}

// TestModel runs the model test for a number of seeds.
func TestModel(t *testing.T) {
	if v := os.Getenv("TIDEGATE_POWERCUT_MODEL_SEED"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		runModel(t, seed)
		return
	}
	seeds := 30
	if testing.Short() {
		seeds = 8
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) { runModel(t, seed) })
	}
}

// FuzzModel explores seeds beyond those TestModel runs.
func FuzzModel(f *testing.F) {
	f.Add(uint64(0))
	f.Add(uint64(1 << 40))
	f.Fuzz(func(t *testing.T, seed uint64) { runModel(t, seed) })
}
