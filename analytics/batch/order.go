package batch

import (
	"container/heap"
	"errors"
	"fmt"
	"slices"

	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/value"
)

// errWindowDone: LIMIT reached within one window; the next window starts afresh.
var errWindowDone = errors.New("batch: window done")

// ordering projects result rows and applies ORDER BY and LIMIT: straight through without
// ORDER BY, a heap of the best LIMIT rows with it, or a bounded buffer without LIMIT.
type ordering struct {
	q       *plan.Query
	maxRows int
	row     value.Row // the projection, reused when rows stream
	rows    sortedRows
	seq     int64
	written int64 // rows written in this window (or run)
}

// sortedRows are buffered rows with their arrival number (the tie-breaker that keeps the
// sort stable); as a heap, the worst row is on top.
type sortedRows struct {
	keys []plan.OrderKey
	rows []value.Row
	seqs []int64
}

func (s *sortedRows) less(i, j int) bool {
	for _, k := range s.keys {
		c := value.Order(s.rows[i][k.Slot], s.rows[j][k.Slot])
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c < 0
		}
	}
	return s.seqs[i] < s.seqs[j]
}

func (s *sortedRows) Len() int           { return len(s.rows) }
func (s *sortedRows) Less(i, j int) bool { return s.less(j, i) } // max-heap: worst on top
func (s *sortedRows) Swap(i, j int) {
	s.rows[i], s.rows[j] = s.rows[j], s.rows[i]
	s.seqs[i], s.seqs[j] = s.seqs[j], s.seqs[i]
}
func (s *sortedRows) Push(x any) {
	p := x.(struct {
		row value.Row
		seq int64
	})
	s.rows, s.seqs = append(s.rows, p.row), append(s.seqs, p.seq)
}
func (s *sortedRows) Pop() any {
	n := len(s.rows) - 1
	s.rows, s.seqs = s.rows[:n], s.seqs[:n]
	return nil
}

func newOrdering(q *plan.Query, limits plan.Limits) *ordering {
	return &ordering{q: q, maxRows: limits.MaxRows, row: make(value.Row, len(q.Project)), rows: sortedRows{keys: q.Order}}
}

func (o *ordering) reset() {
	o.rows.rows, o.rows.seqs, o.written = nil, nil, 0
}

// add projects env's row and writes it, or keeps it for sorting.
func (o *ordering) add(r *run, env *eval.Env) error {
	for i, p := range o.q.Project {
		o.row[i] = p.Eval(env)
	}
	if len(o.q.Order) == 0 {
		return o.write(r, o.row)
	}
	o.seq++
	row := slices.Clone(o.row)
	if o.q.Limit >= 0 {
		if o.q.Limit == 0 {
			return nil
		}
		heap.Push(&o.rows, struct {
			row value.Row
			seq int64
		}{row, o.seq})
		if int64(len(o.rows.rows)) > o.q.Limit {
			heap.Pop(&o.rows)
		}
		return nil
	}
	if len(o.rows.rows) >= o.maxRows {
		return fmt.Errorf("%w: ORDER BY without LIMIT over more than %d rows (add a LIMIT)", ErrLimit, o.maxRows)
	}
	o.rows.rows, o.rows.seqs = append(o.rows.rows, row), append(o.rows.seqs, o.seq)
	return nil
}

// flush writes the kept rows in order.
func (o *ordering) flush(r *run) error {
	if len(o.q.Order) == 0 {
		return nil
	}
	idx := make([]int, len(o.rows.rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case o.rows.less(a, b):
			return -1
		case o.rows.less(b, a):
			return 1
		}
		return 0
	})
	for _, i := range idx {
		if err := o.write(r, o.rows.rows[i]); err != nil {
			if errors.Is(err, errWindowDone) || errors.Is(err, errDone) {
				return nil
			}
			return err
		}
	}
	return nil
}

// write passes a row to the sink within the LIMIT of its window (or of the run).
func (o *ordering) write(r *run, row value.Row) error {
	limit := o.q.Limit
	if limit >= 0 && o.written >= limit {
		if o.q.Window != nil {
			return errWindowDone
		}
		return errDone
	}
	if err := r.sink(row[:len(o.q.Output)]); err != nil {
		return err
	}
	o.written++
	r.stats.RowsOut++
	if limit >= 0 && o.written >= limit && o.q.Window == nil {
		return errDone
	}
	return nil
}
