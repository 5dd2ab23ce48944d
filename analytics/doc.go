// Package analytics will run continuous SQL over streams, the Kinesis Data Analytics model:
// lexer, parser, planner and operators that read shards streams and write results back to them.
package analytics
