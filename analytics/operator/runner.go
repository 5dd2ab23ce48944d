package operator

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// Kind says what an Emitted row is.
type Kind uint8

// The kinds of emitted rows.
const (
	// Result: a row of the query's result, for the stream after INSERT INTO.
	Result Kind = iota + 1
	// Late: an input row too late for its window, for the stream after EMIT LATE INTO.
	Late
)

// Emitted is a row the runner hands to its sink. Row (and Data) are valid only during the
// call: the sink encodes or copies them.
type Emitted struct {
	// Seq numbers what a query emits, 1, 2, … over its whole life, snapshots included: a
	// restored runner fed the same input emits the same rows with the same numbers, so that
	// a runtime that wrote some of them before a crash can skip those it finds written.
	Seq  uint64
	Kind Kind
	// Row: for a Result, the result's columns (Query.Output, encoded with Query.Fields);
	// for a Late row, the columns of the input row (encoded with Runner.LateFields).
	Row value.Row
	// Data is a Late row's record as it was pushed (nil when the row came out of a join of
	// two streams, whose buffers keep decoded columns only); Key its partition key.
	Data []byte
	Key  string
}

// Options configure a Runner.
type Options struct {
	// Limits are the caps the runner enforces (zero: plan.DefaultLimits()). They should be
	// those the query was planned with, so that its Bound holds.
	Limits plan.Limits
	// Sink takes every emitted row (required).
	Sink func(Emitted)
	// Open opens a table's file (nil: os.Open).
	Open func(path string) (io.ReadCloser, error)
}

// ErrLimit wraps a row refused at one of the limits (groups per window, rows buffered).
var ErrLimit = errors.New("operator: limit reached")

// ErrInput is returned for a push the query cannot take (an input it does not have, a table
// loaded from a file, a row of the wrong width).
var ErrInput = errors.New("operator: bad input")

// maxSpan bounds window sizes, lateness, time bounds and timeouts, and rowTime bounds row
// times, so that window arithmetic cannot overflow: 2^61 ns is 73 years.
const (
	maxSpan = int64(1) << 61
	maxTime = int64(1) << 62 // 146 years either side of 1970
)

// Runner runs one continuous query. It is not safe for concurrent use: the runtime drives
// it from one goroutine (see the package comment for the life cycle).
type Runner struct {
	q    *plan.Query
	lim  plan.Limits
	sink func(Emitted)

	decoders []*record.Decoder
	scratch  []value.Row // per input: its decoded columns
	roles    []role      // per input: what a pushed row of it does
	env      eval.Env    // the input row on its way through joins, WHERE and grouping
	renv     eval.Env    // the right-hand row of a join being pushed
	genv     eval.Env    // a group row
	out      value.Row   // the projection
	lateRow  value.Row
	args     []value.Value // scratch: arguments of stateful functions
	hbuf     []byte        // scratch: a result's binary form, hashed
	lateCols []int         // the input row's slots that a late row is made of
	lateFlds []record.Field

	clock    int64 // the processing clock: the latest arrival pushed or time advanced to
	started  bool
	nextTick int64 // EMIT EVERY: the next tick; 0 until the clock starts
	seq      uint64
	ids      uint64 // the last id given to a key, group, window or buffered row
	stats    Stats
	mem      int64
	fileMem  int64 // what the tables loaded from files take (not in snapshots: New loads them)

	lateness     int64
	idle         int64
	eventWindows bool // windows closed by per-key watermarks
	clockWindows bool // windows closed by the processing clock
	stateLimit   int64
	keys         *keyTable
	clockKey     *keyRec // the processing clock's due list
	groups       *grouping
	stages       []*stage
}

// role is what a row pushed to an input does.
type role struct {
	drive bool // Inputs[0]: the driving stream
	stage int  // the join stage it is the right side of
	table bool // a table kept from a stream: the row updates it
	file  bool // a table loaded from a file: rows are not pushed
}

// New makes a runner for a continuous query. It loads the tables the query reads from
// files.
func New(q *plan.Query, opts Options) (*Runner, error) {
	if q.Mode != plan.Continuous {
		return nil, fmt.Errorf("operator: query %q is not continuous", q.Name)
	}
	if opts.Sink == nil {
		return nil, errors.New("operator: no sink")
	}
	lim := opts.Limits
	if lim == (plan.Limits{}) {
		lim = plan.DefaultLimits()
	}
	if lim.MaxGroups <= 0 || lim.MaxKeys <= 0 || lim.MaxRows <= 0 {
		return nil, fmt.Errorf("operator: limits must be positive: %+v", lim)
	}
	if err := checkSpans(q); err != nil {
		return nil, err
	}
	r := &Runner{q: q, lim: lim, sink: opts.Sink, clock: math.MinInt64}
	r.env.Row = make(value.Row, q.InputWidth)
	r.renv.Row = make(value.Row, q.InputWidth)
	r.out = make(value.Row, len(q.Project))
	r.lateness, r.idle = int64(q.Lateness), int64(q.IdleTimeout)
	for _, in := range q.Inputs {
		d, err := record.NewDecoder(in.Source, in.Columns)
		if err != nil {
			return nil, fmt.Errorf("operator: %w", err)
		}
		r.decoders = append(r.decoders, d)
		r.scratch = append(r.scratch, make(value.Row, d.Width()))
		r.roles = append(r.roles, role{stage: -1})
	}
	r.roles[0].drive = true
	r.lateFields()
	if w := q.Window; w != nil && w.Kind != plan.Count {
		r.eventWindows, r.clockWindows = q.EventTime, !q.EventTime
	}
	for _, c := range q.Stateful {
		r.stateLimit = max(r.stateLimit, int64(c.Spec.Limit))
	}
	if r.eventWindows || len(q.Stateful) > 0 {
		r.keys = newKeyTable(r.eventWindows && r.idle > 0)
	}
	if r.clockWindows {
		r.clockKey = &keyRec{wm: math.MinInt64}
	}
	if q.Group != nil {
		r.genv.Row = make(value.Row, q.Group.Width)
		r.groups = newGrouping(q)
	}
	open := opts.Open
	if open == nil {
		open = func(path string) (io.ReadCloser, error) { return os.Open(path) }
	}
	for k, j := range q.Joins {
		st, err := r.newStage(k, j, open)
		if err != nil {
			return nil, err
		}
		r.stages = append(r.stages, st)
	}
	r.fileMem = r.mem
	return r, nil
}

// checkSpans refuses sizes the window arithmetic cannot hold.
func checkSpans(q *plan.Query) error {
	spans := []time.Duration{q.Lateness, q.IdleTimeout, q.Emit.Every}
	if w := q.Window; w != nil {
		spans = append(spans, w.Size, w.Slide, w.Gap, w.MaxLength)
	}
	for _, j := range q.Joins {
		spans = append(spans, j.Lower, j.Upper, -j.Lower, -j.Upper)
	}
	for _, c := range q.Stateful {
		spans = append(spans, c.Spec.Limit)
	}
	for _, s := range spans {
		if int64(s) > maxSpan {
			return fmt.Errorf("operator: a time span of %s is more than the operators handle (73 years)", s)
		}
	}
	return nil
}

// Query is the query the runner runs.
func (r *Runner) Query() *plan.Query { return r.q }

// Stats are what the runner has counted since the query started (snapshots carry them).
func (r *Runner) Stats() Stats {
	s := r.stats
	for _, d := range r.decoders {
		s.Mismatches += int64(d.Mismatches)
	}
	return s
}

// Memory is the memory the query's state takes, as the planner counts it: each
// accumulator at its bound, each kept value at its size. Query().Bound.Bytes is its most.
func (r *Runner) Memory() int64 { return r.mem }

// Push decodes a record of input (an index of Query().Inputs) and runs it through the
// query, handing what it emits to the sink. A record that does not decode is skipped,
// counted, and its error returned (wrapping record.ErrRecord); a row refused at a limit is
// counted and ErrLimit returned. Either way the runner goes on.
func (r *Runner) Push(input int, data []byte, meta record.Meta) error {
	if err := r.checkInput(input); err != nil {
		return err
	}
	r.advance(meta.Arrival.UnixNano())
	if err := r.decoders[input].Decode(data, meta, r.scratch[input]); err != nil {
		r.stats.Skipped++
		return fmt.Errorf("operator: %s: %w", r.q.Inputs[input].Name, err)
	}
	return r.route(input, r.scratch[input], data, meta)
}

// PushDecoded runs a record already decoded by the runtime: cols holds the values of
// Query().Inputs[input].Columns in that order (system columns from meta included). data is
// the record as stored, written as it is if the row turns out late (it may be nil).
func (r *Runner) PushDecoded(input int, cols value.Row, data []byte, meta record.Meta) error {
	if err := r.checkInput(input); err != nil {
		return err
	}
	if len(cols) != len(r.q.Inputs[input].Columns) {
		return fmt.Errorf("%w: %d values for the %d columns of %s", ErrInput, len(cols), len(r.q.Inputs[input].Columns), r.q.Inputs[input].Name)
	}
	r.advance(meta.Arrival.UnixNano())
	return r.route(input, cols, data, meta)
}

// Skip counts a record of an input that the runtime, decoding it itself, found bad (as
// Push counts one), and moves the processing clock to its arrival as Push would.
func (r *Runner) Skip(meta record.Meta) {
	r.advance(meta.Arrival.UnixNano())
	r.stats.Skipped++
}

func (r *Runner) checkInput(input int) error {
	if input < 0 || input >= len(r.q.Inputs) {
		return fmt.Errorf("%w: input %d of a query over %d sources", ErrInput, input, len(r.q.Inputs))
	}
	if r.roles[input].file {
		return fmt.Errorf("%w: %s is a table loaded from %s, not pushed", ErrInput, r.q.Inputs[input].Name, r.q.Inputs[input].Source.File)
	}
	return nil
}

// Advance moves the processing clock to now: it closes the windows of partition keys idle
// for the idle timeout, writes EMIT EVERY's early results, and on arrival time closes the
// windows that end by now. The runtime calls it when no record comes, with the wall clock
// once it has read everything stored: a record pushed afterwards must not have arrived
// before now, or a restore and replay (which has no Advance to repeat) could differ.
func (r *Runner) Advance(now time.Time) { r.advance(now.UnixNano()) }

// rowCtx is what travels with a row besides its values: its partition key, and the record
// it came from (for a late row).
type rowCtx struct {
	key      string
	data     []byte
	advanced bool    // its key's clock has taken its time
	k        *keyRec // its key's record, once found
}

// route sends a decoded row where its input goes.
func (r *Runner) route(input int, cols value.Row, data []byte, meta record.Meta) error {
	in, ro := r.q.Inputs[input], r.roles[input]
	r.stats.RowsIn++
	if ro.drive {
		clear(r.env.Row)
		for k, slot := range in.Slots {
			r.env.Row[slot] = cols[k]
		}
		c := rowCtx{key: meta.Key, data: data}
		if r.eventWindows {
			// The row moves its key's clock whatever becomes of it: filtered out, or
			// matching nothing in a join, it still tells where the key's time is.
			if ts, ok := r.rowTime(); ok {
				c.k = r.key(meta.Key)
				r.advanceKey(c.k, ts)
				c.advanced = true
			}
		}
		return r.fromStage(0, &c)
	}
	clear(r.renv.Row)
	for k, slot := range in.Slots {
		r.renv.Row[slot] = cols[k]
	}
	if ro.table {
		r.stages[ro.stage].table.update(r)
		return nil
	}
	return r.rightRow(ro.stage)
}

// fromStage runs the row in env through the joins from stage k on, then the rest of the
// query.
func (r *Runner) fromStage(k int, c *rowCtx) error {
	if k == len(r.stages) {
		return r.process(c)
	}
	st := r.stages[k]
	if st.stream != nil {
		return r.leftRow(k, c)
	}
	return r.lookup(k, c)
}

// rowTime is the row's time: its event time, or on arrival time the processing clock
// (never earlier than the rows before it, so that no row is late). A time that is NULL, or
// beyond 146 years either side of 1970, is none.
func (r *Runner) rowTime() (int64, bool) {
	if !r.q.EventTime || r.q.Time == nil {
		return r.clock, true
	}
	v := r.q.Time.Eval(&r.env)
	if v.IsNull() {
		return 0, false
	}
	ts := v.AsNanos()
	return ts, ts > -maxTime && ts < maxTime
}

// process runs a (joined) input row through the stateful functions, WHERE and grouping or
// projection.
func (r *Runner) process(c *rowCtx) error {
	q := r.q
	ts, timed := r.rowTime()
	var k *keyRec
	if r.keys != nil && (timed || len(q.Stateful) > 0) {
		if k = c.k; k == nil || k.lru == nil { // not found yet, or evicted since
			k = r.key(c.key)
		}
	}
	if len(q.Stateful) > 0 {
		r.step(k, ts, timed)
	}
	timeless := !timed && q.Window != nil && q.Window.Kind != plan.Count
	if !timed && (timeless || len(q.Stateful) > 0) {
		r.stats.NoTime++
	}
	var err error
	if !timeless && (q.Where == nil || q.Where.True(&r.env)) {
		if r.groups == nil {
			r.emit(r.project(&r.env))
		} else {
			err = r.group(k, ts, timed, c)
		}
	}
	if r.eventWindows && timed && !c.advanced {
		r.advanceKey(k, ts)
	}
	return err
}

// lateFields names the columns of a late row: each input's columns, qualified by the
// input's name when the query reads several.
func (r *Runner) lateFields() {
	for _, in := range r.q.Inputs {
		for i, c := range in.Columns {
			name := c
			if len(r.q.Inputs) > 1 {
				name = in.Name + "." + c
			}
			r.lateCols = append(r.lateCols, in.Slots[i])
			r.lateFlds = append(r.lateFlds, record.Field{Name: name, Spread: c == schema.RecordColumn && len(r.q.Inputs) == 1})
		}
	}
	r.lateRow = make(value.Row, len(r.lateCols))
}

// LateFields are the columns of a Late row, for record.AppendJSON when it has no Data.
func (r *Runner) LateFields() []record.Field { return r.lateFlds }

// late hands a row too late for its windows to the late stream, or counts it dropped.
func (r *Runner) late(c *rowCtx) {
	if r.q.LateInto == "" {
		r.stats.LateDropped++
		return
	}
	r.stats.Late++
	for i, slot := range r.lateCols {
		r.lateRow[i] = r.env.Row[slot]
	}
	r.seq++
	r.sink(Emitted{Seq: r.seq, Kind: Late, Row: r.lateRow, Data: c.data, Key: c.key})
}

// project computes the output row from env's row (the input row, or a group row).
func (r *Runner) project(env *eval.Env) value.Row {
	for i, p := range r.q.Project {
		r.out[i] = p.Eval(env)
	}
	return r.out
}

// emit hands a result row (a projection, hidden sort keys after the output) to the sink.
func (r *Runner) emit(row value.Row) {
	r.seq++
	r.stats.RowsOut++
	r.sink(Emitted{Seq: r.seq, Kind: Result, Row: row[:len(r.q.Output)]})
}

// nextID gives the next id of a key, group, window or buffered row: ids order what was
// made first, which breaks ties in what is emitted, and link state in snapshots.
func (r *Runner) nextID() uint64 {
	r.ids++
	return r.ids
}

// addSat is a + b, saturated at the int64 range.
func addSat(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}
