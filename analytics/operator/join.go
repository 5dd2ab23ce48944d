package operator

import (
	"container/list"
	"math"
	"sort"
	"strings"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/value"
)

// streamJoin is the state of a join of two streams: per join key (the values of ON's
// equalities), each side's rows that a row still to come of the other side may match, and
// each side's latest time — the join key's own watermarks, so that one key's clock does
// not decide for another's rows.
type streamJoin struct {
	keys        map[string]*joinKey
	idle        *list.List // join keys, the least recently touched first
	left, right *list.List // each side's rows, in the order they came (for MaxRows)
	lLate       int64      // each side's lateness (its source's)
	rLate       int64
	buf         []byte
}

// joinKey is one join key's two buffers, by time.
type joinKey struct {
	name              string
	id                uint64
	left, right       []*joinRow
	leftMax, rightMax int64
	hasLeft, hasRight bool
	touched           int64
	elem              *list.Element
}

// joinRow is a buffered row: on the left the input row as joined so far, with its
// partition key; on the right the right input's values.
type joinRow struct {
	ts      int64
	id      uint64
	vals    value.Row
	key     string
	matched bool
	jk      *joinKey
	elem    *list.Element
}

func (a *joinRow) before(b *joinRow) bool { return a.ts < b.ts || a.ts == b.ts && a.id < b.id }

func (r *Runner) newStreamJoin(j *plan.Join) *streamJoin {
	return &streamJoin{
		keys: map[string]*joinKey{}, idle: list.New(), left: list.New(), right: list.New(),
		lLate: int64(r.q.Inputs[0].Source.Lateness), rLate: int64(r.q.Inputs[j.Right].Source.Lateness),
	}
}

func (jk *joinKey) leftWm(sj *streamJoin) int64 {
	if !jk.hasLeft {
		return math.MinInt64
	}
	return addSat(jk.leftMax, -sj.lLate)
}

func (jk *joinKey) rightWm(sj *streamJoin) int64 {
	if !jk.hasRight {
		return math.MinInt64
	}
	return addSat(jk.rightMax, -sj.rLate)
}

// joinKeyOf finds or makes a join key, touched now; past MaxKeys the least recently
// touched goes, its rows with it.
func (r *Runner) joinKeyOf(st *stage, key []byte) *joinKey {
	sj := st.stream
	jk, ok := sj.keys[string(key)]
	if !ok {
		if len(sj.keys) >= r.lim.MaxKeys {
			r.stats.JoinKeysEvicted++
			r.detached(st, func() { r.dropJoinKey(st, sj.idle.Front().Value.(*joinKey)) })
		}
		jk = &joinKey{name: string(key), id: r.nextID()}
		sj.keys[jk.name] = jk
		jk.elem = sj.idle.PushBack(jk)
		r.mem += groupBytes + int64(len(key))
	} else {
		sj.idle.MoveToBack(jk.elem)
	}
	jk.touched = r.clock
	return jk
}

// detached runs f, which emits rows of the buffers through the input row, keeping the row
// being joined.
func (r *Runner) detached(st *stage, f func()) {
	copy(st.saved, r.env.Row)
	f()
	copy(r.env.Row, st.saved)
}

// leftRow joins the input row (joined up to stage k) with the right rows buffered that
// match it, then buffers it for right rows to come, while one may still match.
func (r *Runner) leftRow(k int, c *rowCtx) error {
	st := r.stages[k]
	sj, j := st.stream, st.j
	tv := j.LeftTime.Eval(&r.env)
	key, keyed := encodeKey(&sj.buf, &r.env, j.LeftKeys)
	if tv.IsNull() || !keyed {
		if tv.IsNull() {
			r.stats.NoTime++
		}
		return r.unmatched(k, c)
	}
	lt := tv.AsNanos()
	jk := r.joinKeyOf(st, key)
	if lt < jk.leftWm(sj) {
		r.stats.JoinLate++
		return nil
	}
	var first error
	matched := false
	lo := sort.Search(len(jk.right), func(i int) bool { return jk.right[i].ts >= addSat(lt, int64(j.Lower)) })
	for i := lo; i < len(jk.right) && jk.right[i].ts <= addSat(lt, int64(j.Upper)); i++ {
		for n, slot := range st.slots {
			r.env.Row[slot] = jk.right[i].vals[n]
		}
		if j.Residual != nil && !j.Residual.True(&r.env) {
			continue
		}
		matched = true
		if err := r.fromStage(k+1, c); err != nil && first == nil {
			first = err
		}
	}
	if addSat(lt, int64(j.Upper)) >= jk.rightWm(sj) {
		if sj.left.Len() >= r.lim.MaxRows {
			r.stats.JoinRowsEvicted++
			r.detached(st, func() { r.dropJoinRow(st, sj.left.Front().Value.(*joinRow), true) })
		}
		jr := &joinRow{ts: lt, id: r.nextID(), vals: cloneRow(r.env.Row), key: strings.Clone(c.key), matched: matched, jk: jk}
		jr.elem = sj.left.PushBack(jr)
		jk.left = insertJoinRow(jk.left, jr)
		r.mem += rowBytes + rowValueBytes(jr.vals) + int64(len(jr.key))
	} else if !matched {
		if err := r.unmatched(k, c); err != nil && first == nil {
			first = err
		}
	}
	if !jk.hasLeft || lt > jk.leftMax {
		jk.leftMax, jk.hasLeft = lt, true
	}
	// Right rows no left row to come can match: a left row to come is at or after the
	// left watermark, and matches right rows at or after its time plus Lower.
	wm := jk.leftWm(sj)
	for len(jk.right) > 0 && jk.right[0].ts < addSat(wm, int64(j.Lower)) {
		r.dropJoinRow(st, jk.right[0], false)
	}
	return first
}

// rightRow joins a row pushed to the right input of stage k (in renv) with the left rows
// buffered that match it, buffers it for left rows to come, and lets go of the left rows
// no right row to come can match (a LEFT JOIN writes those never matched, with NULLs).
func (r *Runner) rightRow(k int) error {
	st := r.stages[k]
	sj, j := st.stream, st.j
	tv := j.RightTime.Eval(&r.renv)
	key, keyed := encodeKey(&sj.buf, &r.renv, j.RightKeys)
	if tv.IsNull() {
		r.stats.NoTime++
		return nil
	}
	if !keyed {
		return nil
	}
	rt := tv.AsNanos()
	jk := r.joinKeyOf(st, key)
	if rt < jk.rightWm(sj) {
		r.stats.JoinLate++
		return nil
	}
	var first error
	lo := sort.Search(len(jk.left), func(i int) bool { return jk.left[i].ts >= addSat(rt, -int64(j.Upper)) })
	for i := lo; i < len(jk.left) && jk.left[i].ts <= addSat(rt, -int64(j.Lower)); i++ {
		lr := jk.left[i]
		copy(r.env.Row, lr.vals)
		for _, slot := range st.slots {
			r.env.Row[slot] = r.renv.Row[slot]
		}
		if j.Residual != nil && !j.Residual.True(&r.env) {
			continue
		}
		lr.matched = true
		c := rowCtx{key: lr.key}
		if err := r.fromStage(k+1, &c); err != nil && first == nil {
			first = err
		}
	}
	if addSat(rt, -int64(j.Lower)) >= jk.leftWm(sj) {
		if sj.right.Len() >= r.lim.MaxRows {
			r.stats.JoinRowsEvicted++
			r.dropJoinRow(st, sj.right.Front().Value.(*joinRow), false)
		}
		jr := &joinRow{ts: rt, id: r.nextID(), vals: r.slotValues(st), jk: jk}
		jr.elem = sj.right.PushBack(jr)
		jk.right = insertJoinRow(jk.right, jr)
		r.mem += rowBytes + rowValueBytes(jr.vals)
	}
	if !jk.hasRight || rt > jk.rightMax {
		jk.rightMax, jk.hasRight = rt, true
	}
	wm := jk.rightWm(sj)
	for len(jk.left) > 0 && addSat(jk.left[0].ts, int64(j.Upper)) < wm {
		r.dropJoinRow(st, jk.left[0], true)
	}
	return first
}

// unmatched passes on a left row that matches nothing: with NULLs on the right in a LEFT
// JOIN, else nowhere.
func (r *Runner) unmatched(k int, c *rowCtx) error {
	st := r.stages[k]
	if st.j.Kind != ast.LeftJoin {
		return nil
	}
	for _, slot := range st.slots {
		r.env.Row[slot] = value.Null
	}
	return r.fromStage(k+1, c)
}

// dropJoinRow lets a buffered row go; a left row of a LEFT JOIN that never matched is
// written with NULLs on the right (emit), through the input row.
func (r *Runner) dropJoinRow(st *stage, jr *joinRow, left bool) {
	sj, jk := st.stream, jr.jk
	if left {
		sj.left.Remove(jr.elem)
		jk.left = removeJoinRow(jk.left, jr)
		r.mem -= rowBytes + rowValueBytes(jr.vals) + int64(len(jr.key))
		if !jr.matched && st.j.Kind == ast.LeftJoin {
			copy(r.env.Row, jr.vals)
			c := rowCtx{key: jr.key}
			_ = r.unmatched(st.k, &c) // a refusal further on is counted there
		}
		return
	}
	sj.right.Remove(jr.elem)
	jk.right = removeJoinRow(jk.right, jr)
	r.mem -= rowBytes + rowValueBytes(jr.vals)
}

// dropJoinKey lets a join key go with its rows (idle, or past MaxKeys).
func (r *Runner) dropJoinKey(st *stage, jk *joinKey) {
	for len(jk.left) > 0 {
		r.dropJoinRow(st, jk.left[0], true)
	}
	for len(jk.right) > 0 {
		r.dropJoinRow(st, jk.right[0], false)
	}
	sj := st.stream
	sj.idle.Remove(jk.elem)
	delete(sj.keys, jk.name)
	r.mem -= groupBytes + int64(len(jk.name))
}

// joinKeyIdle lets go of a join key silent for the idle timeout: its left rows will see no
// more right rows.
func (r *Runner) joinKeyIdle(st *stage, jk *joinKey) {
	r.stats.IdleJoinKeys++
	r.dropJoinKey(st, jk)
}

func insertJoinRow(rows []*joinRow, jr *joinRow) []*joinRow {
	i := len(rows)
	for i > 0 && jr.before(rows[i-1]) {
		i--
	}
	rows = append(rows, nil)
	copy(rows[i+1:], rows[i:])
	rows[i] = jr
	return rows
}

func removeJoinRow(rows []*joinRow, jr *joinRow) []*joinRow {
	if len(rows) > 0 && rows[0] == jr {
		rows[0] = nil
		return rows[1:]
	}
	for i, x := range rows {
		if x == jr {
			copy(rows[i:], rows[i+1:])
			rows[len(rows)-1] = nil
			return rows[:len(rows)-1]
		}
	}
	return rows
}
