package operator

import (
	"container/list"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/tidegate/tidegate/analytics/aggregate"
)

// The snapshot form: magic, version, the query's fingerprint, then the sections as
// Snapshot writes them. A change of the form is a new version; Restore refuses versions it
// does not know.
const (
	snapshotMagic   = "TGOP"
	snapshotVersion = 1
)

// Due entries name what they wait for by kind and id.
const (
	dueWindow byte = 1
	dueSlide  byte = 2
)

// Snapshot returns the runner's whole state (see the package comment). It is the same for
// the same state: two runners fed the same pushes and advances give the same bytes.
func (r *Runner) Snapshot() ([]byte, error) {
	w := &writer{b: append([]byte(snapshotMagic), snapshotVersion)}
	w.b = binary.BigEndian.AppendUint64(w.b, r.fingerprint())
	w.i(r.clock)
	w.flag(r.started)
	w.i(r.nextTick)
	w.u(r.seq)
	w.u(r.ids)
	w.i(r.mem - r.fileMem)
	st := r.Stats()
	for _, p := range statFields(&st) {
		w.i(*p)
	}
	if err := r.writeKeys(w); err != nil {
		return nil, err
	}
	if err := r.writeGroups(w); err != nil {
		return nil, err
	}
	r.writeStages(w)
	return w.b, nil
}

// statFields lists the counters in their snapshot order (new ones go at the end, with a
// new version).
func statFields(s *Stats) []*int64 {
	return []*int64{&s.RowsIn, &s.RowsOut, &s.Skipped, &s.Mismatches, &s.NoTime, &s.Late, &s.LateDropped,
		&s.PartlyLate, &s.JoinLate, &s.Refused, &s.WindowsClosed, &s.SessionsMerged, &s.IdleKeys, &s.KeysEvicted,
		&s.StatesExpired, &s.GroupsEvicted, &s.JoinKeysEvicted, &s.JoinRowsEvicted, &s.IdleJoinKeys, &s.TableEvicted,
		&s.TableNoKey}
}

// fingerprint identifies the query a snapshot is of: its text, where it writes, and how its
// inputs fill the input row.
func (r *Runner) fingerprint() uint64 {
	q := r.q
	var b []byte
	add := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	add(q.Node.String())
	add(q.Name)
	add(q.Into)
	add(q.LateInto)
	b = binary.AppendUvarint(b, uint64(q.InputWidth))
	for _, in := range q.Inputs {
		add(in.Name)
		add(in.Source.Name)
		add(in.Source.TimeColumn)
		b = binary.AppendVarint(b, int64(in.Source.Lateness))
		b = binary.AppendVarint(b, int64(in.Source.IdleTimeout))
		for i, c := range in.Columns {
			add(c)
			b = binary.AppendUvarint(b, uint64(in.Slots[i]))
		}
	}
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func (r *Runner) writeKeys(w *writer) error {
	w.flag(r.keys != nil)
	if r.keys != nil {
		w.n(r.keys.lru.Len())
		for e := r.keys.lru.Front(); e != nil; e = e.Next() {
			k := e.Value.(*keyRec)
			w.str(k.name)
			w.u(k.id)
			w.flag(k.seen)
			w.i(k.maxTs)
			w.i(k.wm)
			w.i(k.touched)
			w.flag(k.idle)
			w.flag(k.states != nil)
			for _, s := range k.states {
				b, err := s.MarshalBinary()
				if err != nil {
					return fmt.Errorf("operator: snapshot: %w", err)
				}
				w.bytes(b)
			}
			writeDue(w, &k.due)
		}
	}
	w.flag(r.clockKey != nil)
	if r.clockKey != nil {
		w.i(r.clockKey.wm)
		writeDue(w, &r.clockKey.due)
	}
	return nil
}

// writeDue writes a due list; an entry for a merged session names the session it became.
func writeDue(w *writer, d *dueList) {
	n := 0
	for i := d.head; i < len(d.e); i++ {
		if e := &d.e[i]; e.sr != nil || e.w.live() != nil {
			n++
		}
	}
	w.n(n)
	for i := d.head; i < len(d.e); i++ {
		e := &d.e[i]
		switch {
		case e.sr != nil:
			w.i(e.end)
			w.u(e.ord)
			w.b = append(w.b, dueSlide)
			w.u(e.sr.ord)
		case e.w.live() != nil:
			w.i(e.end)
			w.u(e.ord)
			w.b = append(w.b, dueWindow)
			w.u(e.w.live().id)
		}
	}
}

func writeAccs(w *writer, accs []aggregate.Accumulator) error {
	for _, a := range accs {
		b, err := a.MarshalBinary()
		if err != nil {
			return fmt.Errorf("operator: snapshot: %w", err)
		}
		w.bytes(b)
	}
	return nil
}

func (r *Runner) writeGroups(w *writer) error {
	g := r.groups
	w.flag(g != nil)
	if g == nil {
		return nil
	}
	w.n(g.order.Len())
	for e := g.order.Front(); e != nil; e = e.Next() {
		grp := e.Value.(*group)
		w.u(grp.id)
		w.str(grp.key)
		w.row(grp.keys)
		w.i(grp.count)
		w.n(len(grp.wins))
		for _, x := range grp.wins {
			w.u(x.id)
			w.i(x.start)
			w.i(x.end)
			w.i(x.last)
			w.i(x.rows)
			w.flag(x.timed)
			w.u(uint64(x.pending))
			w.flag(x.dirty)
			w.flag(x.hashed)
			w.u(x.hash)
			if err := writeAccs(w, x.accs); err != nil {
				return err
			}
		}
		w.flag(grp.slide != nil)
		if b := grp.slide; b != nil {
			w.n(len(b.rows))
			for _, sr := range b.rows {
				w.i(sr.ts)
				w.u(sr.ord)
				w.row(sr.args)
				w.flag(sr.pending)
			}
			w.flag(b.accs != nil)
			if err := writeAccs(w, b.accs); err != nil {
				return err
			}
			w.n(b.lo)
			w.n(b.hi)
			w.flag(b.valid)
			last := uint64(0)
			if b.last != nil {
				last = b.last.ord
			}
			w.u(last)
		}
	}
	spans := make([]*span, 0, len(g.spans))
	for _, sp := range g.spans {
		spans = append(spans, sp)
	}
	slices.SortFunc(spans, func(a, b *span) int { return compareTimes(a.start, b.start) })
	w.n(len(spans))
	for _, sp := range spans {
		w.i(sp.start)
		w.n(len(sp.batch))
		for _, row := range sp.batch {
			w.row(row)
		}
	}
	var dirty []uint64
	for _, x := range g.dirty {
		if x.dirty && x.live() == x {
			dirty = append(dirty, x.id)
		}
	}
	w.n(len(dirty))
	for _, id := range dirty {
		w.u(id)
	}
	return nil
}

func (r *Runner) writeStages(w *writer) {
	for _, st := range r.stages {
		switch {
		case st.stream != nil:
			sj := st.stream
			index := map[*joinKey]int{}
			w.n(sj.idle.Len())
			for e := sj.idle.Front(); e != nil; e = e.Next() {
				jk := e.Value.(*joinKey)
				index[jk] = len(index)
				w.str(jk.name)
				w.u(jk.id)
				w.i(jk.leftMax)
				w.i(jk.rightMax)
				w.flag(jk.hasLeft)
				w.flag(jk.hasRight)
				w.i(jk.touched)
			}
			for side, l := range []*list.List{sj.left, sj.right} {
				w.n(l.Len())
				for e := l.Front(); e != nil; e = e.Next() {
					jr := e.Value.(*joinRow)
					w.n(index[jr.jk])
					w.i(jr.ts)
					w.u(jr.id)
					w.row(jr.vals)
					if side == 0 {
						w.str(jr.key)
						w.flag(jr.matched)
					}
				}
			}
		case st.table.stream:
			t := st.table
			w.n(t.lru.Len())
			for e := t.lru.Front(); e != nil; e = e.Next() {
				te := e.Value.(*tableEntry)
				w.str(te.key)
				w.row(te.rows[0])
			}
		}
	}
}
