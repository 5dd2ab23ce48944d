package operator

import (
	"github.com/tidegate/tidegate/analytics/plan"
	"math"
	"slices"
)

// Flush ends the input: as if every watermark had passed everything, it writes the
// unmatched left rows of LEFT JOINs of two streams, closes every open window (the
// earliest end first) and writes the SLIDE rows still waiting. COUNTWINDOW windows not
// yet full stay open. A runtime does not flush a query it stops (it snapshots it); an
// input that is finite — a test, a bounded replay — ends with Flush.
func (r *Runner) Flush() {
	for _, st := range r.stages {
		if sj := st.stream; sj != nil {
			for sj.left.Len() > 0 {
				r.dropJoinRow(st, sj.left.Front().Value.(*joinRow), true)
			}
			for sj.right.Len() > 0 {
				r.dropJoinRow(st, sj.right.Front().Value.(*joinRow), false)
			}
		}
	}
	if r.groups == nil || r.q.Window.Kind == plan.Count {
		return
	}
	var wins []*win
	var rows []*slideRow
	for e := r.groups.order.Front(); e != nil; e = e.Next() {
		grp := e.Value.(*group)
		wins = append(wins, grp.wins...)
		if grp.slide != nil {
			for _, sr := range grp.slide.rows {
				if sr.pending {
					rows = append(rows, sr)
				}
			}
		}
	}
	for _, k := range r.allKeys() {
		k.due = dueList{}
		if k.seen {
			k.wm = math.MaxInt64
		}
	}
	slices.SortFunc(wins, func(a, b *win) int {
		if a.end != b.end {
			return compareTimes(a.end, b.end)
		}
		return compareIDs(a.id, b.id)
	})
	for _, w := range wins {
		r.closeWin(w)
	}
	slices.SortFunc(rows, func(a, b *slideRow) int {
		if a.before(b) {
			return -1
		}
		return 1
	})
	for _, sr := range rows {
		r.slideEmit(sr)
	}
}

// allKeys lists the partition keys and the processing clock's key.
func (r *Runner) allKeys() []*keyRec {
	var ks []*keyRec
	if r.clockKey != nil {
		ks = append(ks, r.clockKey)
	}
	if r.keys != nil {
		for e := r.keys.lru.Front(); e != nil; e = e.Next() {
			ks = append(ks, e.Value.(*keyRec))
		}
	}
	return ks
}
