package operator

import (
	"slices"

	"github.com/tidegate/tidegate/analytics/value"
)

// addSpan puts the row into its TUMBLE or HOP windows — those its key's watermark has not
// passed. A row whose windows its key has all passed is late; a HOP row that misses some
// of its windows but not all is counted in PartlyLate.
func (r *Runner) addSpan(k *keyRec, ts int64, c *rowCtx) error {
	g, w := r.groups, r.q.Window
	g.starts = w.Assign(ts, g.starts[:0])
	starts := g.starts
	if r.eventWindows {
		i := 0
		for i < len(starts) && w.End(starts[i]) <= k.wm {
			i++
		}
		if i == len(starts) {
			r.late(c)
			return nil
		}
		if i > 0 {
			r.stats.PartlyLate++
		}
		starts = starts[i:]
	}
	grp := r.findGroup(true)
	var err error
	at := 0
	for _, s := range starts {
		for at < len(grp.wins) && grp.wins[at].start < s {
			at++
		}
		var x *win
		if at < len(grp.wins) && grp.wins[at].start == s {
			x = grp.wins[at]
		} else {
			sp := r.spanAt(s)
			if len(sp.open) >= r.lim.MaxGroups {
				if err == nil {
					err = r.refuse("more than %d groups in the window starting %s", r.lim.MaxGroups, value.Timestamp(s))
				}
				continue
			}
			x = r.newWin(grp, at, s, w.End(s))
			x.span, x.spanAt = sp, len(sp.open)
			sp.open = append(sp.open, x)
		}
		r.hold(x, k)
		r.take(x, ts)
		at++
	}
	if len(grp.wins) == 0 {
		r.dropGroup(grp)
	}
	return err
}

// spanAt finds or makes the span of the window starting at start.
func (r *Runner) spanAt(start int64) *span {
	g := r.groups
	sp, ok := g.spans[start]
	if !ok {
		sp = &span{start: start, end: r.q.Window.End(start)}
		g.spans[start] = sp
	}
	return sp
}

// leaveSpan takes a closed window out of its span.
func (r *Runner) leaveSpan(w *win) {
	sp := w.span
	last := sp.open[len(sp.open)-1]
	sp.open[w.spanAt], last.spanAt = last, w.spanAt
	sp.open[len(sp.open)-1] = nil
	sp.open = sp.open[:len(sp.open)-1]
}

// flushSpan writes the kept results of a span whose windows have all closed, in ORDER BY
// order and within LIMIT, and forgets the span.
func (r *Runner) flushSpan(sp *span) {
	g := r.groups
	if g.spans[sp.start] == sp {
		delete(g.spans, sp.start)
	}
	if len(sp.batch) == 0 {
		return
	}
	r.writeOrdered(sp.batch)
	for _, row := range sp.batch {
		r.mem -= rowBytes + rowValueBytes(row)
	}
	sp.batch = nil
}

// writeOrdered sorts rows (projections) by ORDER BY, stably, and emits the first LIMIT.
func (r *Runner) writeOrdered(rows []value.Row) {
	keys := r.q.Order
	slices.SortStableFunc(rows, func(a, b value.Row) int {
		for _, k := range keys {
			c := value.Order(a[k.Slot], b[k.Slot])
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	for i, row := range rows {
		if r.q.Limit >= 0 && int64(i) >= r.q.Limit {
			break
		}
		r.emit(row)
	}
}
