package operator

import (
	"slices"

	"github.com/tidegate/tidegate/analytics/value"
)

// update writes w's new result (EMIT ON UPDATE) when HAVING keeps it and it differs from
// the last one written. Nothing is retracted: a result that HAVING stops keeping, or a
// session merged into another, just gets no further row.
func (r *Runner) update(w *win) {
	if !r.groupRow(w) {
		return
	}
	row := r.project(&r.genv)
	if h := r.hashRow(row[:len(r.q.Output)]); !w.hashed || w.hash != h {
		w.hash, w.hashed = h, true
		r.emit(row)
	}
}

// hashRow is a 64-bit FNV-1a of a result's values in their binary form: results that hash
// alike are taken as equal (a collision, about 1 in 2^64, would skip an update).
func (r *Runner) hashRow(row value.Row) uint64 {
	r.hbuf = r.hbuf[:0]
	for _, v := range row {
		r.hbuf = value.AppendBinary(r.hbuf, v)
	}
	h := uint64(14695981039346656037)
	for _, b := range r.hbuf {
		h ^= uint64(b)
		h *= 1099511628211
	}
	return h
}

// tick writes EMIT EVERY's early results: the current result of each window that changed
// since its last one; with ORDER BY or LIMIT, the ranking of each TUMBLE or HOP window
// (its open groups' current results and its closed groups' final ones) where one changed.
func (r *Runner) tick() {
	g := r.groups
	if g == nil || len(g.dirty) == 0 {
		return
	}
	dirty := g.dirty
	g.dirty = nil
	if !g.ordered {
		for _, w := range dirty {
			if !w.dirty || w.live() != w {
				continue
			}
			w.dirty = false
			if r.groupRow(w) {
				r.emit(r.project(&r.genv))
			}
		}
	} else {
		var spans []*span
		for _, w := range dirty {
			if w.live() == w && w.dirty && !w.span.marked {
				w.span.marked = true
				spans = append(spans, w.span)
			}
		}
		for _, sp := range spans {
			sp.marked = false
			r.tickSpan(sp)
		}
	}
	clear(dirty)
	g.dirty = dirty[:0]
}

// tickSpan writes the current ranking of one span.
func (r *Runner) tickSpan(sp *span) {
	rows := slices.Clone(sp.batch)
	open := slices.Clone(sp.open)
	slices.SortFunc(open, func(a, b *win) int { return compareIDs(a.id, b.id) })
	for _, w := range open {
		w.dirty = false
		if r.groupRow(w) {
			rows = append(rows, cloneRow(r.project(&r.genv)))
		}
	}
	r.writeOrdered(rows)
}

func compareIDs(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
