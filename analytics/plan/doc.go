// Package plan is the planner and type checker: it takes a parsed statement and either
// refuses it — with an *Error at the line and column of the fault, when the statement is
// created, never while it runs — or returns what the operators and the batch executor run.
//
// CREATE STREAM and CREATE TABLE become a schema.Source, their options checked (names,
// types, values, with positions). A SELECT, alone (an ad-hoc query) or in CREATE QUERY,
// becomes a Query: the sources it reads and the columns it needs from each, its joins, the
// stateful functions it steps per partition key, its WHERE, grouping, window and
// aggregates, the projection, ORDER BY/LIMIT and its emit policy — every expression
// compiled by analytics/eval against the row it will see (the input row, or after grouping
// the group row), so that names, types and functions are settled here.
//
// What the planner refuses, beyond what the compiler refuses inside expressions (unknown
// columns, type mismatches, unknown functions and wrong arities): an aggregate in WHERE, ON
// or GROUP BY; nested aggregates; a column outside GROUP BY and aggregates in a grouped
// query; a window whose size is not positive or a HOP whose slide exceeds its size; in a
// continuous query, a GROUP BY without a window (its state would grow forever), ORDER BY or
// LIMIT without a window, a table read first; a join of two streams without a time bound
// in ON, a join with a table without an equality on its key; LAG, LATEST, CHANGED and
// ANOMALY_SCORE without a time limit; an EMIT that does not fit the query (no window, EVERY
// not shorter than the window, EVERY with COUNTWINDOW, anything but ON UPDATE with SLIDE);
// EMIT LATE INTO without a window over event time; a query writing into a stream it reads.
//
// Modes. A Continuous query runs forever over a growing stream, so its state must be
// bounded; a History query (an ad-hoc SELECT over what the streams retain) runs once over a
// finite input, where a GROUP BY without a window is fine.
//
// Names. A bare name is a column of the one source that has it: a declared column, a
// system column (_arrival, _key, _seq, _shard, _record), or for a schemaless source any
// name (a top-level member of its records); a declared column wins over a schemaless
// source's guess, and a name two sources could mean is ambiguous. a.b is column b of the
// source named (or aliased) a, and otherwise member b of JSON column a.
//
// Bounds. Every query's Bound is computed from the Limits the operators enforce (groups
// per window, keys with per-key state, rows buffered) and the per-group memory each
// aggregate declares: it is the per-query memory limit the runtime reports.
//
// A Query's expressions are immutable and safe to evaluate from several goroutines, each
// with its own eval.Env; accumulators and states are made per group and per key with New.
//
// # For the operators and the runtime
//
// What a continuous run of a Query needs, and where it is:
//
//   - Reading: for each Inputs[i], a record.Decoder over Source with Input.Columns, whose
//     values go to Input.Slots of the input row (Query.InputWidth slots). A runtime that
//     serves many queries from one stream may decode the union of their columns once and
//     copy each query's slots. Since is where a backfill starts; Source.Stream is the
//     stored stream.
//   - Time: Query.Time over the input row (nil for a table). EventTime says whether it is
//     an event time (watermarks per partition key, record.Meta.Key, with Lateness and
//     IdleTimeout) or the arrival time. A row whose time is NULL belongs to no window.
//   - Joins: for a Lookup, index the table's rows by RightKeys (the table's row placed in
//     its slots of an input row) and probe with LeftKeys; otherwise buffer both streams and
//     join rows with equal keys whose time difference (right − left) is within
//     [Lower, Upper]; Residual filters joined rows; LEFT joins emit NULLs on the right.
//   - Stateful calls: per Meta.Key (also at KeySlot), StatefulCall.New() states stepped in
//     time order, results written to StatefulCall.Slot before Where is evaluated.
//   - Windows: Window.Assign and End for TUMBLE and HOP (aligned to the epoch); SLIDE,
//     SESSION and COUNTWINDOW by their sizes. Group: Keys over the input row, one
//     AggCall.New() accumulator per aggregate per group and window (Add with the row's
//     time; Retractor where an aggregate has it, for SLIDE), then the group row
//     [keys…, results…, window_start, window_end] through Having and Project.
//   - Emit: Emit.Policy and Every; Order and Limit apply to each window's rows. LateInto
//     names the stream that takes rows arriving after their window closed.
//   - Output: the first len(Output) values of Project, written with record.AppendJSON and
//     Fields() into Into.
//   - Memory: Bound.Bytes is the query's limit, computed from Limits that the operators
//     must enforce (groups per window, keys, buffered rows).
package plan
