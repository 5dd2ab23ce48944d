package operator

import (
	"container/list"
	"fmt"
	"slices"
	"strings"

	"github.com/tidegate/tidegate/analytics/aggregate"
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/value"
)

// group is one GROUP BY key's state: its open windows (or SLIDE buffer).
type group struct {
	id    uint64
	key   string    // the keys' encoding (value.AppendKey)
	keys  value.Row // the keys' values
	wins  []*win    // open windows: by start (TUMBLE, HOP, COUNTWINDOW), by first row (SESSION)
	count int64     // COUNTWINDOW: rows taken
	slide *slideBuf // SLIDE
	elem  *list.Element
}

// win is one open window of a group.
type win struct {
	id         uint64
	grp        *group
	start, end int64 // window_start and window_end; SESSION: first row, and when it closes
	last       int64 // SESSION: its latest row's time
	rows       int64 // COUNTWINDOW: rows taken
	timed      bool  // COUNTWINDOW: some row had a time (start and end are the earliest and latest)
	accs       []aggregate.Accumulator
	pending    int32 // partition keys whose watermark has not passed end
	merged     *win  // SESSION: merged into another
	closed     bool
	dirty      bool   // EMIT EVERY: changed since its last result
	hash       uint64 // EMIT ON UPDATE: of its last result
	hashed     bool
	span       *span
	spanAt     int // its index in span.open
}

// live is the window w now is: itself, or the session it was merged into; nil when closed.
func (w *win) live() *win {
	for w.merged != nil {
		w = w.merged
	}
	if w.closed {
		return nil
	}
	return w
}

// span is one TUMBLE or HOP window as all groups share it: its open windows (at most
// MaxGroups) and, with ORDER BY or LIMIT, the results of those closed, written together
// when the last one closes.
type span struct {
	start, end int64
	open       []*win
	batch      []value.Row
	marked     bool // scratch: listed once in a tick
}

// grouping holds the groups of a windowed query.
type grouping struct {
	q       *plan.Query
	index   map[string]*group
	order   *list.List // groups, the least recently used first
	spans   map[int64]*span
	dirty   []*win // EMIT EVERY: windows changed since the last tick, in the order they changed
	buf     []byte
	keys    value.Row
	starts  []int64
	args    value.Row // the aggregates' arguments for the row
	slided  int       // SLIDE: rows buffered
	ordered bool      // ORDER BY or LIMIT: results of a span are written together
}

func newGrouping(q *plan.Query) *grouping {
	return &grouping{
		q: q, index: map[string]*group{}, order: list.New(), spans: map[int64]*span{},
		keys: make(value.Row, len(q.Group.Keys)), args: make(value.Row, len(q.Group.Aggs)),
		ordered: len(q.Order) > 0 || q.Limit >= 0,
	}
}

// Sizes state is counted as, besides the values it keeps and the accumulators' bounds.
const (
	groupBytes = 160
	winBytes   = 200
	rowBytes   = 64
)

// valueBytes is what a kept value is counted as.
func valueBytes(v value.Value) int64 {
	switch v.Kind() {
	case value.KindString:
		return 40 + int64(len(v.AsString()))
	case value.KindArray, value.KindObject:
		return 40 + int64(len(value.AppendBinary(nil, v)))
	}
	return 40
}

func rowValueBytes(row value.Row) int64 {
	n := int64(0)
	for _, v := range row {
		n += valueBytes(v)
	}
	return n
}

// group puts an input row (its time ts) into its group's windows.
func (r *Runner) group(k *keyRec, ts int64, timed bool, c *rowCtx) error {
	g, q := r.groups, r.q
	for i, e := range q.Group.Keys {
		g.keys[i] = e.Eval(&r.env)
	}
	g.buf = g.buf[:0]
	for _, v := range g.keys {
		g.buf = value.AppendKey(g.buf, v)
	}
	for i, a := range q.Group.Aggs {
		g.args[i] = value.Null
		if a.Arg != nil {
			g.args[i] = a.Arg.Eval(&r.env)
		}
	}
	switch q.Window.Kind {
	case plan.Tumble, plan.Hop:
		return r.addSpan(k, ts, c)
	case plan.Session:
		return r.addSession(k, ts, c)
	case plan.Count:
		return r.addCount(ts, timed)
	}
	return r.addSlide(k, ts, c)
}

// findGroup finds the row's group, or makes it when create allows; a group made is
// counted against MaxGroups by the caller.
func (r *Runner) findGroup(create bool) *group {
	g := r.groups
	if grp, ok := g.index[string(g.buf)]; ok {
		g.order.MoveToBack(grp.elem)
		return grp
	}
	if !create {
		return nil
	}
	grp := &group{id: r.nextID(), key: string(g.buf), keys: make(value.Row, len(g.keys))}
	for i, v := range g.keys {
		grp.keys[i] = keep(v)
	}
	r.addGroup(grp)
	return grp
}

func (r *Runner) addGroup(grp *group) {
	g := r.groups
	g.index[grp.key] = grp
	grp.elem = g.order.PushBack(grp)
	r.mem += groupBytes + int64(len(grp.key)) + rowValueBytes(grp.keys)
}

// dropGroup forgets a group that holds nothing.
func (r *Runner) dropGroup(grp *group) {
	g := r.groups
	delete(g.index, grp.key)
	g.order.Remove(grp.elem)
	r.mem -= groupBytes + int64(len(grp.key)) + rowValueBytes(grp.keys)
}

// newWin opens a window of grp, inserted into grp.wins at i.
func (r *Runner) newWin(grp *group, i int, start, end int64) *win {
	w := &win{id: r.nextID(), grp: grp, start: start, end: end, accs: make([]aggregate.Accumulator, len(r.q.Group.Aggs))}
	for j, a := range r.q.Group.Aggs {
		w.accs[j] = a.New()
	}
	grp.wins = append(grp.wins, nil)
	copy(grp.wins[i+1:], grp.wins[i:])
	grp.wins[i] = w
	r.mem += r.winBytes()
	if r.clockWindows {
		r.clockKey.due.push(due{end: end, ord: w.id, w: w})
		w.pending = 1
	}
	return w
}

func (r *Runner) winBytes() int64 {
	n := int64(winBytes)
	for _, a := range r.q.Group.Aggs {
		n += int64(a.Func.MaxBytes(a.Spec, a.Distinct))
	}
	return n
}

// take adds the row's aggregate arguments to w, then emits what the policy wants of a
// change: the new result (ON UPDATE) or a mark for the next tick (EVERY).
func (r *Runner) take(w *win, ts int64) {
	for i, a := range w.accs {
		a.Add(r.groups.args[i], ts)
	}
	r.changed(w)
}

// changed notes a change of w's result.
func (r *Runner) changed(w *win) {
	switch r.q.Emit.Policy {
	case ast.EmitOnUpdate:
		r.update(w)
	case ast.EmitEvery:
		if !w.dirty {
			w.dirty = true
			r.groups.dirty = append(r.groups.dirty, w)
		}
	}
}

// closeWin closes a window whose end every watermark holding it has passed: it writes the
// final result (but with ON UPDATE, whose last update was it) and forgets the window.
func (r *Runner) closeWin(w *win) {
	w.closed = true
	grp := w.grp
	if i := slices.Index(grp.wins, w); i >= 0 {
		grp.wins = slices.Delete(grp.wins, i, i+1)
	}
	r.stats.WindowsClosed++
	if r.q.Emit.Policy != ast.EmitOnUpdate {
		if r.groupRow(w) {
			row := r.project(&r.genv)
			if w.span != nil && r.groups.ordered {
				w.span.batch = append(w.span.batch, cloneRow(row))
				r.mem += rowBytes + rowValueBytes(row)
			} else {
				r.emit(row)
			}
		}
	}
	r.mem -= r.winBytes()
	if sp := w.span; sp != nil {
		r.leaveSpan(w)
		if len(sp.open) == 0 {
			r.flushSpan(sp)
		}
	}
	if len(grp.wins) == 0 && grp.count%r.countSlide() == 0 {
		r.dropGroup(grp)
	}
}

// countSlide is COUNTWINDOW's slide (1 for other windows).
func (r *Runner) countSlide() int64 {
	w := r.q.Window
	if w.Kind != plan.Count {
		return 1
	}
	if w.SlideRows > 0 {
		return w.SlideRows
	}
	return w.Rows
}

// groupRow writes w's group row [keys…, aggregates…, window_start, window_end] into genv
// and reports whether HAVING keeps it.
func (r *Runner) groupRow(w *win) bool {
	g, row := r.q.Group, r.genv.Row
	n := copy(row, w.grp.keys)
	for i, a := range w.accs {
		row[n+i] = a.Result()
	}
	if g.WindowStart >= 0 {
		if r.q.Window.Kind == plan.Count && !w.timed {
			row[g.WindowStart], row[g.WindowEnd] = value.Null, value.Null
		} else {
			row[g.WindowStart], row[g.WindowEnd] = value.Timestamp(w.start), value.Timestamp(w.end)
		}
	}
	return g.Having == nil || g.Having.True(&r.genv)
}

// refuse counts a row refused at a limit.
func (r *Runner) refuse(format string, args ...any) error {
	r.stats.Refused++
	return fmt.Errorf("%w: "+format, append([]any{ErrLimit}, args...)...)
}

func cloneRow(row value.Row) value.Row {
	out := make(value.Row, len(row))
	for i, v := range row {
		out[i] = keep(v)
	}
	return out
}

// keep copies a value to be kept past its row: a string would otherwise hold its whole
// record's text, and a JSON value shares its members with it.
func keep(v value.Value) value.Value {
	switch v.Kind() {
	case value.KindString:
		return value.String(strings.Clone(v.AsString()))
	case value.KindArray, value.KindObject:
		if c, _, err := value.ReadBinary(value.AppendBinary(nil, v)); err == nil {
			return c
		}
	}
	return v
}
