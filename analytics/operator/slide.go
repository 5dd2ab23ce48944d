package operator

import (
	"sort"

	"github.com/tidegate/tidegate/analytics/aggregate"
	"github.com/tidegate/tidegate/analytics/value"
)

// slideRow is a row in a SLIDE window's buffer.
type slideRow struct {
	ts      int64
	ord     uint64    // its id: the order in which rows of one time came
	args    value.Row // the aggregates' arguments
	grp     *group
	pending bool // its result is still to be written
}

func (a *slideRow) before(b *slideRow) bool { return a.ts < b.ts || a.ts == b.ts && a.ord < b.ord }

// slideBuf is a group's SLIDE buffer: its rows in time order, and accumulators over the
// rows of the latest result, slid forward for the next by adding and retracting rows
// when every aggregate can retract and the window moved forward, recomputed otherwise.
type slideBuf struct {
	rows    []*slideRow
	accs    []aggregate.Accumulator
	lo, hi  int  // accs hold rows[lo:hi]
	valid   bool // accs match rows[lo:hi] (a row inserted inside that range spoils them)
	pending int
	last    *slideRow // the latest row whose result was written
}

// addSlide buffers the row in its group's SLIDE window. Its result is written once its
// key's watermark reaches its time — at once on arrival time, or with no lateness, for a
// row in order — over the group's rows then buffered within the range (or the n rows)
// ending at it. A row older than its key's watermark is late.
func (r *Runner) addSlide(k *keyRec, ts int64, c *rowCtx) error {
	g := r.groups
	if r.eventWindows && ts < k.wm {
		r.late(c)
		return nil
	}
	grp := r.findGroup(false)
	if grp == nil {
		if len(g.index) >= r.lim.MaxGroups {
			front := g.order.Front().Value.(*group)
			if front.slide.pending > 0 {
				return r.refuse("more than %d groups with SLIDE rows waiting", r.lim.MaxGroups)
			}
			r.stats.GroupsEvicted++
			r.dropSlideGroup(front)
		}
		grp = r.findGroup(true)
		grp.slide = &slideBuf{}
	}
	if g.slided >= r.lim.MaxRows {
		return r.refuse("more than %d rows in SLIDE windows", r.lim.MaxRows)
	}
	sr := &slideRow{ts: ts, ord: r.nextID(), args: cloneRow(g.args), grp: grp, pending: true}
	r.insertSlide(grp.slide, sr)
	g.slided++
	r.mem += rowBytes + rowValueBytes(sr.args)
	if r.eventWindows && ts > k.wm {
		k.due.push(due{end: ts, ord: sr.ord, sr: sr})
		return nil
	}
	r.slideEmit(sr)
	return nil
}

func (r *Runner) insertSlide(b *slideBuf, sr *slideRow) {
	i := len(b.rows)
	for i > 0 && sr.before(b.rows[i-1]) {
		i--
	}
	b.rows = append(b.rows, nil)
	copy(b.rows[i+1:], b.rows[i:])
	b.rows[i] = sr
	switch {
	case i <= b.lo:
		b.lo++
		b.hi++
	case i < b.hi:
		b.valid = false
	}
	b.pending++
}

// slideEmit writes the result of the SLIDE window ending at sr.
func (r *Runner) slideEmit(sr *slideRow) {
	w, b := r.q.Window, sr.grp.slide
	p := sort.Search(len(b.rows), func(i int) bool { return !b.rows[i].before(sr) })
	var lo, hi int
	start := int64(0)
	if w.Rows > 0 {
		hi = p + 1
		lo = max(0, hi-int(w.Rows))
		start = b.rows[lo].ts
	} else {
		hi = sort.Search(len(b.rows), func(i int) bool { return b.rows[i].ts > sr.ts })
		start = sr.ts - int64(w.Size)
		lo = sort.Search(len(b.rows), func(i int) bool { return b.rows[i].ts > start })
	}
	if b.valid && b.accs != nil && b.lo <= lo && b.hi <= hi && lo <= b.hi && r.retracts(b.accs) {
		for i := b.hi; i < hi; i++ {
			r.slideAdd(b.accs, b.rows[i])
		}
		for i := b.lo; i < lo; i++ {
			for j, a := range b.accs {
				a.(aggregate.Retractor).Retract(b.rows[i].args[j], b.rows[i].ts)
			}
		}
	} else {
		b.accs = make([]aggregate.Accumulator, len(r.q.Group.Aggs))
		for j, a := range r.q.Group.Aggs {
			b.accs[j] = a.New()
		}
		for i := lo; i < hi; i++ {
			r.slideAdd(b.accs, b.rows[i])
		}
	}
	b.lo, b.hi, b.valid = lo, hi, true
	sr.pending = false
	b.pending--
	b.last = sr
	g, row := r.q.Group, r.genv.Row
	n := copy(row, sr.grp.keys)
	for i, a := range b.accs {
		row[n+i] = a.Result()
	}
	row[g.WindowStart], row[g.WindowEnd] = value.Timestamp(start), value.Timestamp(sr.ts)
	if g.Having == nil || g.Having.True(&r.genv) {
		r.emit(r.project(&r.genv))
	}
	r.trimSlide(sr.grp, p)
}

func (r *Runner) slideAdd(accs []aggregate.Accumulator, sr *slideRow) {
	for j, a := range accs {
		a.Add(sr.args[j], sr.ts)
	}
}

// retracts reports whether every accumulator can take rows back.
func (r *Runner) retracts(accs []aggregate.Accumulator) bool {
	for _, a := range accs {
		if _, ok := a.(aggregate.Retractor); !ok {
			return false
		}
	}
	return true
}

// trimSlide forgets the rows no later result can need: those before the window of the
// latest result (at index p) and before every row still waiting for its own. A row that
// comes later from another partition key, older than the window of the latest result,
// sees only the rows still kept.
func (r *Runner) trimSlide(grp *group, p int) {
	b, w := grp.slide, r.q.Window
	n := 0
	for n < len(b.rows) && !b.rows[n].pending {
		if w.Rows > 0 && n >= p-int(w.Rows-1) || w.Rows == 0 && b.rows[n].ts > b.last.ts-int64(w.Size) {
			break
		}
		r.mem -= rowBytes + rowValueBytes(b.rows[n].args)
		n++
	}
	if n == 0 {
		return
	}
	clear(b.rows[:n])
	b.rows = b.rows[n:]
	b.lo, b.hi = b.lo-n, b.hi-n
	if b.lo < 0 {
		b.valid = false
		b.lo, b.hi = 0, 0
	}
	r.groups.slided -= n
}

// dropSlideGroup forgets a SLIDE group with no row waiting (the least recently used, to
// make room): a later row of it sees none of the rows it had.
func (r *Runner) dropSlideGroup(grp *group) {
	for _, sr := range grp.slide.rows {
		r.mem -= rowBytes + rowValueBytes(sr.args)
	}
	r.groups.slided -= len(grp.slide.rows)
	r.dropGroup(grp)
}
