package operator

import (
	"container/list"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/tidegate/tidegate/analytics/aggregate"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/value"
)

// restored is a snapshot read back, installed into the runner only once all of it has
// been read and checked, so that a refused snapshot leaves the runner as it was.
type restored struct {
	clock, nextTick int64
	started         bool
	seq, ids        uint64
	mem             int64
	stats           Stats
	keys            *keyTable
	clockKey        *keyRec
	groups          *grouping
	joins           []*streamJoin // per stage: a join of two streams
	tables          []*table      // per stage: a table kept from a stream
	wins            map[uint64]*win
	rows            map[uint64]*slideRow
	dues            []rawDue
}

// rawDue is a due entry read before the windows and rows it names.
type rawDue struct {
	list *dueList
	end  int64
	ord  uint64
	kind byte
	id   uint64
}

// Restore replaces the runner's state by a snapshot of a runner of the same query. The
// runner should be fresh from New (its tables loaded from files are kept as New loaded
// them). Bytes of another query or version, or corrupt ones, are refused with an error
// wrapping ErrSnapshot, and the runner is left as it was.
func (r *Runner) Restore(b []byte) error {
	s, err := r.readSnapshot(b)
	if err != nil {
		return err
	}
	r.install(s)
	return nil
}

func (r *Runner) readSnapshot(b []byte) (*restored, error) {
	head := len(snapshotMagic) + 1 + 8
	if len(b) < head || string(b[:len(snapshotMagic)]) != snapshotMagic {
		return nil, fmt.Errorf("%w: not a snapshot of a query", ErrSnapshot)
	}
	if v := b[len(snapshotMagic)]; v != snapshotVersion {
		return nil, fmt.Errorf("%w: version %d, this build reads version %d", ErrSnapshot, v, snapshotVersion)
	}
	if binary.BigEndian.Uint64(b[len(snapshotMagic)+1:]) != r.fingerprint() {
		return nil, fmt.Errorf("%w: a snapshot of another query (or of this one before it changed)", ErrSnapshot)
	}
	rd := &reader{b: b[head:]}
	s := &restored{wins: map[uint64]*win{}, rows: map[uint64]*slideRow{}}
	s.clock = rd.i()
	s.started = rd.flag()
	s.nextTick = rd.i()
	s.seq = rd.u()
	s.ids = rd.u()
	s.mem = rd.i()
	if (s.nextTick != 0) != (r.q.Emit.Every > 0 && s.started) {
		rd.fail("a tick of EMIT EVERY where the query has none, or none where it has")
	}
	for _, p := range statFields(&s.stats) {
		*p = rd.i()
	}
	r.readKeys(rd, s)
	r.readGroups(rd, s)
	r.resolveDues(rd, s)
	r.readStages(rd, s)
	if rd.err == nil && len(rd.b) > 0 {
		rd.fail("bytes after the end")
	}
	if rd.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSnapshot, rd.err)
	}
	return s, nil
}

// install makes a snapshot read back the runner's state.
func (r *Runner) install(s *restored) {
	r.setClock(s.clock)
	r.started, r.nextTick = s.started, s.nextTick
	r.seq, r.ids = s.seq, s.ids
	r.mem = r.fileMem + s.mem
	r.stats = s.stats
	for _, d := range r.decoders {
		d.Mismatches = 0 // counted in stats since the snapshot
	}
	r.keys, r.clockKey, r.groups = s.keys, s.clockKey, s.groups
	for k, st := range r.stages {
		if s.joins[k] != nil {
			st.stream = s.joins[k]
		}
		if s.tables[k] != nil {
			st.table = s.tables[k]
		}
	}
}

// readDue reads a due list for resolving once the windows and rows are read.
func readDue(rd *reader, s *restored, d *dueList) {
	n := rd.count()
	for range n {
		e := rawDue{list: d, end: rd.i(), ord: rd.u(), kind: rd.byte1(), id: rd.u()}
		if e.kind != dueWindow && e.kind != dueSlide {
			rd.fail("a due entry of an unknown kind")
		}
		if rd.err != nil {
			return
		}
		s.dues = append(s.dues, e)
	}
}

func (r *Runner) readKeys(rd *reader, s *restored) {
	if rd.flag() != (r.keys != nil) {
		rd.fail("partition keys where the query has none, or none where it has")
		return
	}
	if r.keys != nil {
		t := newKeyTable(r.keys.act != nil)
		n := rd.count()
		for range n {
			k := &keyRec{name: rd.str(), id: rd.u(), seen: rd.flag(), maxTs: rd.i(), wm: rd.i(), touched: rd.i(), idle: rd.flag()}
			if rd.flag() {
				k.states = r.readStates(rd)
			}
			readDue(rd, s, &k.due)
			if rd.err != nil {
				return
			}
			if _, dup := t.m[k.name]; dup {
				rd.fail("a partition key twice")
				return
			}
			if k.idle && t.act == nil {
				rd.fail("an idle key in a query without an idle timeout")
				return
			}
			t.m[k.name] = k
			k.lru = t.lru.PushBack(k)
			if t.act != nil && !k.idle {
				k.act = t.act.PushBack(k)
			}
		}
		s.keys = t
	}
	if rd.flag() != (r.clockKey != nil) {
		rd.fail("a processing-clock key where the query has none, or none where it has")
		return
	}
	if r.clockKey != nil {
		s.clockKey = &keyRec{wm: rd.i()}
		readDue(rd, s, &s.clockKey.due)
	}
}

// readStates reads a key's stateful-function states.
func (r *Runner) readStates(rd *reader) []function.State {
	states := make([]function.State, len(r.q.Stateful))
	for i, c := range r.q.Stateful {
		states[i] = c.New()
		if b := rd.bytes(); rd.err == nil {
			if err := states[i].UnmarshalBinary(b); err != nil {
				rd.fail(fmt.Sprintf("the state of %s: %v", c.Func.Name, err))
			}
		}
	}
	return states
}

// readAccs reads a window's accumulators.
func (r *Runner) readAccs(rd *reader) []aggregate.Accumulator {
	accs := make([]aggregate.Accumulator, len(r.q.Group.Aggs))
	for i, a := range r.q.Group.Aggs {
		accs[i] = a.New()
		if b := rd.bytes(); rd.err == nil {
			if err := accs[i].UnmarshalBinary(b); err != nil {
				rd.fail(fmt.Sprintf("an accumulator of %s: %v", a.Func.Name, err))
			}
		}
	}
	return accs
}

func (r *Runner) readGroups(rd *reader, s *restored) {
	if rd.flag() != (r.groups != nil) {
		rd.fail("groups where the query has none, or none where it has")
		return
	}
	if r.groups == nil {
		return
	}
	q := r.q
	g := newGrouping(q)
	s.groups = g
	kind := q.Window.Kind
	n := rd.count()
	for range n {
		grp := &group{id: rd.u(), key: rd.str(), keys: rd.row(len(q.Group.Keys)), count: rd.i()}
		if rd.err != nil {
			return
		}
		if _, dup := g.index[grp.key]; dup {
			rd.fail("a group twice")
			return
		}
		g.index[grp.key] = grp
		grp.elem = g.order.PushBack(grp)
		nw := rd.count()
		for range nw {
			x := &win{grp: grp, id: rd.u(), start: rd.i(), end: rd.i(), last: rd.i(), rows: rd.i(), timed: rd.flag()}
			pending := rd.u()
			x.dirty, x.hashed, x.hash = rd.flag(), rd.flag(), rd.u()
			x.accs = r.readAccs(rd)
			if pending > math.MaxInt32 {
				rd.fail("a window waiting for too many keys")
			}
			if _, dup := s.wins[x.id]; dup || kind == plan.Slide {
				rd.fail("a window twice, or one of a SLIDE query")
			}
			if rd.err != nil {
				return
			}
			x.pending = int32(pending)
			s.wins[x.id] = x
			grp.wins = append(grp.wins, x)
			if kind == plan.Tumble || kind == plan.Hop {
				sp := g.spans[x.start]
				if sp == nil {
					sp = &span{start: x.start, end: q.Window.End(x.start)}
					g.spans[x.start] = sp
				}
				x.span, x.spanAt = sp, len(sp.open)
				sp.open = append(sp.open, x)
			}
		}
		if rd.flag() != (kind == plan.Slide) {
			rd.fail("a SLIDE buffer where the window is not a SLIDE, or none where it is")
			return
		}
		if kind == plan.Slide {
			r.readSlide(rd, s, grp)
		}
	}
	r.readSpans(rd, g)
	nd := rd.count()
	for range nd {
		x := s.wins[rd.u()]
		if rd.err != nil {
			return
		}
		if x == nil || !x.dirty {
			rd.fail("a changed window that is not there")
			return
		}
		g.dirty = append(g.dirty, x)
	}
}

// readSlide reads a group's SLIDE buffer.
func (r *Runner) readSlide(rd *reader, s *restored, grp *group) {
	b := &slideBuf{}
	grp.slide = b
	n := rd.count()
	for range n {
		sr := &slideRow{ts: rd.i(), ord: rd.u(), args: rd.row(len(r.q.Group.Aggs)), pending: rd.flag(), grp: grp}
		if rd.err != nil {
			return
		}
		if _, dup := s.rows[sr.ord]; dup || len(b.rows) > 0 && !b.rows[len(b.rows)-1].before(sr) {
			rd.fail("SLIDE rows out of order")
			return
		}
		s.rows[sr.ord] = sr
		b.rows = append(b.rows, sr)
		if sr.pending {
			b.pending++
		}
	}
	s.groups.slided += len(b.rows)
	if rd.flag() {
		b.accs = r.readAccs(rd)
	}
	b.lo, b.hi = rd.small(len(b.rows)+1), rd.small(len(b.rows)+1)
	b.valid = rd.flag()
	if last := rd.u(); last != 0 && s.rows[last] != nil && s.rows[last].grp == grp {
		b.last = s.rows[last]
	}
	if b.lo > b.hi || b.hi > len(b.rows) || b.valid && b.accs == nil {
		rd.fail("a SLIDE buffer's range out of its rows")
	}
}

// readSpans reads the results of TUMBLE and HOP windows kept to be written together.
func (r *Runner) readSpans(rd *reader, g *grouping) {
	n := rd.count()
	for range n {
		start := rd.i()
		sp := g.spans[start]
		if rd.err == nil && (sp == nil || len(sp.batch) > 0) {
			rd.fail("kept results of a window with no group open")
		}
		nr := rd.count()
		for range nr {
			row := rd.row(len(r.q.Project))
			if rd.err != nil {
				return
			}
			sp.batch = append(sp.batch, row)
		}
	}
}

// resolveDues links the due entries read with the keys to the windows and rows they name.
func (r *Runner) resolveDues(rd *reader, s *restored) {
	if rd.err != nil {
		return
	}
	for _, e := range s.dues {
		d := due{end: e.end, ord: e.ord}
		switch e.kind {
		case dueWindow:
			d.w = s.wins[e.id]
		case dueSlide:
			if sr := s.rows[e.id]; sr != nil && sr.pending {
				d.sr = sr
			}
		}
		if d.w == nil && d.sr == nil {
			rd.fail("a watermark waits for a window or row that is not there")
			return
		}
		e.list.push(d)
	}
}

func (r *Runner) readStages(rd *reader, s *restored) {
	s.joins = make([]*streamJoin, len(r.stages))
	s.tables = make([]*table, len(r.stages))
	for k, st := range r.stages {
		switch {
		case st.stream != nil:
			s.joins[k] = r.readStreamJoin(rd, st)
		case st.table.stream:
			s.tables[k] = r.readTable(rd, st)
		}
		if rd.err != nil {
			return
		}
	}
}

func (r *Runner) readStreamJoin(rd *reader, st *stage) *streamJoin {
	sj := r.newStreamJoin(st.j)
	n := rd.count()
	keys := make([]*joinKey, 0, n)
	for range n {
		jk := &joinKey{name: rd.str(), id: rd.u(), leftMax: rd.i(), rightMax: rd.i(), hasLeft: rd.flag(), hasRight: rd.flag(), touched: rd.i()}
		if rd.err != nil {
			return nil
		}
		if _, dup := sj.keys[jk.name]; dup {
			rd.fail("a join key twice")
			return nil
		}
		sj.keys[jk.name] = jk
		jk.elem = sj.idle.PushBack(jk)
		keys = append(keys, jk)
	}
	for side, l := range []*list.List{sj.left, sj.right} {
		width := r.q.InputWidth
		if side == 1 {
			width = len(st.slots)
		}
		nr := rd.count()
		for range nr {
			at := rd.small(len(keys))
			jr := &joinRow{ts: rd.i(), id: rd.u(), vals: rd.row(width)}
			if side == 0 {
				jr.key, jr.matched = rd.str(), rd.flag()
			}
			if rd.err != nil {
				return nil
			}
			jk := keys[at]
			jr.jk = jk
			jr.elem = l.PushBack(jr)
			if side == 0 {
				jk.left = insertJoinRow(jk.left, jr)
			} else {
				jk.right = insertJoinRow(jk.right, jr)
			}
		}
	}
	return sj
}

func (r *Runner) readTable(rd *reader, st *stage) *table {
	old := st.table
	t := &table{st: st, rows: map[string]*tableEntry{}, lru: list.New(), max: old.max, stream: true}
	n := rd.count()
	for range n {
		e := &tableEntry{key: rd.str(), rows: []value.Row{rd.row(len(st.slots))}}
		if rd.err != nil {
			return nil
		}
		if _, dup := t.rows[e.key]; dup {
			rd.fail("a table key twice")
			return nil
		}
		t.rows[e.key] = e
		e.elem = t.lru.PushBack(e)
	}
	return t
}
