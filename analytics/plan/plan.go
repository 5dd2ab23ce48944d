package plan

import (
	"time"

	"github.com/tidegate/tidegate/analytics/aggregate"
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// Mode is how a query runs.
type Mode uint8

// The modes.
const (
	// Continuous: over the stream as it grows, forever (CREATE QUERY, or an ad-hoc SELECT
	// followed live). Its state must be bounded.
	Continuous Mode = iota + 1
	// History: once, over what the streams retain (an ad-hoc SELECT). The input is finite,
	// so a GROUP BY without a window is allowed.
	History
)

// Query is the plan of a SELECT: what the operators (continuous) or the batch executor
// (history) run. Its stages, in order:
//
//  1. Inputs are decoded into the input row: each input's Columns at their Slots.
//     Joins combine a row of Inputs[0] with rows of the others.
//  2. Stateful calls are stepped per partition key (Inputs[0]'s _key, at KeySlot) in
//     time order, and write their results into their slots of the input row.
//  3. Where filters input rows.
//  4. Stateless (Group nil): Project computes the output row from the input row.
//     Grouped: Group.Keys (and the Window, by Time) assign the row to groups, whose
//     accumulators take it; when a group's result is due (Emit), the group row
//     [keys…, aggregates…, window_start, window_end] is filtered by Group.Having and
//     Project computes the output row from it.
//  5. Order and Limit apply to the output rows (of each window, when windowed).
//
// The output row is Project's values; the first len(Output) are the result, the rest are
// hidden sort keys.
type Query struct {
	Name string // the CREATE QUERY's name; "" for an ad-hoc SELECT
	Into string // the stream results go to; "" for an ad-hoc SELECT
	Mode Mode
	Node *ast.Select

	Inputs []*Input
	Joins  []*Join
	// InputWidth is the number of slots of the input row.
	InputWidth int
	// KeySlot is the slot of Inputs[0]'s _key (-1 when not read): stateful calls keep
	// state per partition key.
	KeySlot  int
	Stateful []*StatefulCall

	// Time computes a row's time (Unix nanoseconds, as a TIMESTAMP) from the input row: the
	// event-time column when EventTime, else the arrival time. nil for a table.
	Time        *eval.Expr
	EventTime   bool
	Lateness    time.Duration
	IdleTimeout time.Duration

	Where  *eval.Expr // nil: every row
	Window *Window    // nil: none
	Group  *Group     // nil: a stateless query

	Project []*eval.Expr
	Output  []Column
	Order   []OrderKey
	Limit   int64 // -1: none

	Emit     Emit
	LateInto string

	// Bound is the most memory the query's state may take.
	Bound Bound
}

// Input is one source the query reads.
type Input struct {
	Source *schema.Source
	Name   string // the alias, else the source's name
	// Columns are the columns the query reads (declared, system, or for a schemaless
	// source top-level members), and Slots where each goes in the input row.
	Columns []string
	Slots   []int
	// Since starts the read at a time in the stream's history (nil: at its end, or for a
	// History query at its start).
	Since *time.Time
}

// Column is a column of the result.
type Column struct {
	Name string
	Type value.Type
	// Spread: the value is an object whose members are the columns (SELECT * of a
	// schemaless stream).
	Spread bool
}

// Fields are the output's columns for record.AppendJSON.
func (q *Query) Fields() []record.Field {
	fs := make([]record.Field, len(q.Output))
	for i, c := range q.Output {
		fs[i] = record.Field{Name: c.Name, Spread: c.Spread}
	}
	return fs
}

// OrderKey is one ORDER BY key: a slot of the output row (Project) and its direction.
type OrderKey struct {
	Slot int
	Desc bool
}

// Join joins the input row built so far with a row of Inputs[Right]. Every expression is
// over the input row (the right input's columns at their slots).
type Join struct {
	Kind  ast.JoinKind
	Right int
	// Lookup: the right side is a table, looked up by key for each left row. Otherwise it
	// is a stream joined within a time bound.
	Lookup bool
	// LeftKeys and RightKeys are equal pairs of ON (for a lookup, RightKeys is the table's
	// key column): the rows that may join have equal keys.
	LeftKeys, RightKeys []*eval.Expr
	// Stream–stream: a right row joins a left one when right time − left time is within
	// [Lower, Upper].
	LeftTime, RightTime *eval.Expr
	Lower, Upper        time.Duration
	// Residual holds the rest of ON (nil: nothing), over the joined row.
	Residual *eval.Expr
}

// StatefulCall is a call of LAG, LATEST, CHANGED or ANOMALY_SCORE.
type StatefulCall struct {
	Func *function.Stateful
	Spec function.Spec
	Args []*eval.Expr // the per-row arguments, over the input row
	Slot int          // where the result goes in the input row
	Type value.Type
	Node *ast.Call
}

// New makes the state of one partition key.
func (c *StatefulCall) New() function.State { return c.Func.New(c.Spec) }

// Group is the grouping and aggregation of a grouped query.
type Group struct {
	Keys []*eval.Expr // over the input row
	Aggs []*AggCall
	// Having filters group rows (nil: all).
	Having *eval.Expr
	// Width is the number of slots of the group row: keys, aggregates, then window_start
	// and window_end at WindowStart and WindowEnd (-1 without a window).
	Width                  int
	WindowStart, WindowEnd int
}

// AggCall is one aggregate call of a grouped query; its result goes to slot
// len(Keys)+i of the group row.
type AggCall struct {
	Func     *aggregate.Func
	Spec     aggregate.Spec
	Distinct bool
	Arg      *eval.Expr // over the input row; nil for COUNT(*)
	Type     value.Type
	Node     *ast.Call
}

// New makes an empty accumulator for the call.
func (a *AggCall) New() aggregate.Accumulator { return a.Func.New(a.Spec, a.Distinct) }

// Emit is when a windowed query writes its results.
type Emit struct {
	Policy ast.EmitPolicy // 0 for a query without a window
	Every  time.Duration  // EmitEvery
}

// Bound is the most memory a query's state may take, and how it adds up.
type Bound struct {
	Bytes int64
	Parts []string
}
