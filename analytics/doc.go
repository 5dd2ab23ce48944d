// Package analytics will run continuous SQL over streams, the Kinesis Data Analytics model:
// lexer, parser, planner and operators that read shards streams and write results back to them.
//
// The front end exists: analytics/lexer (tokens with positions), analytics/parser (statements
// into a tree, errors with line and column) and analytics/ast (the tree, which prints itself
// back as canonical SQL). The language is described in docs/sql.md. The planner, the
// operators and the runtime are still to come.
package analytics
