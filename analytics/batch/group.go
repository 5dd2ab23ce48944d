package batch

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tidegate/tidegate/analytics/aggregate"
	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/value"
)

// group is one group's keys, window and accumulators.
type group struct {
	keys  value.Row
	start int64 // the window's start; 0 without a window
	accs  []aggregate.Accumulator
}

// grouping holds the groups of a run, in the order they were first seen.
type grouping struct {
	q      *plan.Query
	max    int
	index  map[string]*group
	order  []*group
	buf    []byte
	keys   value.Row
	starts []int64
}

func newGrouping(q *plan.Query, limits plan.Limits) *grouping {
	return &grouping{q: q, max: limits.MaxGroups, index: map[string]*group{}, keys: make(value.Row, len(q.Group.Keys))}
}

// add puts the row in env into its groups (one per window it falls in).
func (g *grouping) add(r *run, ts int64) error {
	q := g.q
	for i, k := range q.Group.Keys {
		g.keys[i] = k.Eval(&r.env)
	}
	g.starts = g.starts[:0]
	if q.Window != nil {
		g.starts = q.Window.Assign(ts, g.starts)
	} else {
		g.starts = append(g.starts, 0)
	}
	for _, start := range g.starts {
		g.buf = value.AppendKey(g.buf[:0], value.Timestamp(start))
		for _, k := range g.keys {
			g.buf = value.AppendKey(g.buf, k)
		}
		grp, ok := g.index[string(g.buf)]
		if !ok {
			if len(g.order) >= g.max {
				return fmt.Errorf("%w: more than %d groups (narrow the query with WHERE or SINCE)", ErrLimit, g.max)
			}
			grp = &group{keys: slices.Clone(g.keys), start: start}
			for _, a := range q.Group.Aggs {
				grp.accs = append(grp.accs, a.New())
			}
			g.index[string(g.buf)] = grp
			g.order = append(g.order, grp)
		}
		for i, a := range q.Group.Aggs {
			v := value.Null
			if a.Arg != nil {
				v = a.Arg.Eval(&r.env)
			}
			grp.accs[i].Add(v, ts)
		}
	}
	return nil
}

// finish computes every group's row, window by window (earliest first) when windowed,
// and passes those HAVING keeps on.
func (g *grouping) finish(r *run) error {
	q := g.q
	if len(g.order) == 0 && len(q.Group.Keys) == 0 && q.Window == nil {
		// Aggregates over no rows at all are still one row: COUNT 0, the others NULL.
		grp := &group{}
		for _, a := range q.Group.Aggs {
			grp.accs = append(grp.accs, a.New())
		}
		g.order = append(g.order, grp)
	}
	slices.SortStableFunc(g.order, func(a, b *group) int {
		switch {
		case a.start < b.start:
			return -1
		case a.start > b.start:
			return 1
		}
		return 0
	})
	env := &eval.Env{Row: make(value.Row, q.Group.Width)}
	env.Now = r.env.Now
	for i, grp := range g.order {
		row := env.Row
		n := copy(row, grp.keys)
		for j, acc := range grp.accs {
			row[n+j] = acc.Result()
		}
		if q.Window != nil {
			row[q.Group.WindowStart] = value.Timestamp(grp.start)
			row[q.Group.WindowEnd] = value.Timestamp(q.Window.End(grp.start))
		}
		if q.Group.Having == nil || q.Group.Having.True(env) {
			if err := r.emit(env); err != nil && !errors.Is(err, errWindowDone) {
				return err
			}
		}
		lastOfWindow := i == len(g.order)-1 || g.order[i+1].start != grp.start
		if q.Window != nil && lastOfWindow {
			if err := r.out.flush(r); err != nil {
				return err
			}
			r.out.reset()
		}
	}
	return nil
}
