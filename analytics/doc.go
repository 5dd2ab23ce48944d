// Package analytics runs continuous SQL over streams, the Kinesis Data Analytics model:
// lexer, parser, planner and operators that read shards streams and write results back to them.
//
// What exists: analytics/lexer, analytics/parser and analytics/ast (the language, errors with
// line and column, a tree that prints itself back as SQL); analytics/value (runtime values
// and JSON decoding), analytics/schema and analytics/record (sources, system columns, records
// into rows); analytics/plan (the planner and type checker, which refuses bad queries when
// they are created and bounds each query's state); analytics/eval (expressions compiled into
// closures over row slots); analytics/function, analytics/aggregate, analytics/sketch and
// analytics/anomaly (the function library, accumulators, KLL and HyperLogLog, the anomaly
// score); analytics/batch (runs a plan once over finite inputs: ad-hoc queries over
// history); analytics/operator (the continuous operators: windows over per-key watermarks,
// emit policies, joins, snapshots of their state); analytics/query (the runtime: queries
// as consumers of their streams, results into streams, checkpoints that make the output
// exactly once across crashes). The language is described in docs/sql.md.
package analytics
