package batch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// Records is a finite sequence of records: the retained history of a stream, or the rows
// of a table.
type Records interface {
	// Next returns the next record; ok is false at the end.
	Next() (data []byte, meta record.Meta, ok bool, err error)
}

// Sink takes a result row, valid only during the call. An error stops the run.
type Sink func(row value.Row) error

// Stats are what a run counted.
type Stats struct {
	RowsIn     int64 // records of the driving input read
	RowsOut    int64 // result rows written
	Skipped    int64 // records that did not decode
	NoTime     int64 // rows without a time: left out of windows, not stepped by stateful functions
	Mismatches uint64
}

// ErrUnsupported is returned for a plan the batch executor does not run.
var ErrUnsupported = errors.New("batch: not supported in an ad-hoc query")

// ErrLimit is returned when a run would pass one of its limits.
var ErrLimit = errors.New("batch: limit reached")

// checkEvery is how many rows pass between context checks.
const checkEvery = 256

// Run executes q over inputs (one per q.Inputs) and writes the result rows to sink. now is
// what NOW() returns.
func Run(ctx context.Context, q *plan.Query, limits plan.Limits, inputs []Records, now time.Time, sink Sink) (Stats, error) {
	r, err := newRun(q, limits, inputs, now, sink)
	if err != nil {
		return Stats{}, err
	}
	err = r.run(ctx)
	for _, d := range r.decoders {
		r.stats.Mismatches += d.Mismatches
	}
	return r.stats, err
}

// run is the state of one execution.
type run struct {
	q        *plan.Query
	limits   plan.Limits
	inputs   []Records
	decoders []*record.Decoder
	headers  []bool      // per input: its CSV header line is still to come
	scratch  []value.Row // per input: the decoder's row
	env      eval.Env
	sink     Sink
	stats    Stats
	tables   []*table // per join
	states   map[string][]function.State
	groups   *grouping
	out      *ordering
	seq      int64 // row number, the time of rows without one
	joined   value.Row
}

func newRun(q *plan.Query, limits plan.Limits, inputs []Records, now time.Time, sink Sink) (*run, error) {
	if len(inputs) != len(q.Inputs) {
		return nil, fmt.Errorf("batch: %d inputs for a query over %d sources", len(inputs), len(q.Inputs))
	}
	if w := q.Window; w != nil && w.Kind != plan.Tumble && w.Kind != plan.Hop {
		return nil, fmt.Errorf("%w: %s windows run only in continuous queries (for now)", ErrUnsupported, w.Kind)
	}
	r := &run{q: q, limits: limits, inputs: inputs, sink: sink, states: map[string][]function.State{}}
	r.env.Now = now.UnixNano()
	r.env.Row = make(value.Row, q.InputWidth)
	for _, in := range q.Inputs {
		d, err := record.NewDecoder(in.Source, in.Columns)
		if err != nil {
			return nil, fmt.Errorf("batch: %w", err)
		}
		r.decoders = append(r.decoders, d)
		r.headers = append(r.headers, in.Source.Format == schema.CSV && in.Source.Header)
		r.scratch = append(r.scratch, make(value.Row, d.Width()))
	}
	for _, j := range q.Joins {
		if !j.Lookup {
			return nil, fmt.Errorf("%w: a join of two streams runs only in continuous queries (for now)", ErrUnsupported)
		}
	}
	if q.Group != nil {
		r.groups = newGrouping(q, limits)
	}
	r.out = newOrdering(q, limits)
	return r, nil
}

func (r *run) run(ctx context.Context) error {
	for i, j := range r.q.Joins {
		t, err := r.loadTable(ctx, i, j)
		if err != nil {
			return err
		}
		r.tables = append(r.tables, t)
	}
	r.joined = make(value.Row, r.q.InputWidth)
	for {
		if r.stats.RowsIn%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ok, err := r.read(0, r.env.Row)
		if err != nil || !ok {
			if err != nil {
				return err
			}
			break
		}
		r.stats.RowsIn++
		done, err := r.joinRows(0)
		if err != nil || done {
			return err
		}
	}
	if r.groups != nil {
		if err := r.groups.finish(r); err != nil {
			if errors.Is(err, errDone) {
				return nil
			}
			return err
		}
		if r.q.Window != nil {
			return nil // flushed window by window
		}
	}
	return r.out.flush(r)
}

// read decodes the next record of input i into row's slots for it; records that do not
// decode are skipped.
func (r *run) read(i int, row value.Row) (bool, error) {
	in := r.q.Inputs[i]
	for {
		data, meta, ok, err := r.inputs[i].Next()
		if err != nil || !ok {
			return false, err
		}
		if r.headers[i] {
			r.headers[i] = false
			if err := r.decoders[i].Header(data); err != nil {
				return false, fmt.Errorf("batch: %s: %w", in.Name, err)
			}
			continue
		}
		if err := r.decoders[i].Decode(data, meta, r.scratch[i]); err != nil {
			if errors.Is(err, record.ErrRecord) {
				r.stats.Skipped++
				continue
			}
			return false, err
		}
		for k, slot := range in.Slots {
			row[slot] = r.scratch[i][k]
		}
		return true, nil
	}
}

// errDone stops a run early: LIMIT reached.
var errDone = errors.New("batch: done")

// joinRows joins the driving row in env.Row with the tables from join k on, and processes
// each joined row; done reports that the run is over.
func (r *run) joinRows(k int) (bool, error) {
	if k == len(r.q.Joins) {
		err := r.process()
		if errors.Is(err, errDone) {
			return true, nil
		}
		return false, err
	}
	j, t := r.q.Joins[k], r.tables[k]
	key, ok := t.key(&r.env, j.LeftKeys)
	matched := false
	for _, right := range t.match(key, ok) {
		for n, slot := range t.slots {
			r.env.Row[slot] = right[n]
		}
		if j.Residual != nil && !j.Residual.True(&r.env) {
			continue
		}
		matched = true
		if done, err := r.joinRows(k + 1); err != nil || done {
			return done, err
		}
	}
	if !matched && j.Kind == ast.LeftJoin { // the row with NULLs on the right
		for _, slot := range t.slots {
			r.env.Row[slot] = value.Null
		}
		return r.joinRows(k + 1)
	}
	return false, nil
}

// process runs one input row through the stateful calls, WHERE and grouping or
// projection.
func (r *run) process() error {
	q := r.q
	r.seq++
	ts, timed := r.seq, true
	if q.Time != nil {
		t := q.Time.Eval(&r.env)
		if timed = !t.IsNull(); timed {
			ts = t.AsNanos()
		} else if q.Window != nil || len(q.Stateful) > 0 {
			r.stats.NoTime++
		}
	}
	if len(q.Stateful) > 0 {
		if err := r.step(ts, timed); err != nil {
			return err
		}
	}
	if !timed && q.Window != nil {
		return nil // a row without a time belongs to no window
	}
	if q.Where != nil && !q.Where.True(&r.env) {
		return nil
	}
	if r.groups != nil {
		return r.groups.add(r, ts)
	}
	return r.emit(&r.env)
}

// step advances the stateful calls of the row's partition key. A row without a time
// cannot be placed in the key's history: its stateful values are NULL.
func (r *run) step(ts int64, timed bool) error {
	q := r.q
	if !timed {
		for _, c := range q.Stateful {
			r.env.Row[c.Slot] = value.Null
		}
		return nil
	}
	key := r.env.Row[q.KeySlot].AsString()
	states, ok := r.states[key]
	if !ok {
		if len(r.states) >= r.limits.MaxKeys {
			return fmt.Errorf("%w: more than %d partition keys with state", ErrLimit, r.limits.MaxKeys)
		}
		for _, c := range q.Stateful {
			states = append(states, c.New())
		}
		r.states[key] = states
	}
	var args []value.Value
	for i, c := range q.Stateful {
		args = args[:0]
		for _, a := range c.Args {
			args = append(args, a.Eval(&r.env))
		}
		r.env.Row[c.Slot] = states[i].Step(ts, args)
	}
	return nil
}

// emit projects env's row (input row or group row) and passes it on.
func (r *run) emit(env *eval.Env) error {
	return r.out.add(r, env)
}
