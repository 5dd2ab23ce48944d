package operator

import (
	"bufio"
	"bytes"
	"container/list"
	"errors"
	"fmt"
	"io"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// stage is one join of the query: a table looked up, or a stream joined within a time
// bound.
type stage struct {
	k      int
	j      *plan.Join
	slots  []int // the right input's slots in the input row
	table  *table
	stream *streamJoin
	saved  value.Row // scratch: the input row, kept while a row of the buffers is emitted
}

// table is a table joined by key: loaded from a file (every row of a key), or kept from a
// stream (the latest row of each key, at most its max_keys, the least recently updated
// dropped first).
type table struct {
	st     *stage
	rows   map[string]*tableEntry
	lru    *list.List // kept from a stream: the entries, least recently updated first
	max    int
	stream bool
	buf    []byte
}

type tableEntry struct {
	key  string
	rows []value.Row // values of the right input's slots
	elem *list.Element
}

// newStage prepares join k.
func (r *Runner) newStage(k int, j *plan.Join, open func(string) (io.ReadCloser, error)) (*stage, error) {
	in := r.q.Inputs[j.Right]
	st := &stage{k: k, j: j, slots: in.Slots, saved: make(value.Row, r.q.InputWidth)}
	if !j.Lookup {
		st.stream = r.newStreamJoin(j)
		r.roles[j.Right].stage = k
		return st, nil
	}
	t := &table{st: st, rows: map[string]*tableEntry{}}
	st.table = t
	if in.Source.File == "" {
		t.stream, t.lru, t.max = true, list.New(), in.Source.MaxKeys
		if t.max <= 0 {
			t.max = r.lim.MaxKeys
		}
		r.roles[j.Right].table, r.roles[j.Right].stage = true, k
		return st, nil
	}
	r.roles[j.Right].file = true
	f, err := open(in.Source.File)
	if err != nil {
		return nil, fmt.Errorf("operator: table %s: %w", in.Name, err)
	}
	defer f.Close()
	if err := r.loadTable(t, j.Right, f); err != nil {
		return nil, fmt.Errorf("operator: table %s (%s): %w", in.Name, in.Source.File, err)
	}
	return st, nil
}

// loadTable reads a table's file: JSON lines, or CSV lines (after a header line when the
// table has one); at most MaxRows rows. Lines that do not decode are skipped and counted.
func (r *Runner) loadTable(t *table, input int, f io.Reader) error {
	src, d := r.q.Inputs[input].Source, r.decoders[input]
	header := src.Format == schema.CSV && src.Header
	br := bufio.NewReader(f)
	n := 0
	for {
		line, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if l := bytes.TrimRight(line, "\r\n"); len(bytes.TrimSpace(l)) > 0 {
			if header {
				header = false
				if err := d.Header(l); err != nil {
					return err
				}
			} else if derr := d.Decode(l, record.Meta{}, r.scratch[input]); derr != nil {
				r.stats.Skipped++
			} else {
				if n++; n > r.lim.MaxRows {
					return fmt.Errorf("%w: more than %d rows", ErrLimit, r.lim.MaxRows)
				}
				clear(r.renv.Row)
				for i, slot := range r.q.Inputs[input].Slots {
					r.renv.Row[slot] = r.scratch[input][i]
				}
				if key, ok := encodeKey(&t.buf, &r.renv, t.st.j.RightKeys); ok {
					e := t.rows[string(key)]
					if e == nil {
						e = &tableEntry{key: string(key)}
						t.rows[e.key] = e
					}
					row := r.slotValues(t.st)
					e.rows = append(e.rows, row)
					r.mem += rowBytes + rowValueBytes(row)
				}
			}
		}
		if err != nil {
			return nil
		}
	}
}

// slotValues copies the right input's values out of renv.
func (r *Runner) slotValues(st *stage) value.Row {
	row := make(value.Row, len(st.slots))
	for i, slot := range st.slots {
		row[i] = keep(r.renv.Row[slot])
	}
	return row
}

// encodeKey is the join key of exprs over env's row, in *buf; ok is false when one is NULL
// (NULL joins nothing).
func encodeKey(buf *[]byte, env *eval.Env, exprs []*eval.Expr) ([]byte, bool) {
	b := (*buf)[:0]
	for _, e := range exprs {
		v := e.Eval(env)
		if v.IsNull() {
			return nil, false
		}
		b = value.AppendKey(b, v)
	}
	*buf = b
	return b, true
}

// update keeps a row pushed to a table kept from a stream as its key's latest.
func (t *table) update(r *Runner) {
	key, ok := encodeKey(&t.buf, &r.renv, t.st.j.RightKeys)
	if !ok {
		r.stats.TableNoKey++
		return
	}
	row := r.slotValues(t.st)
	e := t.rows[string(key)]
	if e == nil {
		if len(t.rows) >= t.max {
			old := t.lru.Front().Value.(*tableEntry)
			r.dropTableEntry(t, old)
			r.stats.TableEvicted++
		}
		e = &tableEntry{key: string(key), rows: []value.Row{nil}}
		e.elem = t.lru.PushBack(e)
		t.rows[e.key] = e
		r.mem += groupBytes + int64(len(e.key))
	} else {
		t.lru.MoveToBack(e.elem)
		r.mem -= rowBytes + rowValueBytes(e.rows[0])
	}
	e.rows[0] = row
	r.mem += rowBytes + rowValueBytes(row)
}

func (r *Runner) dropTableEntry(t *table, e *tableEntry) {
	t.lru.Remove(e.elem)
	delete(t.rows, e.key)
	r.mem -= groupBytes + int64(len(e.key)) + rowBytes + rowValueBytes(e.rows[0])
}

// lookup joins the row in env with its rows of the table of stage k.
func (r *Runner) lookup(k int, c *rowCtx) error {
	st := r.stages[k]
	t, j := st.table, st.j
	var first error
	matched := false
	if key, ok := encodeKey(&t.buf, &r.env, j.LeftKeys); ok {
		if e := t.rows[string(key)]; e != nil {
			for _, row := range e.rows {
				for i, slot := range st.slots {
					r.env.Row[slot] = row[i]
				}
				if j.Residual != nil && !j.Residual.True(&r.env) {
					continue
				}
				matched = true
				if err := r.fromStage(k+1, c); err != nil && first == nil {
					first = err
				}
			}
		}
	}
	if !matched && j.Kind == ast.LeftJoin {
		for _, slot := range st.slots {
			r.env.Row[slot] = value.Null
		}
		return r.fromStage(k+1, c)
	}
	return first
}
