package batch

import (
	"context"
	"fmt"

	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/value"
)

// table is a joined table, loaded and indexed by its key.
type table struct {
	slots []int                  // the table's columns' slots in the input row
	rows  map[string][]value.Row // key → the rows (values in slots order)
	buf   []byte
}

// key encodes the values of keys for env's row; ok is false when one is NULL (NULL joins
// nothing).
func (t *table) key(env *eval.Env, keys []*eval.Expr) (string, bool) {
	t.buf = t.buf[:0]
	for _, k := range keys {
		v := k.Eval(env)
		if v.IsNull() {
			return "", false
		}
		t.buf = value.AppendKey(t.buf, v)
	}
	return string(t.buf), true
}

func (t *table) match(key string, ok bool) []value.Row {
	if !ok {
		return nil
	}
	return t.rows[key]
}

// loadTable reads the table of join k into memory, at most MaxRows rows.
func (r *run) loadTable(ctx context.Context, k int, j *plan.Join) (*table, error) {
	in := r.q.Inputs[j.Right]
	t := &table{slots: in.Slots, rows: map[string][]value.Row{}}
	env := &eval.Env{Row: make(value.Row, r.q.InputWidth)}
	env.Now = r.env.Now
	n := 0
	for {
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ok, err := r.read(j.Right, env.Row)
		if err != nil {
			return nil, err
		}
		if !ok {
			return t, nil
		}
		if n++; n > r.limits.MaxRows {
			return nil, fmt.Errorf("%w: table %s has more than %d rows", ErrLimit, in.Name, r.limits.MaxRows)
		}
		key, ok := t.key(env, j.RightKeys)
		if !ok {
			continue
		}
		row := make(value.Row, len(t.slots))
		for i, slot := range t.slots {
			row[i] = env.Row[slot]
		}
		t.rows[key] = append(t.rows[key], row)
	}
}
